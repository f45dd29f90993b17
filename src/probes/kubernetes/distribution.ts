/**
 * Which Kubernetes distribution a cluster is, from the server version string, the API groups it
 * serves, node labels, node provider IDs and kubelet versions, in that order of trust.
 */
export type Distribution = 'eks' | 'gke' | 'aks' | 'openshift' | 'k3s' | 'rke2' | 'kind' | 'minikube' | 'other';

/** Hints from version strings: "+k3s1", "+rke2r1", "-eks-", "-gke.". */
export function distributionFromVersion(version: string | undefined): Distribution | undefined {
  if (!version) return undefined;
  if (/\+k3s\d*/.test(version)) return 'k3s';
  if (/\+rke2/.test(version)) return 'rke2';
  if (/-eks-/.test(version)) return 'eks';
  if (/-gke\./.test(version)) return 'gke';
  return undefined;
}

/** Hints from one node label key (and value). */
export function distributionFromLabel(key: string, value: string): Distribution | undefined {
  if (key.startsWith('eks.amazonaws.com/')) return 'eks';
  if (key.startsWith('cloud.google.com/gke-')) return 'gke';
  if (key.startsWith('kubernetes.azure.com/')) return 'aks';
  if (key === 'node.openshift.io/os_id') return 'openshift';
  if (key.startsWith('minikube.k8s.io/')) return 'minikube';
  if (key === 'node.kubernetes.io/instance-type' || key === 'beta.kubernetes.io/instance-type') {
    if (value === 'k3s') return 'k3s';
    if (value === 'rke2') return 'rke2';
  }
  if (key.startsWith('doks.digitalocean.com/') || key === 'microk8s.io/cluster' || key.startsWith('kurl.sh/')) return 'other';
  return undefined;
}

/** Hints from spec.providerID: aws://, gce://, azure://, kind://, k3s://, rke2://. */
export function distributionFromProviderId(providerId: string | undefined): Distribution | undefined {
  const scheme = /^([a-z0-9-]+):\/\//i.exec(providerId ?? '')?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
      return undefined;
    case 'aws':
      return 'eks';
    case 'gce':
      return 'gke';
    case 'azure':
      return 'aks';
    case 'kind':
      return 'kind';
    case 'k3s':
      return 'k3s';
    case 'rke2':
      return 'rke2';
    default:
      return 'other';
  }
}

const OPENSHIFT_GROUPS = ['config.openshift.io', 'route.openshift.io', 'project.openshift.io'];

/** Per-node evidence, counted while nodes stream by. */
export class DistributionEvidence {
  /** Per distribution: nodes with one of its labels, and the label key seen on most of them. */
  readonly labels = new Map<Distribution, { nodes: number; key: string; keys: Map<string, number> }>();
  readonly providerIds = new Map<Distribution, { nodes: number; scheme: string }>();
  readonly kubelets = new Map<Distribution, { nodes: number; version: string }>();
  minikubeNode = false;

  addNode(labels: Record<string, string>, providerId: string | undefined, kubeletVersion: string | undefined, name: string | undefined): void {
    const seen = new Set<Distribution>();
    for (const [k, v] of Object.entries(labels)) {
      const d = distributionFromLabel(k, String(v));
      if (!d || seen.has(d)) continue;
      seen.add(d);
      let e = this.labels.get(d);
      if (!e) this.labels.set(d, (e = { nodes: 0, key: k, keys: new Map() }));
      e.nodes++;
      const n = (e.keys.get(k) ?? 0) + 1;
      e.keys.set(k, n);
      if (n > (e.keys.get(e.key) ?? 0)) e.key = k;
    }
    const p = distributionFromProviderId(providerId);
    if (p) {
      const e = this.providerIds.get(p);
      if (e) e.nodes++;
      else this.providerIds.set(p, { nodes: 1, scheme: /^[a-z0-9-]+:\/\//i.exec(providerId!)![0] });
    }
    const k = distributionFromVersion(kubeletVersion);
    if (k) {
      const e = this.kubelets.get(k);
      if (e) e.nodes++;
      else this.kubelets.set(k, { nodes: 1, version: kubeletVersion! });
    }
    if (name === 'minikube') this.minikubeNode = true;
  }
}

/** The distribution seen on most nodes, a specific one before "other". */
function most<T extends { nodes: number }>(m: Map<Distribution, T>): [Distribution, T] | undefined {
  let best: [Distribution, T] | undefined;
  for (const entry of m) {
    if (entry[0] === 'other') continue;
    if (!best || entry[1].nodes > best[1].nodes) best = entry;
  }
  const other = m.get('other');
  return best ?? (other ? ['other', other] : undefined);
}

const nodesWord = (n: number) => `${n} node${n === 1 ? '' : 's'}`;

export interface DistributionInput {
  gitVersion?: string;
  apiGroups?: ReadonlySet<string>;
  /** Undefined when nodes could not be read. */
  nodes?: DistributionEvidence;
}

/** The distribution and the evidence for it, or undefined when nothing could be read that tells. */
export function detectDistribution(input: DistributionInput): { distribution: Distribution; evidence?: string } | undefined {
  const fromVersion = distributionFromVersion(input.gitVersion);
  if (fromVersion) return { distribution: fromVersion, evidence: `server version ${input.gitVersion}` };
  const group = OPENSHIFT_GROUPS.find((g) => input.apiGroups?.has(g));
  if (group) return { distribution: 'openshift', evidence: `API group ${group} is served` };
  const ev = input.nodes;
  if (!ev) return undefined;
  const label = most(ev.labels);
  const labelEvidence = (l: NonNullable<typeof label>) => `node label ${l[1].key} on ${nodesWord(l[1].keys.get(l[1].key) ?? l[1].nodes)}`;
  if (label && label[0] !== 'other') return { distribution: label[0], evidence: labelEvidence(label) };
  if (ev.minikubeNode) return { distribution: 'minikube', evidence: 'a node named minikube' };
  const provider = most(ev.providerIds);
  if (provider && provider[0] !== 'other') return { distribution: provider[0], evidence: `providerID ${provider[1].scheme} on ${nodesWord(provider[1].nodes)}` };
  const kubelet = most(ev.kubelets);
  if (kubelet) return { distribution: kubelet[0], evidence: `kubelet version ${kubelet[1].version} on ${nodesWord(kubelet[1].nodes)}` };
  if (label) return { distribution: 'other', evidence: labelEvidence(label) };
  if (provider) return { distribution: 'other', evidence: `providerID ${provider[1].scheme} on ${nodesWord(provider[1].nodes)}` };
  return { distribution: 'other' };
}
