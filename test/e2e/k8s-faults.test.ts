/**
 * Faults, each against the loopback API server with the CLI as a process: every run exits 0 with a
 * valid facts document, ends inside its budget, and says what went wrong in one line (no stack).
 */
import net from 'node:net';
import { k8sTempDir, probeK8s, type K8sRun } from '../helpers/k8s-cli.js';
import { startK8sServer, writeKubeconfig, type K8sServer } from '../helpers/k8s-server.js';
import { simulatedCluster } from '../helpers/k8s-sim.js';

const TOKEN = 'fault-token-0a1b2c3d4e';
const sim = simulatedCluster({ nodes: 12, gpuNodes: 2, pods: 800 });
const { dir, home } = k8sTempDir();

async function withServer(options: Partial<Parameters<typeof startK8sServer>[0]>, run: (server: K8sServer) => Promise<void>): Promise<void> {
  const server = await startK8sServer({ resources: sim.resources, groups: sim.groups, version: sim.version, token: TOKEN, ...options });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** One line, no stack trace, nothing on stderr but progress. */
function expectClean(run: K8sRun, budgetMs: number): void {
  expect(run.result.code).toBe(0);
  expect(run.result.stderr).not.toMatch(/\n\s+at /);
  expect(run.record?.outcome).not.toBe('timeout');
  expect(run.record!.durationMs).toBeLessThan(budgetMs);
  for (const reason of collectReasons(run.k8s)) expect(reason).not.toContain('\n');
}

function collectReasons(value: unknown, out: string[] = []): string[] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reason' && typeof v === 'string') out.push(v);
      else collectReasons(v, out);
    }
  }
  return out;
}

