/** Aggregation of pods and nodes into resource totals and GPU software facts, page by page. */
import { gpuSoftwareFacts, resourcesFacts } from '../../src/probes/kubernetes/index.js';
import { NodeAggregator, type NodeLike } from '../../src/probes/kubernetes/nodes.js';
import { isAmdDevicePlugin, isDcgmExporter, isNvidiaDevicePlugin, PodAggregator, type PodLike } from '../../src/probes/kubernetes/pods.js';

const node = (name: string, allocatable: Record<string, string>, opts: { ready?: boolean; unschedulable?: boolean; labels?: Record<string, string> } = {}): NodeLike => ({
  metadata: { name, labels: opts.labels ?? {} },
  spec: { ...(opts.unschedulable ? { unschedulable: true } : {}) },
  status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});

const pod = (nodeName: string | undefined, requests: Record<string, string>, opts: { phase?: string; limits?: Record<string, string>; ds?: string; ns?: string; ready?: boolean } = {}): PodLike => ({
  metadata: { name: 'p', namespace: opts.ns ?? 'default', ...(opts.ds ? { ownerReferences: [{ kind: 'DaemonSet', name: opts.ds }] } : {}) },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ resources: { requests, ...(opts.limits ? { limits: opts.limits } : {}) } } as never] },
  status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});

function fixture() {
  const nodes = new NodeAggregator();
  nodes.add(node('cpu-1', { cpu: '8', memory: '32Gi', pods: '110' }));
  nodes.add(node('cpu-2', { cpu: '4', memory: '16Gi', pods: '110' }, { unschedulable: true }));
  nodes.add(node('gpu-1', { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '8' }));
  nodes.add(node('gpu-2', { cpu: '32', memory: '256Gi', 'nvidia.com/gpu': '8' }, { ready: false }));
  nodes.add(node('gpu-3', { cpu: '32', memory: '256Gi' }, { labels: { 'nvidia.com/gpu.present': 'true' } }));
  const pods = new PodAggregator();
  pods.add(pod('cpu-1', { cpu: '2', memory: '4Gi' }));
  pods.add(pod('cpu-1', { cpu: '6', memory: '1Gi' }, { phase: 'Succeeded' }));
  pods.add(pod('cpu-1', { cpu: '6', memory: '1Gi' }, { phase: 'Failed' }));
  pods.add(pod('gpu-1', { cpu: '4', memory: '16Gi' }, { limits: { 'nvidia.com/gpu': '3' } }));
  pods.add(pod(undefined, { cpu: '1', memory: '1Gi' }, { phase: 'Pending', limits: { 'nvidia.com/gpu': '1' } }));
  pods.add(pod('gpu-1', { cpu: '100m' }, { ds: 'nvidia-device-plugin-daemonset', ns: 'gpu-operator' }));
  pods.add(pod('gpu-2', { cpu: '100m' }, { ds: 'nvidia-device-plugin-daemonset', ns: 'gpu-operator', ready: false }));
  return { nodes, pods };
}

describe('resourcesFacts', () => {
  test('capacity over nodes; requested by unfinished pods (scheduled or not); largest free over ready, schedulable nodes', () => {
    const { nodes, pods } = fixture();
    expect(pods.pods).toBe(7);
    expect(pods.active).toBe(5);
    const r = resourcesFacts(nodes, pods);
    expect(r).toEqual({
      status: 'ok',
      cpu: { capacity: 108, allocatable: 108, requested: 7.2, largestFreePerNode: 32 },
      memory: { capacity: 816 * 2 ** 30, allocatable: 816 * 2 ** 30, requested: 21 * 2 ** 30, largestFreePerNode: 256 * 2 ** 30 },
      'nvidia.com/gpu': { capacity: 16, allocatable: 16, requested: 4, largestFreePerNode: 5 },
    });
  });

  test('when pods could not be listed, requested and largest free are unknown with the reason; capacity stays', () => {
    const { nodes } = fixture();
    const r = resourcesFacts(nodes, { status: 'unknown', reason: 'forbidden: list pods' });
    expect(r).toMatchObject({
      cpu: { capacity: 108, requested: { status: 'unknown', reason: 'forbidden: list pods' }, largestFreePerNode: { status: 'unknown', reason: 'forbidden: list pods' } },
    });
  });

  test('a list restarted after 410 starts from zero', () => {
    const { nodes, pods } = fixture();
    pods.reset();
    nodes.reset();
    expect(pods.pods).toBe(0);
    expect(pods.requested.size).toBe(0);
    expect(nodes.total).toBe(0);
    expect(nodes.byName.size).toBe(0);
    expect(resourcesFacts(nodes, pods)).toEqual({
      status: 'ok',
      cpu: { capacity: 0, allocatable: 0, requested: 0, largestFreePerNode: 0 },
      memory: { capacity: 0, allocatable: 0, requested: 0, largestFreePerNode: 0 },
      'nvidia.com/gpu': { capacity: 0, allocatable: 0, requested: 0, largestFreePerNode: 0 },
    });
  });
});

describe('gpuSoftwareFacts', () => {
  const ds = (name: string, namespace: string, desired: number, ready: number) => ({ metadata: { name, namespace }, status: { desiredNumberScheduled: desired, numberReady: ready } });

  test('device plugin: counts, and the NVIDIA nodes (labelled ones too) without a ready plugin pod', () => {
    const { nodes, pods } = fixture();
    const f = gpuSoftwareFacts([ds('nvidia-device-plugin-daemonset', 'gpu-operator', 3, 1), ds('kube-proxy', 'kube-system', 5, 5)], nodes, pods, new Set(['clusterpolicies.nvidia.com']), { state: 'notReady', namespace: 'gpu-operator' });
    expect(f).toEqual({
      status: 'ok',
      devicePlugin: { present: true, name: 'nvidia-device-plugin-daemonset', namespace: 'gpu-operator', desired: 3, ready: 1, gpuNodesMissing: ['gpu-2', 'gpu-3'] },
      gpuOperator: { present: true, namespace: 'gpu-operator', clusterPolicyState: 'notReady' },
      dcgmExporter: { present: false },
      amdDevicePlugin: { present: false },
    });
  });

  test('without pods, which nodes are missing is left out; without CRDs, the operator is seen from its DaemonSets', () => {
    const { nodes } = fixture();
    const f = gpuSoftwareFacts([ds('nvidia-device-plugin-daemonset', 'gpu-operator', 3, 3), ds('nvidia-dcgm-exporter', 'gpu-operator', 3, 3)], nodes, undefined, undefined, undefined);
    expect(f).toMatchObject({ devicePlugin: { present: true, ready: 3 }, gpuOperator: { present: true, namespace: 'gpu-operator' }, dcgmExporter: { present: true } });
    if (f.status === 'ok') expect(f.devicePlugin.gpuNodesMissing).toBeUndefined();
  });

  test('names of the plugins', () => {
    expect(['nvidia-device-plugin-daemonset', 'nvidia-device-plugin-ds', 'nvdp-nvidia-device-plugin', 'nvidia-device-plugin'].every(isNvidiaDevicePlugin)).toBe(true);
    expect(isNvidiaDevicePlugin('nvdp-nvidia-device-plugin-mps-control-daemon')).toBe(false);
    expect(['nvidia-dcgm-exporter', 'dcgm-exporter'].every(isDcgmExporter)).toBe(true);
    expect(['amdgpu-device-plugin-daemonset', 'amd-gpu-device-plugin', 'amdgpu-dp-ds'].every(isAmdDevicePlugin)).toBe(true);
    expect(isAmdDevicePlugin('nvidia-device-plugin-daemonset')).toBe(false);
  });
});
