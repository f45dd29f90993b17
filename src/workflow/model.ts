/**
 * The workflow model: what `mlready scaffold` generates from. The planner (planner.ts) builds it once
 * from the validated spec, the facts and the compatibility data in data/; every generator (Dockerfile,
 * compose, swarm stack, Kubernetes, SCAFFOLD.md) renders from it and never sees the raw spec.
 *
 * Every choice that is not copied verbatim from the spec is made here, once, and recorded in
 * `decisions` with a one-line reason a user can read (SCAFFOLD.md lists them all).
 */

/** One choice and why it was made. `topic` is stable (tests and --json consumers key on it). */
export interface Decision {
  topic: string;
  choice: string;
  reason: string;
}

export type EmitKind = 'dockerfile' | 'compose' | 'swarm' | 'k8s' | 'lambda';
/** What `--emit all` means; `lambda` (an AWS Lambda container image) is only written when named. */
export const EMIT_KINDS: readonly EmitKind[] = ['dockerfile', 'compose', 'swarm', 'k8s'];
export const ALL_EMIT_KINDS: readonly EmitKind[] = [...EMIT_KINDS, 'lambda'];

export type Accelerator = 'nvidia' | 'amd' | 'cpu';

/** What `scaffold --with` adds around the workflow (src/generate/addons/). */
export type AddonName = 'monitoring' | 'logging' | 'alerting' | 'ingress';
export const ADDON_NAMES: readonly AddonName[] = ['monitoring', 'logging', 'alerting', 'ingress'];

/** Where a value of the facts came from, for SCAFFOLD.md and the image labels. */
export interface FactsOrigin {
  source: 'none' | 'file' | 'probe';
  /** The facts file as given on the command line (source "file"). */
  file?: string;
  collectedAt?: string;
  targets: string[];
  /** One line: "facts file gpu.json (local, docker, k8s; collected …)" or "generic defaults (no facts)". */
  summary: string;
}

export interface ModelVolume {
  name: string;
  mountPath: string;
  /** Kubernetes quantity as written in the spec ("10Gi"). */
  size: string;
  sizeBytes: number;
  shared: boolean;
  storageClass?: string;
  accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
}

export interface ModelSecret {
  name: string;
  keys: string[];
}

export interface Toleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value?: string;
  effect: string;
}

/** A data store the stages read (spec.dataSources), as containers are told about it. */
export interface ModelDataSource {
  name: string;
  /** The URL with credentials stripped (never a password, a user name or a secret query parameter). */
  url: string;
  scheme: string;
  /** DATA_SOURCE_<NAME>_URL */
  urlEnv: string;
  /** Secret holding the credentials: a Kubernetes Secret (envFrom) and a compose/swarm secret file. */
  credentialsSecret?: string;
  /** DATA_SOURCE_<NAME>_CREDENTIALS_FILE (compose, swarm): where the secret file is mounted. */
  credentialsFileEnv?: string;
}

/** An AWS Lambda container image for a CPU service stage (scaffold --emit lambda). */
export interface ModelLambda {
  stage: string;
  /** Its Dockerfile (Dockerfile.lambda-<stage>) and the shared handler adapter (lambda/mlready_lambda.py), relative to the output directory. */
  dockerfilePath: string;
  adapterPath: string;
  /** The same, relative to the build context (POSIX). */
  dockerfile: string;
  adapter: string;
  /** The one platform the function runs on (Lambda refuses multi-platform images). */
  platform: 'linux/amd64' | 'linux/arm64';
  baseImage: string;
  python: string;
  image: string;
  /** Function memory (MiB) from the stage's memory, within Lambda's 128–10240 MiB. */
  memoryMiB: number;
  /** Function timeout, seconds (Lambda's maximum is 900). */
  timeoutSeconds: number;
  /** How long the adapter waits for the stage's server to answer its health check at cold start. */
  startSeconds: number;
}

export interface ModelStage {
  name: string;
  type: 'batch' | 'service';
  needs: string[];
  /** Exec-form command, verbatim from the spec. */
  command: string[];
  /** Environment, verbatim from the spec, in spec order. */
  env: [string, string][];
  secrets: ModelSecret[];
  volumes: string[];
  /** CPU request: Kubernetes quantity string and cores. */
  cpu: string;
  cpuCores: number;
  /** Memory request: Kubernetes quantity string and bytes. */
  memory: string;
  memoryBytes: number;
  /** GPUs the spec asks for, per pod. */
  gpuRequested: number;
  /** GPUs granted per target (0 where the target has none, see decisions). */
  gpu: { compose: number; kubernetes: number };
  replicas: number;
  port?: number;
  healthPath?: string;
  autoscale?: { min: number; max: number; targetCPUUtilization: number };
  /** Health check grace for model loading, seconds. */
  startPeriodSeconds: number;
  /** /dev/shm size in bytes, when the framework needs more than the default. */
  shmBytes?: number;
  /** Image reference (registry/name-stage:tag) and the Dockerfile target that builds it. */
  image: string;
  target: string;
  /** Data sources this stage uses (names of model.dataSources). */
  dataSources: string[];
  /** Service stages on Kubernetes: a Deployment (+ Service, HPA, PDB) or a Knative Service. */
  serving?: 'deployment' | 'knative';
  /** Distributed training on Kubernetes. */
  distributed?: { mode: 'pytorchjob' | 'indexed-job'; replicas: number; nprocPerNode: number; command: string[] };
}

