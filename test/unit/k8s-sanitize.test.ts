/** Secrets never leave the Kubernetes probe: the scrubber and server URLs. */
import { displayServer, Scrubber } from '../../src/probes/kubernetes/sanitize.js';

const CANARY = 'canary-5f1e9a7c3b2d';

describe('Scrubber', () => {
  test("masks the user's token, password, client key (and what its base64 decodes to), exec env and auth-provider config", () => {
    const s = new Scrubber();
    const pem = `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI${CANARY}key\n-----END EC PRIVATE KEY-----\n`;
    s.addUser({
      token: `tok-${CANARY}`,
      password: `pw-${CANARY}`,
      keyData: Buffer.from(pem).toString('base64'),
      authProvider: { name: 'oidc', config: { 'id-token': `idt-${CANARY}`, 'refresh-token': `rt-${CANARY}`, nested: { secret: `nest-${CANARY}` } } },
      exec: { command: 'aws', args: ['eks', 'get-token', '--token', `arg-${CANARY}`, `--secret=eq-${CANARY}`], env: [{ name: 'AWS_SECRET', value: `env-${CANARY}` }] },
    });
    const text = [`tok-${CANARY}`, `pw-${CANARY}`, Buffer.from(pem).toString('base64'), pem, `idt-${CANARY}`, `rt-${CANARY}`, `nest-${CANARY}`, `arg-${CANARY}`, `eq-${CANARY}`, `env-${CANARY}`].join(' | ');
    const out = s.scrub(text);
    expect(out).not.toContain(CANARY);
    expect(out).toContain('***');
  });

  test('masks credential-shaped text it was not told about', () => {
    const s = new Scrubber();
    expect(s.scrub(`Authorization: Bearer abc.${CANARY}.def`)).not.toContain(CANARY);
    expect(s.scrub(`failed: token=${CANARY} next`)).toBe('failed: token=*** next');
    expect(s.scrub(`{"password": "${CANARY}"}`)).not.toContain(CANARY);
    expect(s.scrub(`https://alice:${CANARY}@proxy:3128`)).toBe('https://***@proxy:3128');
    expect(s.scrub(`-----BEGIN RSA PRIVATE KEY-----\nAAAA${CANARY}\n-----END RSA PRIVATE KEY-----`)).toBe('[private key]');
  });

  test('short values are not taken for secrets (they would mangle messages)', () => {
    const s = new Scrubber();
    s.add('abc');
    s.add(undefined);
    expect(s.scrub('abc def')).toBe('abc def');
  });

  test('line() gives one line of bounded length; deep() scrubs every string of an object', () => {
    const s = new Scrubber();
    s.add(`tok-${CANARY}`);
    expect(s.line(`first tok-${CANARY}\nsecond`)).toBe('first ***');
    expect(s.line('x'.repeat(500)).length).toBeLessThanOrEqual(300);
    expect(JSON.stringify(s.deep({ a: [`tok-${CANARY}`], b: { c: `x tok-${CANARY}` }, n: 1, t: true }))).toBe('{"a":["***"],"b":{"c":"x ***"},"n":1,"t":true}');
  });

  test('headers: the Authorization value and its credential part', () => {
    const s = new Scrubber();
    s.addHeaders({ Authorization: `Bearer exec-${CANARY}`, Accept: 'application/json' });
    expect(s.scrub(`exec-${CANARY}`)).toBe('***');
    expect(s.scrub('application/json')).toBe('application/json');
  });
});

describe('displayServer', () => {
  test.each([
    ['https://10.0.0.1:6443', 'https://10.0.0.1:6443'],
    ['https://10.0.0.1:6443/', 'https://10.0.0.1:6443'],
    [`https://admin:${CANARY}@k8s.example.com/`, 'https://k8s.example.com'],
    ['https://rancher.example.com/k8s/clusters/c-abc12?token=x', 'https://rancher.example.com/k8s/clusters/c-abc12'],
    ['https://[fd00::1]:6443', 'https://[fd00::1]:6443'],
  ])('%s → %s', (input, expected) => expect(displayServer(input)).toBe(expected));
});
