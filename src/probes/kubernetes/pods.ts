/**
 * Pods, aggregated one page at a time: what pods that have not finished request, in total and per
 * node, and which nodes run a ready pod of the GPU DaemonSets (device plugin, DCGM exporter). No pod
 * is kept.
 */
import { type Amounts, podRequests, type PodSpecLike } from './resources.js';

export interface PodLike {
  metadata?: { name?: string; namespace?: string; ownerReferences?: { kind?: string; name?: string }[] | null } | null;
  spec?: (PodSpecLike & { nodeName?: string }) | null;
  status?: { phase?: string; conditions?: { type?: string; status?: string }[] | null } | null;
}

/** DaemonSets whose pods' placement matters: the GPU device plugins and DCGM exporter. */
export function isWatchedDaemonSet(name: string): boolean {
  return isNvidiaDevicePlugin(name) || isDcgmExporter(name) || isAmdDevicePlugin(name);
}

export const isNvidiaDevicePlugin = (name: string) => name.includes('nvidia-device-plugin') && !name.includes('mps-control');
export const isDcgmExporter = (name: string) => name.includes('dcgm-exporter');
export const isAmdDevicePlugin = (name: string) => /amd-?gpu.*device-plugin|amd.*device-plugin|amdgpu-dp/.test(name);

export class PodAggregator {
  pods = 0;
  active = 0;
  requested: Amounts = new Map();
  perNode = new Map<string, Amounts>();
  /** "namespace/daemonset" → nodes with a ready pod of it. */
  daemonSetReady = new Map<string, Set<string>>();

  reset(): void {
    Object.assign(this, new PodAggregator());
  }

  add(pod: PodLike): void {
    this.pods++;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.active++;
    const node = pod.spec?.nodeName;
    const reqs = podRequests(pod.spec);
    if (reqs.size) {
      for (const [k, v] of reqs) this.requested.set(k, (this.requested.get(k) ?? 0) + v);
      if (node) {
        let n = this.perNode.get(node);
        if (!n) this.perNode.set(node, (n = new Map()));
        for (const [k, v] of reqs) n.set(k, (n.get(k) ?? 0) + v);
      }
    }
    const owner = pod.metadata?.ownerReferences?.find((o) => o?.kind === 'DaemonSet');
    if (owner?.name && node && isWatchedDaemonSet(owner.name) && phase === 'Running') {
      const ready = (pod.status?.conditions ?? []).some((c) => c?.type === 'Ready' && c.status === 'True');
      if (ready) {
        const key = `${pod.metadata?.namespace ?? ''}/${owner.name}`;
        let s = this.daemonSetReady.get(key);
        if (!s) this.daemonSetReady.set(key, (s = new Set()));
        s.add(node);
      }
    }
  }
}