/** A marker file: written by a unit that succeeded, waited for by what comes after it. */
export interface Marker {
  path: string;
  /** The spec volume holding it; absent: the small state PVC (no volume to share). */
  volume?: string;
}

/** A Kubernetes batch unit: a chain of stages run in order in one Job, or one distributed stage. */
export interface BatchUnit {
  kind: 'chain' | 'indexed-job' | 'pytorchjob';
  /** Object name (Job, PyTorchJob). */
  name: string;
  stages: string[];
  /** Marker files this unit waits for before its first stage (an init container polls them). */
  waitFor: Marker[];
  /** Marker files this unit writes when it succeeded (empty when nothing waits on it; one per pod of an Indexed Job). */
  done: Marker[];
}

export interface WorkflowModel {
  toolVersion: string;
  name: string;
  namespace: string;
  /** The spec path as shown in headers: relative to the output directory, POSIX separators. */
  specRef: string;
  framework: string;
  frameworkVersion?: string;
  python: string;
  labels: [string, string][];
  facts: FactsOrigin;
  emit: EmitKind[];
  /** Add-ons asked for with --with, and what each one's plan decided (see src/generate/addons/). */
  addons: Partial<Record<AddonName, Record<string, unknown>>>;
  /** Target platforms of the images (--platforms linux/amd64,linux/arm64): a buildx bake file. */
  platforms: string[];
  /** Data stores the stages read (spec.dataSources), credentials stripped from their URLs. */
  dataSources: ModelDataSource[];
  /** AWS Lambda container images (--emit lambda), one per CPU service stage. */
  lambda: ModelLambda[];
  /** Kubernetes choices that depend on the cluster or the device (k3s, edge, metrics API). */
  kubernetes: {
    /** k3s (from the facts) or an edge device: local-path storage, small default requests. */
    lightweight: boolean;
    /** HorizontalPodAutoscalers are written (false when the facts show no metrics API). */
    hpa: boolean;
  };
  build: {
    /** Build context relative to the output directory (POSIX), "." when they are the same. */
    context: string;
    /** The Dockerfile relative to the build context. */
    dockerfile: string;
    /** requirements.txt relative to the build context, when the spec lists one. */
    requirements?: string;
    baseImage: string;
    baseKind: 'python' | 'framework' | 'cuda' | 'rocm' | 'custom';
    /** The base ships no Python: the Dockerfile installs Ubuntu's python3 from apt. */
    installPython: boolean;
    /** Python inside the image. */
    imagePython: string;
    cuda?: string;
    accelerator: Accelerator;
    buildkit: boolean;
    uid: number;
    /** Directories the non-root user owns (volume mount paths, the marker directory). */
    ownedPaths: string[];
    /** OCI labels of the images. */
    labels: [string, string][];
  };
  gpu: {
    vendor: 'nvidia' | 'amd';
    resourceName: string;
    swarmResourceKind: string;
    tolerations: Toleration[];
    nodeSelector: [string, string][];
    runtimeClassName?: string;
  };
  volumes: ModelVolume[];
  /** Stages in dependency order (every stage after what it needs; spec order otherwise). */
  stages: ModelStage[];
  ordering: {
    /** Where marker files live (a small volume every gated pod mounts). */
    markerDir: string;
    /** Volume holding the markers on Kubernetes (created only when something waits). */
    k8sStateVolume?: { claimName: string; size: string; accessMode: 'ReadWriteOnce' | 'ReadWriteMany'; storageClass?: string };
    units: BatchUnit[];
    /** Per service stage: markers it waits for on Kubernetes. */
    serviceWaits: Record<string, Marker[]>;
    /** Per stage on Swarm: markers it waits for / writes. */
    swarm: Record<string, { waitFor: string[]; done?: string }>;
  };
  /** metadata.labels of the spec on Kubernetes: valid label pairs as pod labels, the rest as annotations. */
  kubernetesMeta: { labels: Record<string, string>; annotations: Record<string, string> };
  decisions: Decision[];
  warnings: string[];
}

/** Marker directory inside every container (owned by the app user). */
export const MARKER_DIR = '/var/lib/mlready';
export const APP_UID = 10001;
export const APP_HOME = '/home/app';
export const APP_DIR = '/app';
export const VENV = '/opt/venv';
export const ENTRYPOINT_PATH = '/opt/mlready/entrypoint.py';
