/**
 * `mlready probe --target k8s` as a process against the loopback API server with a simulated EKS
 * cluster: the facts, paging, retries, namespaces, authentication methods, and secrets that never
 * show (token, client key, exec-plugin environment), also under --debug.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { k8sTempDir, probeK8s } from '../helpers/k8s-cli.js';
import { startK8sServer, type K8sServer } from '../helpers/k8s-server.js';
import { simulatedCluster } from '../helpers/k8s-sim.js';

const CANARY = 'canary-e2e-4c9f1d7b2a';
const TOKEN = `token-${CANARY}`;

describe('mlready probe --target k8s against a simulated cluster', () => {
  const sim = simulatedCluster({ nodes: 40, gpuNodes: 4, pods: 1300, namespace: 'ml' });
  let server: K8sServer;
  const { dir, home } = k8sTempDir();

  beforeAll(async () => {
    server = await startK8sServer({ resources: sim.resources, groups: sim.groups, version: sim.version, token: TOKEN, deny: ['create networkpolicies.networking.k8s.io'] });
  });
  afterAll(() => server.close());

  test('the facts: nodes, resources, GPU nodes and software, storage, networking, namespace, access, add-ons', async () => {
    const kubeconfig = server.kubeconfig(dir, { namespace: 'ml' });
    const { k8s, record } = await probeK8s(['--kubeconfig', kubeconfig, '--pretty'], { home });
    const e = sim.expected;
    expect(record?.outcome).toBe('ok');
    expect(k8s).toMatchObject({
      status: 'available',
      context: 'test',
      namespace: 'ml',
      namespaceSource: 'context',
      server: server.url,
      authMethod: 'token',
      insecureSkipTlsVerify: false,
      serverVersion: 'v1.29.3-eks-adc7111',
      distribution: 'eks',
      distributionEvidence: 'server version v1.29.3-eks-adc7111',
    });
    expect(k8s.nodes).toMatchObject({
      status: 'ok',
      total: e.nodes,
      ready: e.ready,
      schedulable: e.schedulable,
      notReady: e.notReady,
      containerRuntimes: { containerd: e.nodes },
      maxKubeletMinorSkew: 1,
      operatingSystems: { linux: e.nodes },
    });
    expect(k8s.resources).toMatchObject({
      status: 'ok',
      cpu: { capacity: e.cpuCapacityMilli / 1000, allocatable: e.cpuAllocatableMilli / 1000, requested: e.cpuRequestedMilli / 1000, largestFreePerNode: e.largestFreeCpuMilli / 1000 },
      memory: { requested: e.memoryRequested, largestFreePerNode: e.largestFreeMemory },
      'nvidia.com/gpu': { capacity: e.gpuCapacity, allocatable: e.gpuCapacity, requested: e.gpuRequested, largestFreePerNode: e.largestFreeGpu },
    });
    expect(k8s.gpuNodes).toMatchObject({
      status: 'ok',
      count: e.gpuNodes,
      products: { 'NVIDIA-A100-SXM4-80GB': e.gpuNodes },
      driverVersions: { '535.104.05': e.gpuNodes },
      cudaVersions: { '12.2': e.gpuNodes },
      taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
      untainted: 0,
    });
    if (k8s.gpuNodes?.status === 'ok') {
      expect(k8s.gpuNodes.items).toHaveLength(e.gpuNodes);
      expect(k8s.gpuNodes.items[0]).toMatchObject({ gpus: { 'nvidia.com/gpu': 8 }, memoryMiB: 81920, count: 8, computeCapability: '8.0', migStrategy: 'single', migCapable: true });
    }
    expect(k8s.gpuSoftware).toEqual({
      status: 'ok',
      devicePlugin: { present: true, name: 'nvidia-device-plugin-daemonset', namespace: 'gpu-operator', desired: e.gpuNodes, ready: e.gpuNodes - 1, gpuNodesMissing: e.devicePluginMissing },
      gpuOperator: { present: true, namespace: 'gpu-operator', clusterPolicyState: 'ready' },
      dcgmExporter: { present: true, name: 'nvidia-dcgm-exporter', namespace: 'gpu-operator', desired: e.gpuNodes, ready: e.gpuNodes, gpuNodesMissing: [] },
      amdDevicePlugin: { present: false },
    });
    expect(k8s.runtimeClasses).toEqual({ status: 'ok', items: [{ name: 'nvidia', handler: 'nvidia' }] });
    expect(k8s.storage).toMatchObject({ status: 'ok', defaultCount: 1, defaultClass: 'gp3', readWriteMany: ['efs-sc'], csiDrivers: ['ebs.csi.aws.com', 'efs.csi.aws.com'], volumeSnapshots: true });
    expect(k8s.metricsApi).toEqual({ status: 'ok', available: true });
    expect(k8s.networking).toEqual({
      status: 'ok',
      ingressClasses: [
        { name: 'alb', controller: 'ingress.k8s.aws/alb', default: true },
        { name: 'nginx', controller: 'k8s.io/ingress-nginx', default: false },
      ],
      gatewayApi: false,
      cni: 'aws-vpc-cni',
      networkPolicyEnforced: false,
    });
    expect(k8s.targetNamespace).toEqual({
      status: 'ok',
      name: 'ml',
      exists: true,
      podSecurity: { enforce: 'baseline', audit: 'restricted', warn: 'restricted' },
      resourceQuotas: [
        {
          name: 'gpu-quota',
          hard: { 'requests.cpu': 100, 'requests.memory': 500 * 2 ** 30, 'requests.nvidia.com/gpu': 8, pods: 200 },
          used: { 'requests.cpu': 12.5, 'requests.memory': 48 * 2 ** 30, 'requests.nvidia.com/gpu': 3, pods: 42 },
        },
      ],
      limitRanges: [{ name: 'defaults', limits: [{ type: 'Container', default: { cpu: 0.5, memory: 512 * 2 ** 20 }, defaultRequest: { cpu: 0.1, memory: 128 * 2 ** 20 }, max: { cpu: 8, memory: 64 * 2 ** 30 } }] }],
    });
    expect(k8s.access).toMatchObject({ status: 'ok', denied: ['create networkpolicies.networking.k8s.io'] });
    if (k8s.access?.status === 'ok') {
      expect(Object.keys(k8s.access.can).sort()).toEqual(
        [
          'create configmaps',
          'create deployments.apps',
          'create horizontalpodautoscalers.autoscaling',
          'create ingresses.networking.k8s.io',
          'create jobs.batch',
          'create namespaces',
          'create networkpolicies.networking.k8s.io',
          'create persistentvolumeclaims',
          'create poddisruptionbudgets.policy',
          'create pytorchjobs.kubeflow.org',
          'create rolebindings.rbac.authorization.k8s.io',
          'create roles.rbac.authorization.k8s.io',
          'create serviceaccounts',
          'create services',
          'create services.serving.knative.dev',
          'create servicemonitors.monitoring.coreos.com',
          'create podmonitors.monitoring.coreos.com',
          'create prometheusrules.monitoring.coreos.com',
          'create alertmanagerconfigs.monitoring.coreos.com',
          'create certificates.cert-manager.io',
        ].sort(),
      );
      expect(k8s.access.can['create jobs.batch']).toBe(true);
    }
    expect(k8s.addons).toEqual({
      status: 'ok',
      kubeflowTrainingOperator: true,
      kuberay: true,
      kueue: true,
      volcano: false,
      jobset: false,
      knativeServing: false,
      kserve: false,
      argoWorkflows: false,
      prometheusOperator: true,
      alertmanager: true,
      certManager: true,
      // The operator's Deployment is not a Prometheus server; no Grafana or kube-state-metrics runs.
      prometheus: false,
      grafana: false,
      kubeStateMetrics: false,
      logShippers: ['fluent-bit'],
      crds: 13,
    });
    expect(k8s.probe).toMatchObject({ retries: 0, partial: false });
    // Pods came in pages of 500; every list was paged.
    const podPages = server.requests.filter((r) => r.path === '/api/v1/pods');
    expect(podPages.length).toBe(Math.ceil(sim.expected.pods / 500));
    expect(podPages.every((r) => r.query.includes('limit=500'))).toBe(true);
    expect(podPages.slice(1).every((r) => r.query.includes('continue='))).toBe(true);
    expect(server.requests.filter((r) => r.path === '/apis/apiextensions.k8s.io/v1/customresourcedefinitions').every((r) => /PartialObjectMetadataList/.test(r.accept ?? ''))).toBe(true);
  });

  test('--namespace wins; --target kubernetes is an alias and runs beside local', async () => {
    const kubeconfig = server.kubeconfig(dir, { namespace: 'ml' }, 'kc-ns');
    const { facts, k8s } = await probeK8s(['--kubeconfig', kubeconfig, '--namespace', 'team-x', '--target', 'local,kubernetes'], { home });
    expect(facts.targets).toEqual(['local', 'k8s']);
    expect(facts.host.memory.status).toBe('ok');
    expect(k8s).toMatchObject({ status: 'available', namespace: 'team-x', namespaceSource: 'flag' });
    expect(k8s.targetNamespace).toMatchObject({ status: 'ok', name: 'team-x', exists: false, podSecurity: {}, resourceQuotas: [], limitRanges: [] });
  });

  test('--redact hashes node names (the loopback server address is not an identifier and stays)', async () => {
    const kubeconfig = server.kubeconfig(dir, { namespace: 'ml' }, 'kc-redact');
    const { k8s, result } = await probeK8s(['--kubeconfig', kubeconfig, '--redact'], { home, env: { MLREADY_REDACT_KEY: 'k8s-test' } });
    expect(k8s.status).toBe('available');
    for (const name of [...sim.expected.notReady, ...sim.expected.devicePluginMissing]) expect(result.stdout).not.toContain(name);
    expect(k8s.nodes).toMatchObject({ status: 'ok', total: sim.expected.nodes });
  });

  test('KUBECONFIG (a list) and --context; the default namespace when the context names none', async () => {
    const a = server.kubeconfig(dir, { context: 'first', extraContexts: [{ name: 'second', namespace: 'ml' }] }, 'kc-a');
    const missing = path.join(dir, 'does-not-exist');
    const first = await probeK8s([], { home, env: { KUBECONFIG: [missing, a].join(path.delimiter) } });
    expect(first.k8s).toMatchObject({ status: 'available', context: 'first', namespace: 'default', namespaceSource: 'default' });
    const second = await probeK8s(['--context', 'second'], { home, env: { KUBECONFIG: a } });
    expect(second.k8s).toMatchObject({ status: 'available', context: 'second', namespace: 'ml', namespaceSource: 'context' });
  });

  test('429 with Retry-After and 503 are retried; an expired continue token restarts the list once', async () => {
    server.faults.push(
      { path: '/api/v1/nodes', status: 429, retryAfter: '1', times: 1 },
      { path: '/apis/apps/v1/daemonsets', status: 503, times: 2 },
      { path: '/api/v1/pods', expireContinue: true, times: 1 },
    );
    try {
      const before = server.requests.length;
      const { k8s } = await probeK8s(['--kubeconfig', server.kubeconfig(dir, { namespace: 'ml' }, 'kc-retry')], { home });
      expect(k8s.nodes).toMatchObject({ status: 'ok', total: sim.expected.nodes });
      expect(k8s.gpuSoftware?.status).toBe('ok');
      expect(k8s.resources).toMatchObject({ cpu: { requested: sim.expected.cpuRequestedMilli / 1000 } });
      expect(k8s.probe).toMatchObject({ retries: 4, partial: false });
      const mine = server.requests.slice(before);
      const nodes = mine.filter((r) => r.path === '/api/v1/nodes');
      expect(nodes.map((r) => r.status)).toEqual([429, 200]);
      const pods = mine.filter((r) => r.path === '/api/v1/pods');
      expect(pods[1]!.status).toBe(410);
      expect(pods[2]!.query).not.toContain('continue=');
    } finally {
      server.faults.length = 0;
    }
  });

  test('a client certificate authenticates; the client key never shows, even under --debug', async () => {
    const tls = server.tls;
    const kubeconfig = server.kubeconfig(dir, { token: undefined, clientCert: { certPem: tls.clientCertPem, keyPem: tls.clientKeyPem } }, 'kc-cert');
    const before = server.requests.length;
    const { k8s, result } = await probeK8s(['--kubeconfig', kubeconfig, '--debug'], { home });
    expect(k8s).toMatchObject({ status: 'available', authMethod: 'client-certificate' });
    expect(server.requests.slice(before).every((r) => r.clientCertCN === 'mlready-test-user' && !r.authorization)).toBe(true);
    const keyBody = tls.clientKeyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    for (const out of [result.stdout, result.stderr]) {
      expect(out).not.toContain(keyBody.slice(10, 40));
      expect(out).not.toContain(Buffer.from(tls.clientKeyPem).toString('base64').slice(0, 40));
    }
    expect(result.stderr).toMatch(/mlready k8s: GET \/version → 200/);
  });

  test('secrets planted as token, exec-plugin environment and client key never appear, also with --debug', async () => {
    // The exec plugin hands out the server's token; its environment carries a canary.
    const plugin = path.join(dir, 'exec-plugin.mjs');
    writeFileSync(
      plugin,
      `if (process.env.PLUGIN_SECRET !== 'env-${CANARY}') process.exit(9);\nprocess.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: '${TOKEN}' } }));\n`,
    );
    const execKc = server.kubeconfig(dir, { token: undefined, exec: { command: process.execPath, args: [plugin], env: [{ name: 'PLUGIN_SECRET', value: `env-${CANARY}` }] } }, 'kc-exec');
    const tokenKc = server.kubeconfig(dir, {}, 'kc-token');
    // A client key that is not a key at all: the TLS setup fails, and the error must not quote it.
    const badKeyKc = server.kubeconfig(dir, { clientCert: { certPem: server.tls.clientCertPem, keyPem: `-----BEGIN PRIVATE KEY-----\nkey-${CANARY}\n-----END PRIVATE KEY-----\n` } }, 'kc-badkey');
    const failingPlugin = path.join(dir, 'exec-fail.mjs');
    writeFileSync(failingPlugin, `process.stderr.write('cannot refresh ' + process.env.PLUGIN_SECRET + ' ${TOKEN}'); process.stdout.write('${TOKEN}'); process.exit(1);\n`);
    const failKc = server.kubeconfig(dir, { token: undefined, exec: { command: process.execPath, args: [failingPlugin], env: [{ name: 'PLUGIN_SECRET', value: `env-${CANARY}` }] } }, 'kc-exec-fail');

    const runs = await Promise.all(
      [execKc, tokenKc, badKeyKc, failKc].flatMap((kc) => [
        probeK8s(['--kubeconfig', kc], { home }),
        probeK8s(['--kubeconfig', kc, '--debug'], { home }),
      ]),
    );
    const [exec, , token, , badKey, , fail] = runs;
    expect(exec!.k8s).toMatchObject({ status: 'available', authMethod: 'exec' });
    expect(token!.k8s).toMatchObject({ status: 'available', authMethod: 'token' });
    expect(badKey!.k8s).toMatchObject({ status: 'unknown', reason: expect.stringMatching(/^the client certificate, client key or certificate-authority from the kubeconfig cannot be used/) });
    expect(fail!.k8s).toMatchObject({ status: 'unknown', reason: `exec credential plugin "${path.basename(process.execPath)}" failed (exit code 1)` });
    for (const r of runs) {
      expect(r.result.stdout).not.toContain(CANARY);
      expect(r.result.stderr).not.toContain(CANARY);
    }
    expect(runs[1]!.result.stderr).toMatch(/mlready k8s: done in/);
  });
});
