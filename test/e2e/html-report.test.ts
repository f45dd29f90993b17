/**
 * The HTML report in a real browser (Debian's headless Chromium, driven by playwright-core): the chart's
 * bars carry the JSON report's category scores, bar lengths are proportional to them, grade and score
 * match, filters work, and the page makes no network request.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { cliEnv, runCli } from '../helpers/cli.js';
import { patchedFacts, tempDir, writeJson } from '../helpers/facts.js';
import type { Report } from '../../src/report/schema.js';

const CHROMIUM = '/usr/bin/chromium';
/** The part of the DOM's Element used in the page (the project's TypeScript has no DOM lib). */
type Measurable = { getBoundingClientRect(): { width: number } };
const required = process.env.MLREADY_REQUIRE_DOCKER === '1'; // CI installs chromium with the engine
const describeBrowser = existsSync(CHROMIUM) || required ? describe : describe.skip;

describeBrowser('HTML report in Chromium', () => {
  let browser: Browser;
  let dir: string;
  let report: Report;
  let htmlFile: string;

  beforeAll(async () => {
    dir = tempDir();
    const facts = writeJson(
      dir,
      'facts.json',
      patchedFacts({
        host: { memory: { totalBytes: 8 * 2 ** 30 } },
        runtime: { docker: { storageDriver: 'vfs', logOptions: {} } },
        gpu: { status: 'unknown', reason: 'nvidia-smi timed out after 5 s <script>alert(1)</script>', count: null, devices: [] },
      }),
    );
    const r = await runCli(['assess', '--facts', facts, '--profile', 'training-gpu', '--format', 'html', '--output', 'r.html', '--report', 'json=r.json'], {
      env: cliEnv(),
      cwd: dir,
    });
    expect(r.code).toBe(1);
    htmlFile = path.join(dir, 'r.html');
    report = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as Report;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  test('grade, score, coverage and the chart match the JSON report; no network requests', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(`file://${htmlFile}`);
    expect(await page.locator('#grade').textContent()).toBe(report.grade);
    expect(Number(await page.locator('#score').getAttribute('data-score'))).toBe(report.score);
    expect(await page.locator('#score').textContent()).toBe(report.score!.toFixed(1));
    expect(Number(await page.locator('#coverage').getAttribute('data-coverage'))).toBe(report.coverage);
    expect(await page.locator('#gate').getAttribute('data-passed')).toBe('false');

    const bars = await page.locator('#chart .bar').evaluateAll((els) =>
      els.map((el) => ({
        category: el.getAttribute('data-category'),
        score: el.getAttribute('data-score'),
        width: (el.querySelector('rect.value') as unknown as Measurable).getBoundingClientRect().width,
        track: (el.querySelector('rect.track') as unknown as Measurable).getBoundingClientRect().width,
      })),
    );
    const expected = report.categories.filter((c) => c.applicable > 0);
    expect(bars.map((b) => b.category)).toEqual(expected.map((c) => c.name));
    for (const [i, c] of expected.entries()) {
      expect(bars[i]!.score).toBe(c.score === null ? '' : String(c.score));
      // The drawn bar is the score's share of the track (within a pixel).
      expect(Math.abs(bars[i]!.width - ((c.score ?? 0) / 100) * bars[i]!.track)).toBeLessThan(1.5);
    }
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
    await page.close();
  });

  test('filters: severity, outcome and category hide and show findings', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${htmlFile}`);
    const visible = () => page.locator('#findings .finding:visible').count();
    const failing = report.findings.filter((f) => ['fail', 'unknown', 'waived'].includes(f.outcome)).length;
    expect(await visible()).toBe(failing);
    await page.locator('input[name="outcome"][value="pass"]').check();
    expect(await visible()).toBe(failing + report.summary.pass);
    await page.locator('input[name="severity"][value="error"]').uncheck();
    const noErrors = report.findings.filter((f) => ['fail', 'unknown', 'waived', 'pass'].includes(f.outcome) && f.severity !== 'error').length;
    expect(await visible()).toBe(noErrors);
    await page.locator('select[name="category"]').selectOption('gpu');
    const gpu = report.findings.filter((f) => ['fail', 'unknown', 'waived', 'pass'].includes(f.outcome) && f.severity !== 'error' && f.category === 'gpu').length;
    expect(await visible()).toBe(gpu);
    await page.close();
  });

  test('values are escaped: a reason with markup shows as text', async () => {
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.goto(`file://${htmlFile}`);
    await page.locator('input[name="outcome"][value="unknown"]').check();
    const text = await page.locator('#findings').textContent();
    expect(text).toContain('<script>alert(1)</script>');
    expect(dialogs).toBe(0);
    await page.close();
  });

  test('prints: filters are hidden in print media', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${htmlFile}`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#filters').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
    await page.close();
  });
});
