/**
 * Resource arithmetic, as the scheduler does it. Quantities are kept as integers in a per-resource
 * unit (millicores for cpu, bytes for memory, devices otherwise) so that sums over 100,000 pods do
 * not drift; they become cores/bytes/devices only in the facts.
 */
import { parseQuantity } from '../../util/quantity.js';

export type Amounts = Map<string, number>;

/** Resources the facts report: cpu, memory, ephemeral storage, huge pages and extended resources (vendor/name). */
export function isTrackedResource(name: string): boolean {
  if (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage') return true;
  if (name.startsWith('hugepages-')) return true;
  if (name.startsWith('attachable-volumes-') || name === 'pods') return false;
  return name.includes('/');
}

/** Always reported, even when zero everywhere: zero is then the truth. */
export const ALWAYS_REPORTED = ['cpu', 'memory', 'nvidia.com/gpu'];

/** GPU resources a node can advertise. */
export function isGpuResource(name: string): boolean {
  return (
    name === 'nvidia.com/gpu' ||
    name === 'nvidia.com/gpu.shared' ||
    name.startsWith('nvidia.com/mig-') ||
    name === 'amd.com/gpu' ||
    name.startsWith('gpu.intel.com/')
  );
}

const unitScale = (resource: string) => (resource === 'cpu' ? 1000 : 1);
const cache = new Map<string, number | null>();

/**
 * A quantity in the integer unit of its resource ("500m" cpu → 500, "1Gi" memory → 1073741824),
 * rounded up as Kubernetes rounds; undefined when it is not a quantity.
 */
export function scaledQuantity(resource: string, raw: unknown): number | undefined {
  if (typeof raw === 'number') return toScaled(resource, raw);
  if (typeof raw !== 'string') return undefined;
  const key = resource === 'cpu' ? `c${raw}` : raw;
  let v = cache.get(key);
  if (v === undefined) {
    try {
      v = toScaled(resource, parseQuantity(raw)) ?? null;
    } catch {
      v = null;
    }
    if (cache.size > 10000) cache.clear();
    cache.set(key, v);
  }
  return v ?? undefined;
}

function toScaled(resource: string, value: number): number | undefined {
  if (!Number.isFinite(value)) return undefined;
  const x = value * unitScale(resource);
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

/** Back from the integer unit to what the facts say: cores for cpu. */
export function unscale(resource: string, value: number): number {
  return resource === 'cpu' ? Math.round(value) / 1000 : value;
}

/** A ResourceList ({cpu: "2", memory: "4Gi"}) as scaled amounts; bad quantities are skipped. */
export function resourceList(list: unknown, into: Amounts = new Map()): Amounts {
  if (!list || typeof list !== 'object') return into;
  for (const [name, raw] of Object.entries(list as Record<string, unknown>)) {
    const v = scaledQuantity(name, raw);
    if (v !== undefined) into.set(name, v);
  }
  return into;
}

function add(into: Amounts, from: Amounts): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function maxInto(into: Amounts, from: Amounts): void {
  for (const [k, v] of from) if (v > (into.get(k) ?? 0)) into.set(k, v);
}

interface ContainerLike {
  resources?: { requests?: unknown; limits?: unknown } | null;
  restartPolicy?: string;
}

/**
 * What a container requests. A resource with a limit and no request requests its limit: the API
 * server defaults it so (that is how GPUs, which are set as limits, are requested), and objects
 * that skipped defaulting are read the same way.
 */
export function containerRequests(c: ContainerLike | null | undefined): Amounts {
  const out = resourceList(c?.resources?.requests);
  const limits = c?.resources?.limits;
  if (limits && typeof limits === 'object') {
    for (const [name, raw] of Object.entries(limits as Record<string, unknown>)) {
      if (out.has(name)) continue;
      const v = scaledQuantity(name, raw);
      if (v !== undefined) out.set(name, v);
    }
  }
  return out;
}

export interface PodSpecLike {
  containers?: ContainerLike[] | null;
  initContainers?: ContainerLike[] | null;
  overhead?: unknown;
}

/**
 * The effective requests of a pod, as the scheduler computes them (k8s.io/component-helpers
 * resource.PodRequests): the sum of its containers, or the largest init container if that is more,
 * where restartable init containers (sidecars) run alongside and add up; plus the pod overhead.
 */
export function podRequests(spec: PodSpecLike | null | undefined): Amounts {
  const reqs: Amounts = new Map();
  if (!spec) return reqs;
  for (const c of spec.containers ?? []) add(reqs, containerRequests(c));
  const inits = spec.initContainers ?? [];
  if (inits.length) {
    const sidecars: Amounts = new Map();
    const initMax: Amounts = new Map();
    for (const ic of inits) {
      const own = containerRequests(ic);
      let current: Amounts;
      if (ic?.restartPolicy === 'Always') {
        add(reqs, own);
        add(sidecars, own);
        current = new Map(sidecars);
      } else {
        current = new Map(own);
        add(current, sidecars);
      }
      maxInto(initMax, current);
    }
    maxInto(reqs, initMax);
  }
  if (spec.overhead) add(reqs, resourceList(spec.overhead));
  return reqs;
}

/** A ResourceList as plain numbers in facts units (quotas, limit ranges); keys that are not quantities are left out. */
export function quantityRecord(list: unknown, keyResource: (key: string) => string = (k) => k): Record<string, number> {
  const out: Record<string, number> = {};
  if (!list || typeof list !== 'object') return out;
  for (const [key, raw] of Object.entries(list as Record<string, unknown>)) {
    const resource = keyResource(key);
    const v = scaledQuantity(resource, raw);
    if (v !== undefined) out[key] = unscale(resource, v);
  }
  return out;
}

/** The resource a quota key is about: "requests.cpu" → cpu, "limits.nvidia.com/gpu" → nvidia.com/gpu, "pods" → pods. */
export function quotaResource(key: string): string {
  const m = /^(?:requests|limits)\.(.+)$/.exec(key);
  return m ? m[1]! : key;
}
