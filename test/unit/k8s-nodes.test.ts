/**
 * Nodes → facts over the real corpus: GPU Feature Discovery labels, taints, roles, readiness, skew,
 * and distribution detection from versions, labels and provider IDs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CORPUS } from '../helpers/paths.js';
import { detectDistribution, distributionFromLabel, distributionFromProviderId, distributionFromVersion } from '../../src/probes/kubernetes/distribution.js';
import { parseVersion, serverMinor } from '../../src/probes/kubernetes/index.js';
import { gpuLabels, gpuVendor, minorOf, NodeAggregator, type NodeLike, nodeRoles, nodeTaints, runtimeName } from '../../src/probes/kubernetes/nodes.js';

const corpusNodes = (file: string): NodeLike[] => {
  const doc = JSON.parse(readFileSync(path.join(CORPUS, 'k8s-node', file), 'utf8')) as { items?: NodeLike[] } & NodeLike;
  return doc.items ?? [doc];
};
const aggregate = (file: string) => {
  const agg = new NodeAggregator();
  for (const n of corpusNodes(file)) agg.add(n);
  return agg;
};

describe('the T4 GPU node with GPU Feature Discovery labels (troubleshoot node list)', () => {
  const agg = aggregate('troubleshoot-nodelist-gpu-t4-g4dn-digitalocean.json');

  test('one GPU node among seven, with its labels as facts', () => {
    expect(agg.total).toBe(7);
    expect(agg.gpuCount).toBe(1);
    expect(agg.gpuItems).toEqual([
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
    ]);
    expect(agg.gpuProducts).toEqual({ 'Tesla-T4': 1 });
    expect(agg.gpuDrivers).toEqual({ '550.127.08': 1 });
    expect(agg.gpuCudas).toEqual({ '12.4': 1 });
    expect(agg.gpuUntainted).toBe(1);
  });

  test('capacity sums over nodes, in cores, bytes and devices', () => {
    expect(agg.capacity.get('nvidia.com/gpu')).toBe(1);
    expect(agg.allocatable.get('cpu')).toBe((8 + 8 + 2 + 2 + 2 + 1 + 1) * 1000);
    expect(agg.capacity.has('pods')).toBe(false);
  });

  test('mixed runtimes and kubelets; the kURL node is a control plane', () => {
    expect(agg.containerRuntimes).toEqual({ containerd: 2, docker: 5 });
    expect(agg.kubeletVersions).toEqual({ 'v1.16.2': 1, 'v1.19.3': 5, 'v1.29.11': 1 });
    expect(agg.roles).toEqual({ worker: 6, 'control-plane': 1 });
    expect(agg.maxKubeletMinorSkew(29)).toBe(13);
  });

  test('DigitalOcean provider IDs make it "other", with evidence', () => {
    expect(detectDistribution({ gitVersion: 'v1.19.3', nodes: agg.evidence })).toEqual({ distribution: 'other', evidence: 'node label doks.digitalocean.com/node-id on 5 nodes' });
  });
});

describe('tainted EKS arm64 nodes (honeycomb)', () => {
  const agg = aggregate('honeycomb-nodelist-eks-arm64-tainted.json');
  test('arm64, docker, no GPUs; the custom taint is read', () => {
    expect(agg.total).toBe(2);
    expect(agg.architectures).toEqual({ arm64: 2 });
    expect(agg.gpuCount).toBe(0);
    expect(agg.allocatable.get('cpu')).toBe(2 * 7910);
    expect(agg.allocatable.get('memory')).toBe(2 * 31127824 * 1024);
    expect(agg.allocatable.has('attachable-volumes-aws-ebs')).toBe(false);
  });
  test('EKS from the eks.amazonaws.com labels', () => {
    expect(detectDistribution({ gitVersion: 'v1.21.2', nodes: agg.evidence })).toEqual({ distribution: 'eks', evidence: 'node label eks.amazonaws.com/capacityType on 2 nodes' });
  });
});

describe('OpenShift worker without apiVersion/kind (insights-operator)', () => {
  const agg = aggregate('insights-operator-openshift-worker-node.json');
  test('read like any node; cri-o; OpenShift from node.openshift.io/os_id', () => {
    expect(agg.total).toBe(1);
    expect(agg.ready).toBe(1);
    expect(agg.roles).toEqual({ worker: 1 });
    expect(agg.containerRuntimes).toEqual({ 'cri-o': 1 });
    expect(agg.allocatable.get('cpu')).toBe(3500);
    expect(detectDistribution({ gitVersion: 'v1.20.0+2817867', nodes: agg.evidence })?.distribution).toBe('openshift');
  });
});

describe('kind with a NotReady worker (sonobuoy)', () => {
  const agg = aggregate('sonobuoy-nodelist-kind-v1.20.0.json');
  test('readiness, schedulability, taints on the control plane', () => {
    expect(agg.total).toBe(3);
    expect(agg.ready).toBe(2);
    expect(agg.schedulable).toBe(2);
    expect(agg.notReady).toEqual(['kind-worker']);
    expect(agg.roles).toEqual({ 'control-plane': 1, worker: 2 });
    expect(agg.maxKubeletMinorSkew(20)).toBe(0);
    expect(agg.byName.get('kind-worker')).toMatchObject({ ready: false, schedulable: false });
  });
  test('kind from its provider IDs', () => {
    expect(detectDistribution({ gitVersion: 'v1.20.0', nodes: agg.evidence })).toEqual({ distribution: 'kind', evidence: 'providerID kind:// on 3 nodes' });
  });
});

describe('/version (corpus)', () => {
  test('plain /version from kind', () => {
    const v = parseVersion(JSON.parse(readFileSync(path.join(CORPUS, 'k8s-version', 'sonobuoy-kind-v1.20.0-serverversion.json'), 'utf8')));
    expect(v?.gitVersion).toBe('v1.20.0');
    expect(serverMinor(v!)).toBe(20);
  });
  test('k3s, also when wrapped by a support bundle as {info, string}', () => {
    const wrapped = JSON.parse(readFileSync(path.join(CORPUS, 'k8s-version', 'troubleshoot-k3s-v1.24.4-arm64-cluster_version.json'), 'utf8')) as { info: object };
    for (const doc of [wrapped, wrapped.info]) {
      const v = parseVersion(doc)!;
      expect(v.gitVersion).toBe('v1.24.4+k3s1');
      expect(detectDistribution({ gitVersion: v.gitVersion })).toEqual({ distribution: 'k3s', evidence: 'server version v1.24.4+k3s1' });
    }
    expect(parseVersion({ hello: 'world' })).toBeUndefined();
    expect(parseVersion('<html>')).toBeUndefined();
    expect(serverMinor({ minor: '29+', gitVersion: 'v1.29.3-eks-adc7111' })).toBe(29);
  });
});

describe('distribution hints', () => {
  test.each([
    ['v1.24.4+k3s1', 'k3s'],
    ['v1.28.9+rke2r1', 'rke2'],
    ['v1.29.3-eks-adc7111', 'eks'],
    ['v1.30.5-gke.1014001', 'gke'],
    ['v1.29.3', undefined],
  ])('version %s → %s', (v, d) => expect(distributionFromVersion(v)).toBe(d));

  test.each([
    ['eks.amazonaws.com/nodegroup', 'x', 'eks'],
    ['cloud.google.com/gke-nodepool', 'x', 'gke'],
    ['kubernetes.azure.com/cluster', 'x', 'aks'],
    ['node.openshift.io/os_id', 'rhcos', 'openshift'],
    ['minikube.k8s.io/name', 'minikube', 'minikube'],
    ['node.kubernetes.io/instance-type', 'k3s', 'k3s'],
    ['kubernetes.io/os', 'linux', undefined],
  ])('label %s=%s → %s', (k, v, d) => expect(distributionFromLabel(k, v)).toBe(d));

  test.each([
    ['aws:///us-east-1a/i-0abc', 'eks'],
    ['gce://proj/us-central1-a/node', 'gke'],
    ['azure:///subscriptions/x', 'aks'],
    ['kind://docker/kind/kind-worker', 'kind'],
    ['k3s://node1', 'k3s'],
    ['openstack:///abc', 'other'],
    [undefined, undefined],
  ])('providerID %s → %s', (p, d) => expect(distributionFromProviderId(p)).toBe(d));

  test('the server version and OpenShift API groups outrank node evidence', () => {
    const agg = aggregate('honeycomb-nodelist-eks-arm64-tainted.json');
    expect(detectDistribution({ gitVersion: 'v1.24.4+k3s1', nodes: agg.evidence })?.distribution).toBe('k3s');
    expect(detectDistribution({ gitVersion: 'v1.27.0', apiGroups: new Set(['route.openshift.io']), nodes: agg.evidence })).toEqual({ distribution: 'openshift', evidence: 'API group route.openshift.io is served' });
    expect(detectDistribution({ gitVersion: 'v1.27.0' })).toBeUndefined();
    expect(detectDistribution({ gitVersion: 'v1.27.0', nodes: new NodeAggregator().evidence })).toEqual({ distribution: 'other' });
  });
});

describe('label mapping details', () => {
  test('older GFD labels (cuda.driver.*, cuda.runtime.*) and missing parts', () => {
    expect(gpuLabels({ 'nvidia.com/cuda.driver.major': '470', 'nvidia.com/cuda.driver.minor': '82', 'nvidia.com/cuda.driver.rev': '01', 'nvidia.com/cuda.runtime.major': '11', 'nvidia.com/cuda.runtime.minor': '4' })).toEqual({
      driverVersion: '470.82.01',
      cudaVersion: '11.4',
    });
    expect(gpuLabels({ 'nvidia.com/cuda.driver.major': '470', 'nvidia.com/gpu.memory': 'lots', 'nvidia.com/mig.capable': 'maybe' })).toEqual({});
  });
  test('GPU vendor from resources, GFD and PCI labels', () => {
    expect(gpuVendor({}, ['nvidia.com/mig-1g.10gb'])).toBe('nvidia');
    expect(gpuVendor({ 'feature.node.kubernetes.io/pci-10de.present': 'true' }, [])).toBe('nvidia');
    expect(gpuVendor({ 'amd.com/gpu.family': 'AI' }, [])).toBe('amd');
    expect(gpuVendor({}, ['amd.com/gpu'])).toBe('amd');
    expect(gpuVendor({}, ['cpu', 'memory'])).toBeUndefined();
  });
  test('roles, runtimes, minors', () => {
    expect(nodeRoles({ 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '' })).toEqual(['control-plane']);
    expect(nodeRoles({ 'kubernetes.io/role': 'master' })).toEqual(['control-plane']);
    expect(nodeRoles({})).toEqual(['worker']);
    expect(runtimeName('containerd://1.7.11')).toBe('containerd');
    expect(minorOf('v1.21.2-13+d2965f0db10712')).toBe(21);
    expect(minorOf('garbage')).toBeUndefined();
  });
  test('a node with GPU labels but no allocatable GPU (no device plugin) is not a GPU node, but is known to have NVIDIA GPUs', () => {
    const agg = new NodeAggregator();
    agg.add({ metadata: { name: 'n1', labels: { 'nvidia.com/gpu.present': 'true', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '8' } } });
    agg.add({ metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '8', 'nvidia.com/gpu': '4' } }, spec: { taints: [{ key: 'gpu', effect: 'NoExecute' }, { key: 'x', value: 'y', effect: 'PreferNoSchedule' }] } });
    expect(agg.gpuCount).toBe(1);
    expect(agg.gpuItems[0]).toMatchObject({ name: 'n2', gpus: { 'nvidia.com/gpu': 4 }, taints: [{ key: 'gpu', effect: 'NoExecute' }, { key: 'x', value: 'y', effect: 'PreferNoSchedule' }] });
    expect(agg.gpuUntainted).toBe(0);
    expect(agg.byName.get('n1')?.vendor).toBe('nvidia');
  });
  test('taints of the EKS nodes are read as they are', () => {
    expect(corpusNodes('honeycomb-nodelist-eks-arm64-tainted.json').map(nodeTaints)).toEqual([
      [{ key: 'type', value: 'hound', effect: 'NoSchedule' }],
      [{ key: 'type', value: 'hound', effect: 'NoSchedule' }],
    ]);
    expect(nodeTaints(corpusNodes('sonobuoy-nodelist-kind-v1.20.0.json')[0]!)).toEqual([{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }]);
  });
});
