/**
 * Nodes, aggregated one page at a time: counts, versions, capacity, and the GPU nodes with their GPU
 * Feature Discovery labels. Only a small record per node is kept (for the per-node free capacity
 * that needs the pods); the Node objects themselves are dropped with their page.
 */
import type { GpuNodeFacts } from '../../facts/cluster-schema.js';
import { DistributionEvidence } from './distribution.js';
import { type Amounts, isGpuResource, isTrackedResource, resourceList, unscale } from './resources.js';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> | null } | null;
  spec?: { unschedulable?: boolean; taints?: { key?: string; value?: string; effect?: string }[] | null; providerID?: string } | null;
  status?: {
    capacity?: unknown;
    allocatable?: unknown;
    conditions?: { type?: string; status?: string }[] | null;
    nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string; architecture?: string; operatingSystem?: string } | null;
  } | null;
}

export interface NodeRecord {
  ready: boolean;
  schedulable: boolean;
  allocatable: Amounts;
  vendor?: 'nvidia' | 'amd' | 'other';
}

const MAX_NOT_READY = 50;
export const MAX_GPU_ITEMS = 200;

export const isReady = (node: NodeLike) => (node.status?.conditions ?? []).some((c) => c?.type === 'Ready' && c.status === 'True');

/** Roles from node-role.kubernetes.io/<role> and kubernetes.io/role; master is control-plane; none is worker. */
export function nodeRoles(labels: Record<string, string>): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels)) {
    if (k.startsWith('node-role.kubernetes.io/')) roles.add(k.slice('node-role.kubernetes.io/'.length) || 'worker');
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  if (roles.delete('master')) roles.add('control-plane');
  if (roles.size === 0) roles.add('worker');
  return [...roles];
}

/** "containerd://1.7.2" → containerd, "cri-o://1.20.3" → cri-o, "docker://19.3.13" → docker. */
export function runtimeName(version: string | undefined): string | undefined {
  if (!version) return undefined;
  const i = version.indexOf('://');
  return i > 0 ? version.slice(0, i) : version;
}

/** The minor version of "v1.21.2-eks-55daa9d" → 21. */
export function minorOf(version: string | undefined): number | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return m ? Number(m[2]) : undefined;
}

const bump = (counts: Record<string, number>, key: string | undefined) => {
  if (key) counts[key] = (counts[key] ?? 0) + 1;
};