describe('Kubernetes probe faults', () => {
  test('401: unknown, "unauthorized"', async () => {
    await withServer({}, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { token: 'wrong-token-123456' }, 'kc-401'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      expect(run.k8s).toMatchObject({ status: 'unknown', reason: 'unauthorized', authMethod: 'token', server: server.url });
      expect(run.k8s.nodes).toBeUndefined();
    });
  });

  test('403 on some reads: exactly those facts are unknown, the rest are there', async () => {
    await withServer({ forbidden: ['pods', 'customresourcedefinitions', 'namespaces', 'storageclasses'] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { namespace: 'ml' }, 'kc-403'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      const k = run.k8s;
      expect(k.status).toBe('available');
      expect(k.nodes).toMatchObject({ status: 'ok', total: sim.expected.nodes });
      expect(k.resources).toMatchObject({
        status: 'ok',
        cpu: { capacity: sim.expected.cpuCapacityMilli / 1000, requested: { status: 'unknown', reason: 'forbidden: list pods' }, largestFreePerNode: { status: 'unknown', reason: 'forbidden: list pods' } },
        'nvidia.com/gpu': { capacity: sim.expected.gpuCapacity, requested: { status: 'unknown', reason: 'forbidden: list pods' } },
      });
      expect(k.gpuNodes).toMatchObject({ status: 'ok', count: sim.expected.gpuNodes });
      // Without pods, which GPU nodes lack a plugin pod is not known: left out, not "none".
      expect(k.gpuSoftware).toMatchObject({ status: 'ok', devicePlugin: { present: true, ready: 1 } });
      if (k.gpuSoftware?.status === 'ok') expect(k.gpuSoftware.devicePlugin.gpuNodesMissing).toBeUndefined();
      expect(k.addons).toEqual({ status: 'unknown', reason: 'forbidden: list customresourcedefinitions' });
      // The Namespace itself is forbidden, its quotas and limit ranges are not: those stay usable.
      expect(k.targetNamespace).toEqual({
        status: 'ok',
        name: 'ml',
        unknownFields: { exists: 'forbidden: get namespaces/ml', podSecurity: 'forbidden: get namespaces/ml' },
        resourceQuotas: expect.any(Array),
        limitRanges: expect.any(Array),
      });
      expect(k.storage).toEqual({ status: 'unknown', reason: 'forbidden: list storageclasses' });
      expect(k.networking).toMatchObject({ status: 'ok', cni: 'aws-vpc-cni' });
      expect(k.access).toMatchObject({ status: 'ok' });
      expect(k.metricsApi).toEqual({ status: 'ok', available: true });
      expect(k.probe?.partial).toBe(false);
    });
  });

  test('500: retried with backoff, then unknown; the rest is read', async () => {
    await withServer({ faults: [{ path: '/api/v1/nodes', status: 500 }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-500'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      expect(run.k8s.status).toBe('available');
      expect(run.k8s.nodes).toEqual({ status: 'unknown', reason: 'server error 500: list nodes' });
      expect(run.k8s.resources).toEqual({ status: 'unknown', reason: 'server error 500: list nodes' });
      expect(run.k8s.gpuNodes).toEqual({ status: 'unknown', reason: 'server error 500: list nodes' });
      expect(run.k8s.storage?.status).toBe('ok');
      expect(server.requests.filter((r) => r.path === '/api/v1/nodes')).toHaveLength(4);
      expect(run.k8s.probe?.retries).toBe(3);
    });
  });

  test('500 on /version: retried, then the cluster is unknown', async () => {
    await withServer({ faults: [{ path: '/version', status: 500 }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-500v'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      expect(run.k8s).toMatchObject({ status: 'unknown', reason: 'server error 500: GET /version', probe: { requests: 4, retries: 3 } });
    });
  });

  test('a server slower than the budget: ends inside it with what was read, the rest "timed out"', async () => {
    await withServer({ faults: [{ path: '/api/v1/pods', delayMs: 20000 }, { path: /^\/apis\/apiextensions/, delayMs: 20000 }] }, async (server) => {
      const started = Date.now();
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-slow'), '--timeout', '2'], { home });
      expectClean(run, 2000);
      expect(Date.now() - started).toBeLessThan(8000);
      const k = run.k8s;
      expect(k.status).toBe('available');
      expect(k.nodes).toMatchObject({ status: 'ok', total: sim.expected.nodes });
      expect(k.resources).toMatchObject({ status: 'ok', cpu: { requested: { status: 'unknown', reason: 'timed out after 2 s: list pods' } } });
      expect(k.addons).toEqual({ status: 'unknown', reason: 'timed out after 2 s: list customresourcedefinitions' });
      expect(k.storage?.status).toBe('ok');
      expect(k.probe?.partial).toBe(true);
    });
  });

  test('a slow /version: unknown "timed out", inside the budget', async () => {
    await withServer({ faults: [{ path: '/version', delayMs: 20000 }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-slowv'), '--timeout', '1.5'], { home });
      expectClean(run, 1500);
      expect(run.k8s).toMatchObject({ status: 'unknown', reason: 'timed out after 1.5 s: GET /version', probe: { partial: true } });
    });
  });

  test('truncated JSON: on a list, that section; on /version, the cluster', async () => {
    await withServer({ faults: [{ path: '/api/v1/nodes', truncate: true }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-trunc'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      expect(run.k8s.status).toBe('available');
      expect(run.k8s.nodes?.status).toBe('unknown');
      expect(run.k8s.nodes).toMatchObject({ reason: expect.stringMatching(/^invalid JSON in the response \(truncated or not JSON, \d+ bytes\): list nodes$/) });
    });
    await withServer({ faults: [{ path: '/version', truncate: 10 }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-truncv'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      expect(run.k8s).toMatchObject({ status: 'unknown', reason: 'invalid JSON in the response (truncated or not JSON, 10 bytes): GET /version' });
    });
    await withServer({ faults: [{ path: '/version', body: '<html>hello</html>' }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-garbage'), '--timeout', '5'], { home });
      expect(run.k8s).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^invalid JSON/) });
    });
  });

  test('a connection dropped mid-response is retried', async () => {
    await withServer({ faults: [{ path: '/api/v1/nodes', destroy: true, times: 1 }] }, async (server) => {
      const run = await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, 'kc-drop'), '--timeout', '5'], { home });
      expectClean(run, 5000);
      expect(run.k8s.nodes).toMatchObject({ status: 'ok', total: sim.expected.nodes });
      expect(run.k8s.probe?.retries).toBeGreaterThanOrEqual(1);
    });
  });

  test('connection refused: unavailable', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const kc = writeKubeconfig(dir, { server: `https://127.0.0.1:${port}`, token: TOKEN }, 'kc-refused');
    const run = await probeK8s(['--kubeconfig', kc, '--timeout', '5'], { home });
    expectClean(run, 5000);
    expect(run.k8s).toMatchObject({ status: 'unavailable', reason: `connection refused by https://127.0.0.1:${port}` });
  });

  test('no kubeconfig anywhere: unavailable', async () => {
    const run = await probeK8s(['--timeout', '5'], { home });
    expectClean(run, 5000);
    expect(run.k8s).toMatchObject({ status: 'unavailable', reason: expect.stringMatching(/^no kubeconfig/) });
  });

  test('TLS with the test CA: trusted when the kubeconfig names it (file or data), refused when it does not', async () => {
    await withServer({}, async (server) => {
      const viaFile = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { ca: 'file' }, 'kc-ca-file'), '--timeout', '5'], { home });
      const viaData = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { ca: 'data' }, 'kc-ca-data'), '--timeout', '5'], { home });
      const none = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { ca: 'none' }, 'kc-ca-none'), '--timeout', '5'], { home });
      const insecure = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { ca: 'none', insecure: true }, 'kc-insecure'), '--timeout', '5'], { home });
      for (const r of [viaFile, viaData, none, insecure]) expectClean(r, 5000);
      expect(viaFile.k8s.status).toBe('available');
      expect(viaData.k8s.status).toBe('available');
      expect(none.k8s).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^certificate of https:\/\/127\.0\.0\.1:\d+ is not signed by a trusted CA .*\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/) });
      expect(insecure.k8s).toMatchObject({ status: 'available', insecureSkipTlsVerify: true });
    });
  });
});
