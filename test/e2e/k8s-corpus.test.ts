/**
 * Real Kubernetes objects (test/fixtures/corpus/k8s-*, see PROVENANCE.md) served by the loopback API
 * server, read by `mlready probe --target k8s` as a process: distribution detection, GPU node labels,
 * taints, readiness, storage class defaults.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { k8sTempDir, probeK8s } from '../helpers/k8s-cli.js';
import { startK8sServer, type ResourceSpec } from '../helpers/k8s-server.js';
import { CORPUS } from '../helpers/paths.js';

const TOKEN = 'corpus-token-5e6f7a8b';
const { dir, home } = k8sTempDir();
const read = (sub: string, file: string) => JSON.parse(readFileSync(path.join(CORPUS, sub, file), 'utf8')) as { items?: object[]; info?: object };
const itemsOf = (doc: { items?: object[] }) => doc.items ?? [doc];

function cluster(nodes: object[], storageClasses: object[] = []): ResourceSpec[] {
  return [
    { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, items: nodes },
    { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, items: [] },
    { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false, items: [{ metadata: { name: 'default' } }] },
    { group: '', version: 'v1', resource: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, items: [] },
    { group: '', version: 'v1', resource: 'limitranges', kind: 'LimitRange', namespaced: true, items: [] },
    { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true, items: [] },
    { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true, items: [] },
    { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false, items: storageClasses },
  ];
}

async function probeCorpus(resources: ResourceSpec[], version: object, maxLimit?: number) {
  const server = await startK8sServer({ resources, version, token: TOKEN, ...(maxLimit ? { maxLimit } : {}) });
  try {
    return await probeK8s(['--kubeconfig', server.kubeconfig(dir, {}, `kc-${server.port}`), '--timeout', '10'], { home });
  } finally {
    await server.close();
  }
}

const KIND_VERSION = read('k8s-version', 'sonobuoy-kind-v1.20.0-serverversion.json');

describe('the corpus, served and probed', () => {
  test('k3s /version (served plain, as an API server does) and the k3d local-path default class', async () => {
    const k3sVersion = read('k8s-version', 'troubleshoot-k3s-v1.24.4-arm64-cluster_version.json').info!;
    const scs = itemsOf(read('k8s-storageclass', 'troubleshoot-k3d-local-path-default-list.json'));
    const { k8s } = await probeCorpus(cluster([], scs), k3sVersion);
    expect(k8s).toMatchObject({ status: 'available', serverVersion: 'v1.24.4+k3s1', distribution: 'k3s', distributionEvidence: 'server version v1.24.4+k3s1' });
    expect(k8s.storage).toMatchObject({
      status: 'ok',
      defaultCount: 1,
      defaultClass: 'local-path',
      readWriteMany: [],
      classes: [{ name: 'local-path', provisioner: 'rancher.io/local-path', default: true, bindingMode: 'WaitForFirstConsumer', readWriteMany: false }],
      csiDrivers: [],
      volumeSnapshots: false,
    });
    expect(k8s.nodes).toMatchObject({ status: 'ok', total: 0 });
  });

  test('the T4 GPU node with GFD labels among DigitalOcean nodes, paged two at a time; the GKE default class', async () => {
    const nodes = itemsOf(read('k8s-node', 'troubleshoot-nodelist-gpu-t4-g4dn-digitalocean.json'));
    const gke = itemsOf(read('k8s-storageclass', 'insights-operator-gke-pd-csi-default.json'));
    const { k8s } = await probeCorpus(cluster(nodes, gke), { ...KIND_VERSION, gitVersion: 'v1.29.11', minor: '29' }, 2);
    expect(k8s.distribution).toBe('other');
    expect(k8s.nodes).toMatchObject({ status: 'ok', total: 7, ready: 7, containerRuntimes: { containerd: 2, docker: 5 }, maxKubeletMinorSkew: 13 });
    expect(k8s.gpuNodes).toEqual({
      status: 'ok',
      count: 1,
      items: [
        {
          name: 'ip-172-31-21-92',
          ready: true,
          schedulable: true,
          gpus: { 'nvidia.com/gpu': 1 },
          product: 'Tesla-T4',
          memoryMiB: 15360,
          count: 1,
          driverVersion: '550.127.08',
          cudaVersion: '12.4',
          computeCapability: '7.5',
          migStrategy: 'single',
          migCapable: false,
          architecture: 'amd64',
          taints: [],
        },
      ],
      products: { 'Tesla-T4': 1 },
      driverVersions: { '550.127.08': 1 },
      cudaVersions: { '12.4': 1 },
      taints: [],
      untainted: 1,
    });
    expect(k8s.resources).toMatchObject({ status: 'ok', 'nvidia.com/gpu': { capacity: 1, allocatable: 1, requested: 0, largestFreePerNode: 1 } });
    expect(k8s.gpuSoftware).toMatchObject({ status: 'ok', devicePlugin: { present: false }, gpuOperator: { present: false } });
    expect(k8s.storage).toMatchObject({ status: 'ok', defaultCount: 1, defaultClass: 'standard-csi', classes: [{ provisioner: 'pd.csi.storage.gke.io', allowExpansion: true }] });
    expect(k8s.probe?.pages).toBeGreaterThanOrEqual(4);
  });

  test('tainted EKS arm64 nodes', async () => {
    const nodes = itemsOf(read('k8s-node', 'honeycomb-nodelist-eks-arm64-tainted.json'));
    const { k8s } = await probeCorpus(cluster(nodes), { ...KIND_VERSION, gitVersion: 'v1.21.2', minor: '21' });
    expect(k8s).toMatchObject({ distribution: 'eks', distributionEvidence: 'node label eks.amazonaws.com/capacityType on 2 nodes' });
    expect(k8s.nodes).toMatchObject({ status: 'ok', total: 2, ready: 2, schedulable: 2, architectures: { arm64: 2 }, containerRuntimes: { docker: 2 }, maxKubeletMinorSkew: 0 });
    expect(k8s.resources).toMatchObject({ cpu: { capacity: 16, allocatable: 15.82 }, memory: { allocatable: 2 * 31127824 * 1024 } });
    expect(k8s.gpuNodes).toMatchObject({ status: 'ok', count: 0, items: [] });
    expect(k8s.storage).toMatchObject({ status: 'ok', defaultCount: 0, classes: [] });
  });

  test('an OpenShift worker without apiVersion/kind', async () => {
    const nodes = itemsOf(read('k8s-node', 'insights-operator-openshift-worker-node.json'));
    const { k8s } = await probeCorpus(cluster(nodes), { ...KIND_VERSION, gitVersion: 'v1.20.0+2817867', minor: '20' });
    expect(k8s).toMatchObject({ distribution: 'openshift', distributionEvidence: 'node label node.openshift.io/os_id on 1 node' });
    expect(k8s.nodes).toMatchObject({ status: 'ok', total: 1, roles: { worker: 1 }, containerRuntimes: { 'cri-o': 1 }, kubeletVersions: { 'v1.20.0+2817867': 1 } });
  });

  test('kind with a NotReady worker', async () => {
    const nodes = itemsOf(read('k8s-node', 'sonobuoy-nodelist-kind-v1.20.0.json'));
    const { k8s } = await probeCorpus(cluster(nodes), KIND_VERSION);
    expect(k8s).toMatchObject({ serverVersion: 'v1.20.0', distribution: 'kind', distributionEvidence: 'providerID kind:// on 3 nodes' });
    expect(k8s.nodes).toMatchObject({ status: 'ok', total: 3, ready: 2, schedulable: 2, notReady: ['kind-worker'], roles: { 'control-plane': 1, worker: 2 } });
    // Free capacity only counts ready, schedulable nodes.
    expect(k8s.resources).toMatchObject({ cpu: { capacity: 24, allocatable: 24, requested: 0, largestFreePerNode: 8 } });
  });
});