function intLabel(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

const joinDefined = (parts: (string | undefined)[]) => (parts.every((p) => p !== undefined && p !== '') ? parts.join('.') : undefined);

/** GPU vendor evidence on a node: GPU resources, GFD/NFD labels, PCI vendor labels (10de NVIDIA, 1002 AMD). */
export function gpuVendor(labels: Record<string, string>, resources: Iterable<string>): 'nvidia' | 'amd' | 'other' | undefined {
  let other = false;
  for (const r of resources) {
    if (r === 'nvidia.com/gpu' || r === 'nvidia.com/gpu.shared' || r.startsWith('nvidia.com/mig-')) return 'nvidia';
    if (r === 'amd.com/gpu') return 'amd';
    if (isGpuResource(r)) other = true;
  }
  if (labels['nvidia.com/gpu.present'] === 'true' || labels['nvidia.com/gpu.product'] || labels['feature.node.kubernetes.io/pci-10de.present'] === 'true') {
    return 'nvidia';
  }
  if (Object.keys(labels).some((k) => k.startsWith('amd.com/gpu') || k.startsWith('beta.amd.com/gpu')) || labels['feature.node.kubernetes.io/pci-1002.present'] === 'true') {
    return 'amd';
  }
  return other ? 'other' : undefined;
}

/**
 * GPU Feature Discovery labels → GPU node facts. Driver: nvidia.com/cuda.driver-version.full, or
 * .major/.minor/.revision, or the older cuda.driver.major/.minor/.rev. CUDA: cuda.runtime-version.full,
 * or cuda.runtime-version.major/.minor, or the older cuda.runtime.major/.minor.
 */
export function gpuLabels(labels: Record<string, string>): Partial<GpuNodeFacts> {
  const l = (k: string) => {
    const v = labels[k];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const out: Partial<GpuNodeFacts> = {};
  const product = l('nvidia.com/gpu.product') ?? l('amd.com/gpu.product-name') ?? l('beta.amd.com/gpu.product-name');
  if (product) out.product = product;
  const memory = intLabel(l('nvidia.com/gpu.memory'));
  if (memory !== undefined) out.memoryMiB = memory;
  const count = intLabel(l('nvidia.com/gpu.count'));
  if (count !== undefined) out.count = count;
  const driver =
    l('nvidia.com/cuda.driver-version.full') ??
    joinDefined([l('nvidia.com/cuda.driver-version.major'), l('nvidia.com/cuda.driver-version.minor'), l('nvidia.com/cuda.driver-version.revision')]) ??
    joinDefined([l('nvidia.com/cuda.driver.major'), l('nvidia.com/cuda.driver.minor'), l('nvidia.com/cuda.driver.rev')]) ??
    l('amd.com/gpu.driver-version');
  if (driver) out.driverVersion = driver;
  const cuda =
    l('nvidia.com/cuda.runtime-version.full') ??
    joinDefined([l('nvidia.com/cuda.runtime-version.major'), l('nvidia.com/cuda.runtime-version.minor')]) ??
    joinDefined([l('nvidia.com/cuda.runtime.major'), l('nvidia.com/cuda.runtime.minor')]);
  if (cuda) out.cudaVersion = cuda;
  const cc = joinDefined([l('nvidia.com/gpu.compute.major'), l('nvidia.com/gpu.compute.minor')]);
  if (cc) out.computeCapability = cc;
  const mig = l('nvidia.com/mig.strategy');
  if (mig) out.migStrategy = mig;
  const migCapable = l('nvidia.com/mig.capable');
  if (migCapable === 'true' || migCapable === 'false') out.migCapable = migCapable === 'true';
  return out;
}

export function nodeTaints(node: NodeLike): Taint[] {
  const out: Taint[] = [];
  for (const t of node.spec?.taints ?? []) {
    if (!t?.key || !t.effect) continue;
    out.push({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect });
  }
  return out;
}

const taintKey = (t: Taint) => `${t.key}=${t.value ?? ''}:${t.effect}`;

export class NodeAggregator {
  total = 0;
  ready = 0;
  schedulable = 0;
  roles: Record<string, number> = {};
  architectures: Record<string, number> = {};
  operatingSystems: Record<string, number> = {};
  kubeletVersions: Record<string, number> = {};
  containerRuntimes: Record<string, number> = {};
  kubeletMinors = new Set<number>();
  notReady: string[] = [];
  capacity: Amounts = new Map();
  allocatable: Amounts = new Map();
  readonly byName = new Map<string, NodeRecord>();
  evidence = new DistributionEvidence();
  gpuCount = 0;
  gpuItems: GpuNodeFacts[] = [];
  gpuProducts: Record<string, number> = {};
  gpuDrivers: Record<string, number> = {};
  gpuCudas: Record<string, number> = {};
  gpuTaints = new Map<string, Taint>();
  gpuUntainted = 0;

  reset(): void {
    Object.assign(this, new NodeAggregator());
  }

  add(node: NodeLike): void {
    const name = node.metadata?.name ?? '';
    const labels = (node.metadata?.labels ?? {}) as Record<string, string>;
    const info = node.status?.nodeInfo ?? {};
    const ready = isReady(node);
    const schedulable = ready && !node.spec?.unschedulable;
    this.total++;
    if (ready) this.ready++;
    else if (this.notReady.length < MAX_NOT_READY) this.notReady.push(name);
    if (schedulable) this.schedulable++;
    for (const role of nodeRoles(labels)) bump(this.roles, role);
    bump(this.architectures, labels['kubernetes.io/arch'] ?? labels['beta.kubernetes.io/arch'] ?? info.architecture);
    bump(this.operatingSystems, labels['kubernetes.io/os'] ?? labels['beta.kubernetes.io/os'] ?? info.operatingSystem);
    bump(this.kubeletVersions, info.kubeletVersion);
    bump(this.containerRuntimes, runtimeName(info.containerRuntimeVersion));
    const minor = minorOf(info.kubeletVersion);
    if (minor !== undefined) this.kubeletMinors.add(minor);
    this.evidence.addNode(labels, node.spec?.providerID, info.kubeletVersion, name);

    const capacity = resourceList(node.status?.capacity);
    const allocatable = resourceList(node.status?.allocatable);
    const tracked: Amounts = new Map();
    for (const [k, v] of capacity) if (isTrackedResource(k)) this.capacity.set(k, (this.capacity.get(k) ?? 0) + v);
    for (const [k, v] of allocatable) {
      if (!isTrackedResource(k)) continue;
      this.allocatable.set(k, (this.allocatable.get(k) ?? 0) + v);
      tracked.set(k, v);
    }
    const vendor = gpuVendor(labels, [...capacity.keys()].filter((k) => (capacity.get(k) ?? 0) > 0 || (allocatable.get(k) ?? 0) > 0));
    this.byName.set(name, { ready, schedulable, allocatable: tracked, ...(vendor ? { vendor } : {}) });
    // A GPU node, in the facts' sense, advertises an allocatable GPU resource. A node with GPU labels
    // and none (its device plugin is not running) still counts for gpuSoftware.*.gpuNodesMissing.
    if ([...allocatable].some(([k, v]) => isGpuResource(k) && v > 0)) this.addGpuNode(node, name, labels, ready, schedulable, allocatable);
  }

  private addGpuNode(node: NodeLike, name: string, labels: Record<string, string>, ready: boolean, schedulable: boolean, allocatable: Amounts): void {
    this.gpuCount++;
    const gpus: Record<string, number> = {};
    for (const [k, v] of allocatable) if (isGpuResource(k)) gpus[k] = Math.max(0, Math.floor(unscale(k, v)));
    const taints = nodeTaints(node);
    const mapped = gpuLabels(labels);
    bump(this.gpuProducts, mapped.product);
    bump(this.gpuDrivers, mapped.driverVersion);
    bump(this.gpuCudas, mapped.cudaVersion);
    for (const t of taints) this.gpuTaints.set(taintKey(t), t);
    if (!taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) this.gpuUntainted++;
    if (this.gpuItems.length < MAX_GPU_ITEMS) {
      const arch = labels['kubernetes.io/arch'] ?? node.status?.nodeInfo?.architecture;
      this.gpuItems.push({ name, ready, schedulable, gpus, ...mapped, ...(arch ? { architecture: arch } : {}), taints });
    }
  }

  /** Largest (server minor − kubelet minor) over nodes. */
  maxKubeletMinorSkew(serverMinor: number | undefined): number | undefined {
    if (serverMinor === undefined || this.kubeletMinors.size === 0) return undefined;
    return serverMinor - Math.min(...this.kubeletMinors);
  }
}
