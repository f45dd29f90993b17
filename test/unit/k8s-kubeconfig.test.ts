/**
 * Finding the cluster: kubeconfig sources (--kubeconfig, KUBECONFIG lists, ~/.kube/config, the
 * in-cluster service account), contexts, the namespace and its source, the auth method; errors that
 * never quote the file.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authMethodOf, connect, resolveNamespace, type ConnectResult } from '../../src/probes/kubernetes/kubeconfig.js';
import { Scrubber } from '../../src/probes/kubernetes/sanitize.js';
import type { ProbeContext } from '../../src/probes/context.js';

const CANARY = 'canary-kc-7d0b4e2a91';
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-k8s-kc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(env: NodeJS.ProcessEnv, fsRoot = '/'): ProbeContext {
  return { timeoutMs: 5000, signal: new AbortController().signal, env, cwd: dir, tmpdir: os.tmpdir(), fsRoot, progress: () => {} };
}

function kubeconfig(name: string, doc: object): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

const config = (opts: { server?: string; ctxName?: string; namespace?: string; current?: string | null; user?: object; cluster?: string } = {}) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: opts.cluster ?? 'c1', cluster: { server: opts.server ?? 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true } }],
  users: [{ name: 'u1', user: opts.user ?? { token: `tok-${CANARY}` } }],
  contexts: [{ name: opts.ctxName ?? 'ctx1', context: { cluster: opts.cluster ?? 'c1', user: 'u1', ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
  ...(opts.current === null ? {} : { 'current-context': opts.current ?? opts.ctxName ?? 'ctx1' }),
});

async function connectWith(env: NodeJS.ProcessEnv, options: Parameters<typeof connect>[1] = {}, fsRoot = '/'): Promise<ConnectResult> {
  const r = await connect(ctx(env, fsRoot), options, new Scrubber(), new AbortController().signal, () => {});
  if (r.ok) r.conn.close();
  return r;
}

describe('resolveNamespace', () => {
  test.each([
    [{ flag: 'a', spec: 'b', context: 'c' }, { namespace: 'a', source: 'flag' }],
    [{ spec: 'b', context: 'c' }, { namespace: 'b', source: 'spec' }],
    [{ context: 'c' }, { namespace: 'c', source: 'context' }],
    [{}, { namespace: 'default', source: 'default' }],
    [{ flag: '  ', spec: '', context: 'c' }, { namespace: 'c', source: 'context' }],
  ])('%j → %j', (input, expected) => expect(resolveNamespace(input)).toEqual(expected));
});

describe('authMethodOf', () => {
  test.each([
    [{ exec: { command: 'aws' } }, 'exec'],
    [{ authProvider: { name: 'oidc', config: {} } }, 'auth-provider'],
    [{ authProvider: { name: 'exec', config: { exec: {} } } }, 'exec'],
    [{ token: 'x' }, 'token'],
    [{ certData: 'x', keyData: 'y' }, 'client-certificate'],
    [{ certFile: '/c', keyFile: '/k' }, 'client-certificate'],
    [{ username: 'admin', password: 'p' }, 'basic'],
    [{}, 'none'],
    [null, 'none'],
  ])('%j → %s', (user, method) => expect(authMethodOf(user as never)).toBe(method));
  test('the in-cluster service account', () => expect(authMethodOf({ authProvider: { name: 'tokenFile' } } as never, true)).toBe('in-cluster'));
});

describe('connect', () => {
  test('--kubeconfig: context, its namespace, server, auth; the token becomes a header', async () => {
    const file = kubeconfig('a.json', config({ namespace: 'team' }));
    const r = await connect(ctx({}), { kubeconfig: file }, new Scrubber(), new AbortController().signal, () => {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.conn).toMatchObject({ context: 'ctx1', namespace: 'team', namespaceSource: 'context', server: 'https://127.0.0.1:6443', authMethod: 'token', insecureSkipTlsVerify: true });
    expect(r.conn.headers.Authorization).toBe(`Bearer tok-${CANARY}`);
    r.conn.close();
  });

  test('--namespace beats the spec, which beats the context', async () => {
    const file = kubeconfig('b.json', config({ namespace: 'team' }));
    const a = await connectWith({}, { kubeconfig: file, namespace: 'flagged', specNamespace: 'spec-ns' });
    const b = await connectWith({}, { kubeconfig: file, specNamespace: 'spec-ns' });
    expect(a.ok && [a.conn.namespace, a.conn.namespaceSource]).toEqual(['flagged', 'flag']);
    expect(b.ok && [b.conn.namespace, b.conn.namespaceSource]).toEqual(['spec-ns', 'spec']);
  });

  test('KUBECONFIG is a list: missing files are skipped, the first file wins names and current-context', async () => {
    const first = kubeconfig('k1.json', { ...config({ ctxName: 'one', current: null }), contexts: [{ name: 'one', context: { cluster: 'c1', user: 'u1', namespace: 'from-first' } }] });
    const second = kubeconfig('k2.json', {
      ...config({ ctxName: 'one', namespace: 'from-second', server: 'https://10.9.9.9:6443' }),
      contexts: [
        { name: 'one', context: { cluster: 'c1', user: 'u1', namespace: 'from-second' } },
        { name: 'two', context: { cluster: 'c1', user: 'u1', namespace: 'ns-two' } },
      ],
      'current-context': 'one',
    });
    const r = await connectWith({ KUBECONFIG: [path.join(dir, 'missing.json'), first, second].join(path.delimiter) });
    expect(r.ok && [r.conn.context, r.conn.namespace, r.conn.server]).toEqual(['one', 'from-first', 'https://127.0.0.1:6443']);
    const two = await connectWith({ KUBECONFIG: [first, second].join(path.delimiter) }, { context: 'two' });
    expect(two.ok && [two.conn.context, two.conn.namespace]).toEqual(['two', 'ns-two']);
  });

  test('~/.kube/config under HOME when nothing else is given', async () => {
    const home = path.join(dir, 'home');
    mkdirSync(path.join(home, '.kube'), { recursive: true });
    writeFileSync(path.join(home, '.kube', 'config'), JSON.stringify(config({ ctxName: 'homectx' })));
    const r = await connectWith({ HOME: home });
    expect(r.ok && r.conn.context).toBe('homectx');
  });

  test('no kubeconfig at all is unavailable, with a hint', async () => {
    const r = await connectWith({ HOME: path.join(dir, 'nohome') });
    expect(r).toMatchObject({ ok: false, status: 'unavailable' });
    expect(!r.ok && r.reason).toMatch(/^no kubeconfig: set KUBECONFIG, pass --kubeconfig/);
    const missing = await connectWith({}, { kubeconfig: 'nope.yaml' });
    expect(!missing.ok && missing.reason).toBe(`kubeconfig ${path.join(dir, 'nope.yaml')} does not exist`);
  });

  test('a broken kubeconfig is named, never quoted', async () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, `users:\n- name: u\n  user:\n    token: ${CANARY}\n   bad: [indent\n`);
    const r = await connectWith({}, { kubeconfig: file });
    expect(r).toMatchObject({ ok: false, status: 'unavailable' });
    expect(!r.ok && r.reason).toMatch(/^kubeconfig .*broken\.yaml is not valid YAML \(line \d+\)$/);
    expect(JSON.stringify(r)).not.toContain(CANARY);
    writeFileSync(file, '');
    const empty = await connectWith({}, { kubeconfig: file });
    expect(!empty.ok && empty.reason).toMatch(/is empty or not a kubeconfig|has no current-context/);
  });

  test('unknown context, no current-context, dangling cluster', async () => {
    const file = kubeconfig('c.json', config());
    expect(await connectWith({}, { kubeconfig: file, context: 'nope' })).toMatchObject({ ok: false, status: 'unavailable', reason: 'context "nope" is not in the kubeconfig' });
    const none = kubeconfig('d.json', config({ current: null }));
    expect(await connectWith({}, { kubeconfig: none })).toMatchObject({ ok: false, reason: 'the kubeconfig has no current-context: pass --context' });
    const dangling = kubeconfig('e.json', { ...config(), contexts: [{ name: 'ctx1', context: { cluster: 'gone', user: 'u1' } }] });
    expect(await connectWith({}, { kubeconfig: dangling })).toMatchObject({ ok: false, reason: 'context "ctx1" names cluster "gone", which is not in the kubeconfig' });
  });

  test('a missing CA file is a one-line reason', async () => {
    const file = kubeconfig('f.json', { ...config(), clusters: [{ name: 'c1', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': path.join(dir, 'no-ca.crt') } }] });
    const r = await connectWith({}, { kubeconfig: file });
    expect(r).toMatchObject({ ok: false, status: 'unknown', reason: `missing file named by the kubeconfig: ${path.join(dir, 'no-ca.crt')}` });
  });

  test('the in-cluster service account (KUBERNETES_SERVICE_HOST, token, CA and namespace files)', async () => {
    const root = path.join(dir, 'fsroot');
    const sa = path.join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(path.join(sa, 'token'), `sa-${CANARY}\n`);
    writeFileSync(path.join(sa, 'namespace'), 'ml-jobs');
    writeFileSync(path.join(sa, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const r = await connect(ctx({ HOME: path.join(dir, 'nohome'), KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, root), {}, new Scrubber(), new AbortController().signal, () => {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.conn).toMatchObject({ server: 'https://10.96.0.1', authMethod: 'in-cluster', namespace: 'ml-jobs', namespaceSource: 'context' });
    expect(r.conn.headers.Authorization).toBe(`Bearer sa-${CANARY}`);
    r.conn.close();
  });

  test('an exec plugin that fails: its exit code, nothing it printed', async () => {
    const plugin = path.join(dir, 'plugin.mjs');
    writeFileSync(plugin, `process.stderr.write('error: token ${CANARY} rejected\\n' + process.env.SECRET_ENV); process.exit(3);\n`);
    const file = kubeconfig('g.json', config({ user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], env: [{ name: 'SECRET_ENV', value: `env-${CANARY}` }] } } }));
    const r = await connectWith({}, { kubeconfig: file });
    expect(r).toMatchObject({ ok: false, status: 'unknown', reason: `exec credential plugin "${path.basename(process.execPath)}" failed (exit code 3)` });
    expect(JSON.stringify(r)).not.toContain(CANARY);
  });

  test('an exec plugin that works gives the header; one that is missing is named', async () => {
    const plugin = path.join(dir, 'plugin-ok.mjs');
    writeFileSync(plugin, `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'exec-' + process.env.SECRET_ENV } }));\n`);
    const file = kubeconfig('h.json', config({ user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin], env: [{ name: 'SECRET_ENV', value: CANARY }] } } }));
    const r = await connect(ctx({}), { kubeconfig: file }, new Scrubber(), new AbortController().signal, () => {});
    expect(r.ok && r.conn.authMethod).toBe('exec');
    expect(r.ok && r.conn.headers.Authorization).toBe(`Bearer exec-${CANARY}`);
    if (r.ok) r.conn.close();
    const missing = kubeconfig('i.json', config({ user: { exec: { command: '/nonexistent/kubelogin', args: ['get-token'] } } }));
    expect(await connectWith({}, { kubeconfig: missing })).toMatchObject({ ok: false, status: 'unknown', reason: 'exec credential plugin "kubelogin" not found' });
  });

  test('an exec plugin that hangs is ended when the budget runs out', async () => {
    const plugin = path.join(dir, 'plugin-hang.mjs');
    writeFileSync(plugin, 'setInterval(() => {}, 1000);\n');
    const file = kubeconfig('j.json', config({ user: { exec: { command: process.execPath, args: [plugin] } } }));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const started = Date.now();
    const r = await connect(ctx({}), { kubeconfig: file }, new Scrubber(), ac.signal, () => {});
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toMatchObject({ ok: false, status: 'unknown' });
    expect(!r.ok && r.reason).toMatch(/did not answer in time/);
  });
});
