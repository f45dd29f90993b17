/** `mlready diff`: drift between two assessments of a machine that changed. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, runCli } from '../helpers/cli.js';
import { baseFacts, patchedFacts, tempDir, writeJson } from '../helpers/facts.js';

const env = cliEnv();
let dir: string;
let before: string;
let after: string;

beforeAll(async () => {
  dir = tempDir();
  const healthy = writeJson(dir, 'before-facts.json', baseFacts());
  // The same machine a month later: a driver downgrade, one GPU lost, vfs storage driver.
  const changed = patchedFacts({
    gpu: {
      count: 3,
      devices: baseFacts().gpu.devices.slice(0, 3).map((d) => ({ ...d, driverVersion: '470.82.01', cudaVersion: '11.4' })),
    },
    runtime: { docker: { storageDriver: 'vfs' } },
  });
  const changedFile = writeJson(dir, 'after-facts.json', changed);
  for (const [facts, out] of [
    [healthy, 'before.json'],
    [changedFile, 'after.json'],
  ] as const) {
    const r = await runCli(['assess', '--facts', facts, '--format', 'json', '--output', out], { env, cwd: dir });
    expect([0, 1]).toContain(r.code);
  }
  before = path.join(dir, 'before.json');
  after = path.join(dir, 'after.json');
});

describe('mlready diff', () => {
  test('new blocking findings and the fact changes that matter; exit 1', async () => {
    const r = await runCli(['diff', before, after, '--format', 'json'], { env });
    expect(r.code).toBe(1);
    const drift = JSON.parse(r.stdout) as {
      newFindings: { ruleId: string; severity: string }[];
      newBlocking: { ruleId: string }[];
      fixed: unknown[];
      facts: { fact: string; before: string; after: string }[];
    };
    expect(drift.newBlocking.map((f) => f.ruleId)).toContain('GPU-002');
    expect(drift.newFindings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['GPU-002']));
    expect(drift.fixed).toEqual([]);
    expect(drift.facts).toEqual(
      expect.arrayContaining([
        { fact: 'GPU count', before: '4', after: '3' },
        { fact: 'NVIDIA driver', before: '535.54.03', after: '470.82.01' },
        { fact: 'CUDA (driver supports)', before: '12.2', after: '11.4' },
        { fact: 'Docker storage driver', before: 'overlay2', after: 'vfs' },
      ]),
    );
  });

  test('the other way round: fixed findings, exit 0; text and markdown say so', async () => {
    const text = await runCli(['diff', after, before], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Fixed \(\d+\)$/m);
    expect(text.stdout).toMatch(/^ {2}- GPU-002 /m);
    expect(text.stdout).toMatch(/NVIDIA driver: 470\.82\.01 → 535\.54\.03/);
    expect(text.stdout).toMatch(/No new blocking findings\./);
    const md = await runCli(['diff', after, before, '--format', 'markdown'], { env });
    expect(md.stdout).toMatch(/^## mlready diff ✅/);
    expect(md.stdout).toMatch(/\| GPU count \| 3 \| 4 \|/);
  });

  test('two facts documents: fact drift only', async () => {
    const r = await runCli(['diff', path.join(dir, 'before-facts.json'), path.join(dir, 'after-facts.json')], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GPU count: 4 → 3/);
  });

  test('bad input: not an mlready document, a newer major → exit 2, one line', async () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, '{"hello": 1}');
    const r = await runCli(['diff', other, after], { env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/other\.json: not an mlready JSON report/);
    const v2 = writeJson(dir, 'v2.json', { ...(JSON.parse((await runCli(['assess', '--facts', path.join(dir, 'before-facts.json'), '--format', 'json'], { env })).stdout) as object), schemaVersion: '2.0.0' });
    const r2 = await runCli(['diff', v2, after], { env });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/report schemaVersion 2\.0\.0 is not supported: this mlready reads 1\.x/);
  });
});
