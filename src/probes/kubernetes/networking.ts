/** The CNI plugin, from the DaemonSets that run it, and whether it enforces NetworkPolicy. */

export interface DaemonSetLike {
  metadata?: { name?: string; namespace?: string } | null;
  spec?: { template?: { spec?: { containers?: { name?: string; args?: string[] | null; command?: string[] | null }[] | null } | null } | null } | null;
  status?: { desiredNumberScheduled?: number; numberReady?: number } | null;
}

interface CniEntry {
  cni: string;
  match: (name: string) => boolean;
  /** true/false: known; 'aws': aws-node enforces only with its network policy agent enabled. */
  policy: boolean | 'aws' | undefined;
}

const is = (...names: string[]) => (n: string) => names.includes(n);

/** In order of naming priority: the first match names the CNI; any match that enforces policy counts. */
const CNIS: CniEntry[] = [
  { cni: 'aws-vpc-cni', match: is('aws-node'), policy: 'aws' },
  { cni: 'azure-cni', match: is('azure-cns', 'azure-cni', 'azure-vnet'), policy: undefined },
  { cni: 'cilium', match: (n) => n === 'cilium' || n === 'anetd' || n === 'cilium-agent', policy: true },
  { cni: 'antrea', match: is('antrea-agent'), policy: true },
  { cni: 'weave', match: is('weave-net'), policy: true },
  { cni: 'ovn-kubernetes', match: (n) => n === 'ovnkube-node' || n === 'ovnkube-node-dpu', policy: true },
  { cni: 'openshift-sdn', match: is('sdn'), policy: true },
  { cni: 'kube-ovn', match: is('kube-ovn-cni'), policy: true },
  { cni: 'kube-router', match: is('kube-router'), policy: true },
  { cni: 'canal', match: is('canal'), policy: true },
  { cni: 'calico', match: is('calico-node'), policy: true },
  { cni: 'flannel', match: (n) => n === 'flannel' || n === 'kube-flannel' || n.startsWith('kube-flannel-ds'), policy: false },
  { cni: 'kindnet', match: is('kindnet'), policy: false },
  // Policy engines that run beside a CNI.
  { cni: 'azure-npm', match: is('azure-npm'), policy: true },
];
const POLICY_ONLY = new Set(['azure-npm']);

/** aws-node enforces NetworkPolicy when its network policy agent runs with --enable-network-policy=true. */
function awsPolicyEnabled(ds: DaemonSetLike): boolean {
  for (const c of ds.spec?.template?.spec?.containers ?? []) {
    for (const a of [...(c?.args ?? []), ...(c?.command ?? [])]) if (/^--enable-network-policy(=true)?$/.test(a)) return true;
  }
  return false;
}

export function detectCni(daemonSets: DaemonSetLike[]): { cni?: string; networkPolicyEnforced?: boolean } {
  let cni: string | undefined;
  let cniRank = Infinity;
  let enforced: boolean | undefined;
  for (const ds of daemonSets) {
    const name = ds.metadata?.name ?? '';
    const rank = CNIS.findIndex((e) => e.match(name));
    if (rank < 0) continue;
    const entry = CNIS[rank]!;
    if (!POLICY_ONLY.has(entry.cni) && rank < cniRank) {
      cni = entry.cni;
      cniRank = rank;
    }
    const policy = entry.policy === 'aws' ? awsPolicyEnabled(ds) : entry.policy;
    if (policy === true) enforced = true;
    else if (policy === false && enforced === undefined) enforced = false;
  }
  return { ...(cni ? { cni } : {}), ...(enforced !== undefined ? { networkPolicyEnforced: enforced } : {}) };
}
