/**
 * The stage supervisor every generated image runs as PID 1 (templates/entrypoint.py), with the
 * local python3: exit status, waiting for markers, writing its own, forwarding SIGTERM.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';

const SCRIPT = path.join(ROOT, 'templates', 'entrypoint.py');
const python = spawnSync('python3', ['--version']).status === 0;
const describePython = python ? describe : describe.skip;
let dir: string;
beforeAll(() => (dir = tempDir('mlready-entrypoint-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const envWith = (extra: Record<string, string>) => ({ PATH: process.env.PATH, ...extra });

describePython('templates/entrypoint.py', () => {
  test('runs the command and exits with its status; writes MLREADY_DONE only on success', () => {
    const done = path.join(dir, 'markers', 'a.done');
    expect(spawnSync('python3', [SCRIPT, '--', 'python3', '-c', 'import sys; sys.exit(3)'], { env: envWith({ MLREADY_DONE: done }) }).status).toBe(3);
    expect(existsSync(done)).toBe(false);
    expect(spawnSync('python3', [SCRIPT, '--', 'python3', '-c', 'print("ok")'], { env: envWith({ MLREADY_DONE: done }) }).status).toBe(0);
    expect(readFileSync(done, 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT/);
    const missing = spawnSync('python3', [SCRIPT, '--', 'no-such-command-here'], { env: envWith({}), encoding: 'utf8' });
    expect(missing.status).toBe(127);
    expect(missing.stderr).toMatch(/mlready: cannot run no-such-command-here/);
  });

  test('waits for every marker before starting; --wait-only just waits', async () => {
    const a = path.join(dir, 'w1.done');
    const b = path.join(dir, 'w2.done');
    const out = path.join(dir, 'started');
    const child = spawn('python3', [SCRIPT, '--', 'python3', '-c', `open(${JSON.stringify(out)}, "w").close()`], { env: envWith({ MLREADY_WAIT_FOR: `${a}:${b}` }) });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(out)).toBe(false);
    writeFileSync(a, '');
    writeFileSync(b, '');
    expect(await exited).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(spawnSync('python3', [SCRIPT, '--wait-only'], { env: envWith({ MLREADY_WAIT_FOR: a }) }).status).toBe(0);
    expect(spawnSync('python3', [SCRIPT, '--wait-only'], { env: envWith({ MLREADY_WAIT_FOR: path.join(dir, 'never'), MLREADY_WAIT_TIMEOUT: '0' }) }).status).toBe(75);
  }, 60_000);

  test('forwards SIGTERM to the stage command', async () => {
    const got = path.join(dir, 'got-term');
    const code = `import signal, sys, time\ndef h(s, f):\n    open(${JSON.stringify(got)}, "w").write(str(s)); sys.exit(0)\nsignal.signal(signal.SIGTERM, h)\nprint("ready", flush=True)\ntime.sleep(60)`;
    const child = spawn('python3', [SCRIPT, '--', 'python3', '-c', code], { env: envWith({}) });
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    const started = Date.now();
    child.kill('SIGTERM');
    const status = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(status).toBe(0);
    expect(readFileSync(got, 'utf8')).toBe('15');
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);
});
