import { runCli, cliEnv } from '../helpers/cli.js';
import { assertValid } from '../helpers/schema.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('mlready CLI basics', () => {
  test('--version prints the package version and nothing else', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    expect(r.stderr).toBe('');
  });

  test('an unknown --target is a usage error naming the valid targets, in one line', async () => {
    const r = await runCli(['probe', '--target', 'local,mainframe']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('"mainframe"');
    expect(r.stderr).toMatch(/local, docker/);
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
  });

  test.each([['0'], ['-1'], ['abc'], ['5s'], ['']])('--timeout %p is a usage error', async (value) => {
    const r = await runCli(['probe', '--timeout', value]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--timeout');
  });

  test('probe --target local prints one facts document that matches the published schema', async () => {
    const r = await runCli(['probe', '--target', 'local'], { env: cliEnv() });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { targets: string[]; runtime: { docker: { status: string; reason: string } } };
    assertValid('facts', doc);
    expect(doc.targets).toEqual(['local']);
    expect(doc.runtime.docker).toEqual({ status: 'unknown', reason: 'not probed: target "docker" was not selected' });
  });
});
