/**
 * The `workload` rules see (`assess --spec`): what the workflow will ask of a cluster, summarised.
 * Sizes in bytes, CPU in cores, as everywhere in facts.
 */
import { parseQuantity, quantityBytes } from '../util/quantity.js';
import type { StageDoc, WorkflowDoc } from './schema.js';

export interface WorkloadStage {
  name: string;
  type: 'batch' | 'service';
  replicas: number;
  gpu: number;
  gpuVendor: 'nvidia' | 'amd';
  cpu: number;
  memoryBytes: number;
  distributed: boolean;
  /** Service stages: how they run on Kubernetes (spec serving; default deployment). */
  serving?: 'deployment' | 'knative';
}

export interface Workload {
  name: string;
  namespace: string;
  framework: string;
  /** The largest request of one pod, per resource. */
  maxPod: { gpu: number; cpu: number; memoryBytes: number };
  /** GPUs requested by every pod of every stage at once. */
  totalGpu: number;
  gpuVendor: 'nvidia' | 'amd';
  usesGpu: boolean;
  maxReplicas: number;
  distributed: boolean;
  stages: WorkloadStage[];
  volumes: { name: string; sizeBytes: number; shared: boolean }[];
  sharedVolumes: string[];
  /** Size of every volume together, bytes. */
  volumeBytes: number;
  /** Kubernetes kinds `mlready scaffold` creates for this workflow. */
  creates: string[];
}

/** The workload's keys, for the rule loader's static check of `workload.X` references. */
export const WORKLOAD_KEYS = [
  'name',
  'namespace',
  'framework',
  'maxPod',
  'totalGpu',
  'gpuVendor',
  'usesGpu',
  'maxReplicas',
  'distributed',
  'stages',
  'volumes',
  'sharedVolumes',
  'volumeBytes',
  'creates',
] as const satisfies readonly (keyof Workload)[];
// Fails to compile when a key of Workload is missing from the list.
type MissingKeys = Exclude<keyof Workload, (typeof WORKLOAD_KEYS)[number]>;
const _complete: MissingKeys extends never ? true : never = true;
void _complete;

const DEFAULT_CPU = 1;
const DEFAULT_MEMORY = 2 * 2 ** 30;

function replicasOf(s: StageDoc): number {
  return s.autoscale ? Math.max(s.replicas ?? 1, s.autoscale.max) : (s.replicas ?? 1);
}

export function deriveWorkload(doc: WorkflowDoc): Workload {
  const stages: WorkloadStage[] = doc.spec.stages.map((s) => {
    const gpu = s.resources?.gpu ?? 0;
    return {
      name: s.name,
      type: s.type,
      replicas: replicasOf(s),
      gpu,
      gpuVendor: s.resources?.gpuVendor ?? 'nvidia',
      cpu: s.resources?.cpu !== undefined ? parseQuantity(s.resources.cpu) : DEFAULT_CPU,
      memoryBytes: s.resources?.memory !== undefined ? quantityBytes(s.resources.memory) : DEFAULT_MEMORY,
      distributed: s.type === 'batch' && (s.replicas ?? 1) > 1 && doc.spec.framework === 'pytorch',
      ...(s.type === 'service' ? { serving: s.serving ?? 'deployment' } : {}),
    };
  });
  const volumes = (doc.spec.volumes ?? []).map((v) => ({ name: v.name, sizeBytes: quantityBytes(v.size), shared: v.shared ?? false }));
  const creates = new Set<string>(['Namespace', 'ServiceAccount', 'ConfigMap', 'NetworkPolicy', 'Role', 'RoleBinding']);
  for (const s of doc.spec.stages) {
    if (s.type === 'batch') creates.add('Job');
    else if (s.serving === 'knative') creates.add('KnativeService');
    else {
      creates.add('Deployment');
      creates.add('Service');
      creates.add('PodDisruptionBudget');
      if (s.autoscale) creates.add('HorizontalPodAutoscaler');
    }
    if (s.secrets?.length) creates.add('Secret (referenced)');
  }
  if (volumes.length) creates.add('PersistentVolumeClaim');
  const gpuStages = stages.filter((s) => s.gpu > 0);
  return {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace ?? doc.metadata.name,
    framework: doc.spec.framework,
    maxPod: {
      gpu: Math.max(0, ...stages.map((s) => s.gpu)),
      cpu: Math.max(0, ...stages.map((s) => s.cpu)),
      memoryBytes: Math.max(0, ...stages.map((s) => s.memoryBytes)),
    },
    totalGpu: stages.reduce((n, s) => n + s.gpu * s.replicas, 0),
    gpuVendor: gpuStages[0]?.gpuVendor ?? 'nvidia',
    usesGpu: gpuStages.length > 0,
    maxReplicas: Math.max(1, ...stages.map((s) => s.replicas)),
    distributed: stages.some((s) => s.distributed),
    stages,
    volumes,
    sharedVolumes: volumes.filter((v) => v.shared).map((v) => v.name),
    volumeBytes: volumes.reduce((n, v) => n + v.sizeBytes, 0),
    creates: [...creates].sort(),
  };
}
