/**
 * The Kubernetes probe behind an HTTP proxy, as kubectl would go: HTTPS_PROXY (a CONNECT tunnel, TLS to the
 * API server through it, the kubeconfig's CA and token as usual), NO_PROXY, and loopback servers that never
 * go through a proxy. The API server's name resolves only at the proxy (`resolve`), so a run that reaches
 * it has gone through the tunnel.
 */
import { k8sTempDir, probeK8s } from '../helpers/k8s-cli.js';
import { startK8sServer, type K8sServer } from '../helpers/k8s-server.js';
import { simulatedCluster } from '../helpers/k8s-sim.js';
import { startConnectProxy } from '../helpers/datasource-servers.js';

const TOKEN = 'proxy-test-token-5f6e7d8c';
const PROXY_PASSWORD = 'proxy-pass-91ab';
const NAME = 'k8s.mlready-test.invalid';
const sim = simulatedCluster({ nodes: 6, gpuNodes: 2, pods: 120 });
const { dir, home } = k8sTempDir();
const NO_PROXY_ENV = { HTTPS_PROXY: undefined, https_proxy: undefined, HTTP_PROXY: undefined, http_proxy: undefined, ALL_PROXY: undefined, all_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

let server: K8sServer;
beforeAll(async () => {
  server = await startK8sServer({ resources: sim.resources, groups: sim.groups, version: sim.version, token: TOKEN });
});
afterAll(async () => server?.close());

const kubeconfig = (file: string) => server.kubeconfig(dir, { server: `https://${NAME}:${server.port}` }, file);

test('HTTPS_PROXY: every request goes through a CONNECT tunnel; TLS and the token work through it; the proxy is a fact', async () => {
  const auth = `Basic ${Buffer.from(`ml:${PROXY_PASSWORD}`).toString('base64')}`;
  const proxy = await startConnectProxy({ requireAuth: auth, resolve: { [NAME]: '127.0.0.1' } });
  try {
    const run = await probeK8s(['--kubeconfig', kubeconfig('kc-proxy'), '--timeout', '10'], { home, env: { ...NO_PROXY_ENV, HTTPS_PROXY: `http://ml:${PROXY_PASSWORD}@127.0.0.1:${proxy.port}` } });
    expect(run.k8s).toMatchObject({ status: 'available', proxy: `127.0.0.1:${proxy.port}`, nodes: { status: 'ok', total: 6 } });
    expect(proxy.connects.length).toBeGreaterThan(0);
    expect(proxy.connects.every((c) => c.target === `${NAME}:${server.port}` && c.authorization === auth)).toBe(true);
    const out = run.result.stdout + run.result.stderr;
    for (const secret of [TOKEN, PROXY_PASSWORD, auth.slice(6)]) expect(out).not.toContain(secret);
  } finally {
    await proxy.close();
  }
}, 60_000);

test('a proxy that refuses the tunnel: unavailable in one line naming the proxy and its answer', async () => {
  const proxy = await startConnectProxy({ deny: true });
  try {
    const run = await probeK8s(['--kubeconfig', kubeconfig('kc-proxy-deny'), '--timeout', '5'], { home, env: { ...NO_PROXY_ENV, https_proxy: `127.0.0.1:${proxy.port}` } });
    expect(run.k8s.status).not.toBe('available');
    expect(run.k8s.reason).toContain(`through proxy 127.0.0.1:${proxy.port} (https_proxy): the proxy answered 403 Forbidden to CONNECT ${NAME}:${server.port}`);
    expect(run.k8s.reason).not.toContain('\n');
    expect(run.k8s).toMatchObject({ proxy: `127.0.0.1:${proxy.port}` });
  } finally {
    await proxy.close();
  }
}, 60_000);

test('NO_PROXY and loopback servers go direct: no CONNECT, no proxy fact', async () => {
  const proxy = await startConnectProxy({ resolve: { [NAME]: '127.0.0.1' } });
  try {
    // The name only the proxy resolves, excluded by NO_PROXY: the direct DNS lookup fails.
    const excluded = await probeK8s(['--kubeconfig', kubeconfig('kc-noproxy'), '--timeout', '5'], { home, env: { ...NO_PROXY_ENV, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: '.invalid' } });
    expect(excluded.k8s.status).toBe('unavailable');
    expect(excluded.k8s.reason).toMatch(/DNS lookup failed for k8s\.mlready-test\.invalid/);
    expect(excluded.k8s).not.toHaveProperty('proxy');
    // 127.0.0.1 is never proxied (as in Go), whatever NO_PROXY says.
    const loopback = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-loopback'), '--timeout', '5'], { home, env: { ...NO_PROXY_ENV, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` } });
    expect(loopback.k8s).toMatchObject({ status: 'available' });
    expect(loopback.k8s).not.toHaveProperty('proxy');
    expect(proxy.connects).toEqual([]);
  } finally {
    await proxy.close();
  }
}, 60_000);
