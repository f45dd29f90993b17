/**
 * `mlready assess --notify URL` against a loopback HTTP server: the summary arrives (Slack `text` plus
 * fields); a 500 is retried once; a server that never answers times out; a refused connection warns.
 * In every case the exit code is the gate's, and the URL — a canary path, as webhook URLs carry their
 * token — appears nowhere: not on stdout or stderr (with --debug and --verbose too), not in any report file.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cliEnv, runCli, type CliResult } from '../helpers/cli.js';
import { patchedFacts, tempDir, writeJson } from '../helpers/facts.js';

type Mode = 'ok' | 'fail-once' | 'hang' | 'always-500' | 'not-found';
interface Received {
  path: string;
  contentType: string | undefined;
  body: { text: string; mlready: Record<string, unknown> };
}

let server: http.Server;
let port: number;
let mode: Mode = 'ok';
let received: Received[] = [];
const sockets = new Set<Socket>();
let dir: string;
let passing: string;
let failing: string;
const canary = `CANARY${randomBytes(8).toString('hex')}`;
const hookPath = `/services/T0000/B0000/${canary}`;
const url = () => `http://127.0.0.1:${port}${hookPath}`;

beforeAll(async () => {
  dir = tempDir('mlready-notify-');
  passing = writeJson(dir, 'passing.json', patchedFacts({}));
  failing = writeJson(dir, 'failing.json', patchedFacts({ host: { memory: { totalBytes: 8 * 2 ** 30 } }, runtime: { docker: { storageDriver: 'vfs' } } }));
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(data) as Received['body'] });
      if (mode === 'hang') return; // never answers
      const status = mode === 'always-500' || (mode === 'fail-once' && received.length === 1) ? 500 : mode === 'not-found' ? 404 : 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
  mode = 'ok';
});

/** Runs assess with every report format written, and returns what it printed and wrote. */
async function assess(facts: string, notify: string | undefined, extra: string[] = [], envOverrides: NodeJS.ProcessEnv = {}): Promise<CliResult & { written: string }> {
  const out = tempDir('mlready-notify-run-');
  const args = [
    'assess', '--facts', facts, '--profile', 'training-gpu', '--verbose',
    '--report', `json=${path.join(out, 'r.json')}`, '--report', `sarif=${path.join(out, 'r.sarif')}`, '--report', `junit=${path.join(out, 'r.xml')}`,
    '--report', `markdown=${path.join(out, 'r.md')}`, '--report', `html=${path.join(out, 'r.html')}`,
    ...(notify !== undefined ? ['--notify', notify] : []),
    ...extra,
  ];
  const r = await runCli(args, { env: cliEnv({ MLREADY_NOTIFY_TIMEOUT: '1', MLREADY_NOTIFY_URL: undefined, ...envOverrides }), cwd: dir, timeoutMs: 30_000 });
  const written = readdirSync(out).map((f) => readFileSync(path.join(out, f), 'utf8')).join('\n');
  rmSync(out, { recursive: true, force: true });
  return { ...r, written };
}

function expectNoUrl(r: CliResult & { written: string }): void {
  for (const text of [r.stdout, r.stderr, r.written]) {
    expect(text).not.toContain(canary);
    expect(text).not.toContain(`127.0.0.1:${port}`);
  }
}

const warnings = (stderr: string) => stderr.split('\n').filter((l) => l.includes('--notify'));

describe('assess --notify', () => {
  test('delivers a Slack-compatible summary once; the exit code is the gate\'s (0 and 1)', async () => {
    const ok = await assess(passing, url());
    expect(ok.code).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe(hookPath);
    expect(received[0]!.contentType).toBe('application/json');
    expect(received[0]!.body.text).toMatch(/^:white_check_mark: mlready assess on \S+: gate passed — score 100, grade A, profile training-gpu/);
    expect(received[0]!.body.mlready).toMatchObject({ verdict: 'passed', passed: true, score: 100, grade: 'A', blocking: [] });
    expect(warnings(ok.stderr)).toEqual([]);
    expectNoUrl(ok);

    received = [];
    const bad = await assess(failing, url());
    expect(bad.code).toBe(1);
    expect(received).toHaveLength(1);
    const body = received[0]!.body;
    expect(body.text.split('\n')[0]).toMatch(/^:x: mlready assess on \S+: gate failed — score [\d.]+, grade [A-F]/);
    expect((body.mlready.blocking as unknown[]).length).toBeGreaterThan(0);
    for (const b of body.mlready.blocking as { ruleId: string; severity: string }[]) {
      expect(b.severity).toBe('error');
      expect(body.text).toContain(b.ruleId);
    }
    expectNoUrl(bad);
  });

  test('a 500 is retried once and then delivered, with no warning', async () => {
    mode = 'fail-once';
    const r = await assess(failing, url());
    expect(r.code).toBe(1);
    expect(received).toHaveLength(2);
    expect(received[1]!.body).toEqual(received[0]!.body);
    expect(warnings(r.stderr)).toEqual([]);
    expectNoUrl(r);
  });

  test('a webhook that keeps failing: two attempts, one warning line, the gate\'s exit code', async () => {
    mode = 'always-500';
    const r = await assess(passing, url());
    expect(r.code).toBe(0);
    expect(received).toHaveLength(2);
    expect(warnings(r.stderr)).toEqual(["mlready: warning: --notify: the webhook did not take the summary (HTTP 500); the gate's result is unchanged"]);
    expectNoUrl(r);
    // A 4xx is not retried: the same request gets the same answer.
    received = [];
    mode = 'not-found';
    const nf = await assess(failing, url());
    expect(nf.code).toBe(1);
    expect(received).toHaveLength(1);
    expect(warnings(nf.stderr)).toEqual(["mlready: warning: --notify: the webhook did not take the summary (HTTP 404); the gate's result is unchanged"]);
  });

  test('a server that never answers times out (twice), and the gate\'s exit code stands', async () => {
    mode = 'hang';
    const r = await assess(failing, url(), ['--debug']);
    expect(r.code).toBe(1);
    expect(received).toHaveLength(2);
    expect(warnings(r.stderr)).toEqual(["mlready: warning: --notify: the webhook did not take the summary (timed out after 1 s); the gate's result is unchanged"]);
    expect(r.durationMs).toBeLessThan(10_000);
    expectNoUrl(r);
  });

  test('a refused connection warns without the URL; --debug shows no more', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const r = await assess(passing, `http://127.0.0.1:${closedPort}${hookPath}`, ['--debug']);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual(["mlready: warning: --notify: the webhook did not take the summary (network error ECONNREFUSED); the gate's result is unchanged"]);
    for (const text of [r.stdout, r.stderr, r.written]) {
      expect(text).not.toContain(canary);
      expect(text).not.toContain(`:${closedPort}`);
    }
  });

  test('MLREADY_NOTIFY_URL instead of the flag (kept out of the process list); a malformed URL warns and is not echoed', async () => {
    const r = await assess(passing, undefined, [], { MLREADY_NOTIFY_URL: url() });
    expect(r.code).toBe(0);
    expect(received).toHaveLength(1);
    expectNoUrl(r);
    const bad = await assess(failing, `hxxp:/${canary}`);
    expect(bad.code).toBe(1);
    expect(warnings(bad.stderr)).toEqual(["mlready: warning: --notify: not an http(s) URL; no notification was sent (the gate's result is unchanged)"]);
    expect(bad.stderr + bad.stdout + bad.written).not.toContain(canary);
  });

  test('without --notify nothing is sent', async () => {
    const r = await assess(passing, undefined);
    expect(r.code).toBe(0);
    expect(received).toHaveLength(0);
  });
});
