/** `mlready probe` as a process on this machine: the document, redaction and secrets. */
import os from 'node:os';
import { cliEnv, runCli } from '../helpers/cli.js';
import { assertValid } from '../helpers/schema.js';
import type { Facts } from '../../src/facts/schema.js';

const CANARY = 'hunter2-canary-7f3a';

function identifiers(): string[] {
  const out = new Set<string>();
  if (os.hostname().length >= 3) out.add(os.hostname());
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      out.add(a.address);
      if (a.mac && a.mac !== '00:00:00:00:00:00') out.add(a.mac);
    }
  }
  return [...out];
}

describe('mlready probe', () => {
  test('prints one valid facts document and nothing on stderr when stderr is not a terminal', async () => {
    const r = await runCli(['probe'], { env: cliEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const facts = JSON.parse(r.stdout) as Facts;
    assertValid('facts', facts);
    expect(facts.targets).toEqual(['local', 'docker']);
    expect(facts.host.memory.status).toBe('ok');
    if (facts.host.memory.status === 'ok') expect(facts.host.memory.totalBytes).toBe(os.totalmem());
    expect(facts.host.hostname).toBe(os.hostname());
    expect(facts.probes.map((p) => p.target)).toEqual(expect.arrayContaining(['host', 'gpu', 'network', 'docker', 'storage:root']));
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  test('--pretty indents the same document', async () => {
    const r = await runCli(['probe', '--target', 'local', '--pretty'], { env: cliEnv() });
    expect(r.stdout.split('\n').length).toBeGreaterThan(50);
    expect((JSON.parse(r.stdout) as Facts).targets).toEqual(['local']);
  });

  test('--redact removes this host\'s names and addresses, with stable hashes', async () => {
    const env = cliEnv({ MLREADY_REDACT_KEY: 'ci-key' });
    const [a, b] = await Promise.all([runCli(['probe', '--redact'], { env }), runCli(['probe', '--redact'], { env })]);
    expect(a.code).toBe(0);
    for (const id of identifiers()) expect(a.stdout).not.toContain(id);
    const fa = JSON.parse(a.stdout) as Facts;
    const fb = JSON.parse(b.stdout) as Facts;
    assertValid('facts', fa);
    expect(fa.redacted).toBe(true);
    expect(fa.host.hostname).toMatch(/^host-[0-9a-f]{12}$/);
    expect(fa.host.hostname).toBe(fb.host.hostname);
  });

  test('proxy credentials and other environment values never reach the facts', async () => {
    const env = cliEnv({
      HTTPS_PROXY: `http://alice:${CANARY}@proxy.example.com:3128`,
      https_proxy: `http://alice:${CANARY}@proxy.example.com:3128`,
      NO_PROXY: 'localhost,127.0.0.1',
      AWS_SECRET_ACCESS_KEY: CANARY,
      DOCKER_AUTH_CONFIG: `{"auths":{"r":{"auth":"${CANARY}"}}}`,
    });
    const r = await runCli(['probe'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(CANARY);
    expect(r.stderr).not.toContain(CANARY);
    const facts = JSON.parse(r.stdout) as Facts;
    expect(facts.network.proxy.httpsProxy).toBe('http://***@proxy.example.com:3128');
    expect(facts.network.proxy.noProxy).toEqual(['localhost', '127.0.0.1']);
  });
});
