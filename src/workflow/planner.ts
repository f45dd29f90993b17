/**
 * The planner: validated spec + facts + compatibility data → WorkflowModel. Every decision is made
 * here once, with its reason; generators only render.
 *
 * GPU decisions look at every target the facts describe: the image's CUDA must run on the lowest
 * driver among the host (compose, swarm) and the cluster's GPU nodes (Kubernetes). A target the facts
 * do not describe is planned with generic defaults; a target the facts show without GPUs gets none.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cli/errors.js';
import type { Facts } from '../facts/schema.js';
import { ADDONS } from '../generate/addons/index.js';
import type { KubernetesFacts } from '../facts/cluster-schema.js';
import { parseQuantity, quantityBytes } from '../util/quantity.js';
import { topologicalOrder, type LoadedSpec } from './load.js';
import { dataSourceEnvName, stripCredentials } from '../datasources/url.js';
import { imagePlatforms } from '../generate/bake.js';
import { LAMBDA_ADAPTER, LAMBDA_BASE, lambdaPython } from '../generate/lambda.js';
import type { StageDoc } from './schema.js';
import {
  compareVersions,
  cudaForDriver,
  driverForCuda,
  majorMinor,
  matchVersion,
  newestFirst,
  type CompatData,
} from './compat.js';
import {
  APP_UID,
  MARKER_DIR,
  type Accelerator,
  type AddonName,
  type BatchUnit,
  type Decision,
  type EmitKind,
  type FactsOrigin,
  type Marker,
  type ModelDataSource,
  type ModelLambda,
  type ModelStage,
  type ModelVolume,
  type Toleration,
  type WorkflowModel,
} from './model.js';

export interface PlanInput {
  spec: LoadedSpec;
  facts?: Facts;
  factsOrigin: FactsOrigin;
  /** Absolute output directory. */
  outDir: string;
  emit: EmitKind[];
  baseImage?: string;
  registry?: string;
  buildkit?: boolean;
  data: CompatData;
  toolVersion: string;
  /** Add-ons (scaffold --with). */
  with?: AddonName[];
  /** Image platforms (scaffold --platforms). */
  platforms?: string[];
}

const DEFAULT_CPU = '1';
const DEFAULT_MEMORY = '2Gi';
/** Defaults on k3s and edge devices (a few GiB of memory shared by everything). */
const SMALL_CPU = '250m';
const SMALL_MEMORY = '512Mi';
const LAMBDA_MAX_MIB = 10240;
const LAMBDA_MIN_MIB = 128;
const DEFAULT_TAG = '0.1.0';
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const posix = (p: string) => p.split(path.sep).join('/');

// ---------------------------------------------------------------- facts, read once

interface TargetGpu {
  /** The facts describe this target. */
  known: boolean;
  present: boolean;
  vendor?: 'nvidia' | 'amd';
  /** Highest CUDA (major.minor) the lowest driver of the target runs. */
  maxCuda?: string;
  lowestDriver?: string;
  /** What was seen, in words. */
  evidence: string;
}

function hostGpu(facts: Facts | undefined, data: CompatData): TargetGpu {
  if (!facts) return { known: false, present: false, evidence: 'no facts' };
  if (!facts.targets.includes('local')) return { known: false, present: false, evidence: 'the host was not probed' };
  const gpu = facts.gpu;
  if (gpu.status === 'unknown') return { known: false, present: false, evidence: `host GPUs unknown (${gpu.reason ?? 'no reason given'})` };
  if (gpu.status === 'absent' || gpu.devices.length === 0) return { known: true, present: false, evidence: 'the host has no GPU' };
  const nvidia = gpu.devices.filter((d) => d.vendor === 'nvidia');
  if (nvidia.length === 0) return { known: true, present: true, vendor: 'amd', evidence: `the host has ${gpu.devices.length} AMD GPU(s)` };
  let lowestDriver: string | undefined;
  let maxCuda: string | undefined;
  for (const d of nvidia) {
    if (d.driverVersion && (!lowestDriver || compareVersions(d.driverVersion, lowestDriver) < 0)) lowestDriver = d.driverVersion;
    const cuda = d.cudaVersion ? majorMinor(d.cudaVersion) : d.driverVersion ? cudaForDriver(d.driverVersion, data.drivers) : undefined;
    if (cuda && (!maxCuda || compareVersions(cuda, maxCuda) < 0)) maxCuda = cuda;
  }
  const models = [...new Set(nvidia.map((d) => d.model))].join(', ');
  return {
    known: true,
    present: true,
    vendor: 'nvidia',
    ...(maxCuda ? { maxCuda } : {}),
    ...(lowestDriver ? { lowestDriver } : {}),
    evidence: `the host has ${nvidia.length} × ${models}${lowestDriver ? `, driver ${lowestDriver}` : ''}${maxCuda ? ` (CUDA ≤ ${maxCuda})` : ''}`,
  };
}

type OkSection<T> = Extract<NonNullable<T>, { status: 'ok' }>;
function ok<T extends { status: string } | undefined>(section: T): OkSection<T> | undefined {
  return section && section.status === 'ok' ? (section as OkSection<T>) : undefined;
}

interface ClusterView {
  known: boolean;
  k8s?: KubernetesFacts;
  gpu: TargetGpu;
  taints: { key: string; value?: string; effect: string }[];
  gfd: boolean;
  nvidiaRuntimeClass?: string;
  storage?: OkSection<KubernetesFacts['storage']>;
  trainingOperator: boolean;
  argo: boolean;
}

function clusterView(facts: Facts | undefined, data: CompatData): ClusterView {
  const none = (evidence: string): ClusterView => ({
    known: false,
    gpu: { known: false, present: false, evidence },
    taints: [],
    gfd: false,
    trainingOperator: false,
    argo: false,
  });
  if (!facts) return none('no facts');
  const k8s = facts.cluster?.kubernetes;
  if (!k8s || k8s.status !== 'available') return none(k8s?.reason ? `no cluster in the facts (${k8s.reason})` : 'no cluster in the facts');
  const nodes = ok(k8s.gpuNodes);
  const addons = ok(k8s.addons);
  const runtimeClasses = ok(k8s.runtimeClasses);
  const view: ClusterView = {
    known: true,
    k8s,
    gpu: { known: false, present: false, evidence: 'GPU nodes unknown' },
    taints: [],
    gfd: false,
    ...(runtimeClasses?.items.find((r) => r.name === 'nvidia' || r.handler === 'nvidia')
      ? { nvidiaRuntimeClass: runtimeClasses.items.find((r) => r.name === 'nvidia' || r.handler === 'nvidia')!.name }
      : {}),
    ...(ok(k8s.storage) ? { storage: ok(k8s.storage)! } : {}),
    trainingOperator: addons?.kubeflowTrainingOperator ?? false,
    argo: addons?.argoWorkflows ?? false,
  };
  if (!nodes) {
    view.gpu = { known: false, present: false, evidence: `cluster GPU nodes unknown${k8s.gpuNodes?.status === 'unknown' ? ` (${k8s.gpuNodes.reason})` : ''}` };
    return view;
  }
  if (nodes.count === 0) {
    view.gpu = { known: true, present: false, evidence: 'the cluster has no GPU node' };
    return view;
  }
  let lowestDriver: string | undefined;
  let maxCuda: string | undefined;
  const consider = (driver?: string, cuda?: string) => {
    if (driver && (!lowestDriver || compareVersions(driver, lowestDriver) < 0)) lowestDriver = driver;
    const c = cuda ? majorMinor(cuda) : driver ? cudaForDriver(driver, data.drivers) : undefined;
    if (c && (!maxCuda || compareVersions(c, maxCuda) < 0)) maxCuda = c;
  };
  for (const n of nodes.items) consider(n.driverVersion, n.cudaVersion);
  for (const d of Object.keys(nodes.driverVersions)) consider(d, undefined);
  for (const c of Object.keys(nodes.cudaVersions)) consider(undefined, c);
  const amdOnly = nodes.items.length > 0 && nodes.items.every((n) => Object.keys(n.gpus).every((r) => r.startsWith('amd.com/')));
  view.gpu = {
    known: true,
    present: true,
    vendor: amdOnly ? 'amd' : 'nvidia',
    ...(maxCuda ? { maxCuda } : {}),
    ...(lowestDriver ? { lowestDriver } : {}),
    evidence: `the cluster has ${nodes.count} GPU node(s)${lowestDriver ? `, lowest driver ${lowestDriver}` : ''}${maxCuda ? ` (CUDA ≤ ${maxCuda})` : ''}`,
  };
  view.taints = nodes.taints.filter((t) => ['NoSchedule', 'NoExecute', 'PreferNoSchedule'].includes(t.effect) && !isSystemTaint(t.key));
  view.gfd = Object.keys(nodes.products).length > 0 || nodes.items.some((n) => n.product !== undefined || n.cudaVersion !== undefined);
  return view;
}

/**
 * Taints the system sets on nodes that must not receive work (cordoned, draining, not ready, being
 * scaled down): tolerating them would place pods on nodes that are going away.
 */
const SYSTEM_TAINT = /^(node\.kubernetes\.io\/|node\.cloudprovider\.kubernetes\.io\/|karpenter\.sh\/|cluster-autoscaler\.kubernetes\.io\/|ToBeDeletedByClusterAutoscaler$|DeletionCandidateOfClusterAutoscaler$)/;
export function isSystemTaint(key: string): boolean {
  return SYSTEM_TAINT.test(key);
}

// ---------------------------------------------------------------- the plan

export function planWorkflow(input: PlanInput): WorkflowModel {
  const { spec, facts, data } = input;
  const doc = spec.doc;
  const decisions: Decision[] = [];
  const warnings: string[] = [];
  const decide = (topic: string, choice: string, reason: string) => decisions.push({ topic, choice, reason });
  const specFail = (at: (string | number)[], message: string): never => {
    throw new InputError(message, { file: spec.file, line: spec.source.lineOf(at), path: at.map((p, i) => (typeof p === 'number' ? `[${p}]` : i ? `.${p}` : p)).join('') });
  };

  decide('facts', input.factsOrigin.source === 'none' ? 'generic defaults' : input.factsOrigin.summary,
    input.factsOrigin.source === 'none'
      ? 'neither --facts nor --probe was given: GPU, CUDA, storage and scheduling choices use generic defaults'
      : 'every choice below that depends on the machine or cluster reads these facts');

  // ---- build context and requirements
  const contextAbs = path.resolve(spec.dir, doc.spec.source ?? '.');
  if (!existsSync(contextAbs)) specFail(['spec', 'source'], `the build context ${doc.spec.source ?? '.'} does not exist`);
  const context = posix(path.relative(input.outDir, contextAbs)) || '.';
  const dockerfileRel = posix(path.relative(contextAbs, path.join(input.outDir, 'Dockerfile')));
  let requirements: string | undefined;
  if (doc.spec.requirements !== undefined) {
    const abs = path.resolve(spec.dir, doc.spec.requirements);
    const rel = path.relative(contextAbs, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) specFail(['spec', 'requirements'], `requirements ${doc.spec.requirements} is outside the build context ${doc.spec.source ?? '.'}`);
    if (!existsSync(abs)) specFail(['spec', 'requirements'], `requirements file ${doc.spec.requirements} does not exist`);
    requirements = posix(rel);
  }
  if (path.resolve(input.outDir) !== contextAbs && input.emit.includes('dockerfile')) {
    warnings.push(`the output directory is not the build context (${context}): the classic builder reads .dockerignore only at the context root, copy it there`);
  }

  // ---- GPUs: what each target has
  const host = hostGpu(facts, data);
  const cluster = clusterView(facts, data);
  const gpuStages = doc.spec.stages.filter((s) => (s.resources?.gpu ?? 0) > 0);
  const vendor: 'nvidia' | 'amd' = gpuStages.find((s) => s.resources?.gpuVendor)?.resources?.gpuVendor ?? 'nvidia';
  const generic = input.factsOrigin.source === 'none';
  // A target "uses GPUs" when the spec asks for them and the target has them (or is not described).
  const composeGpu = gpuStages.length > 0 && (host.present || !host.known);
  const k8sGpu = gpuStages.length > 0 && (cluster.gpu.present || !cluster.gpu.known);
  const anyGpuInFacts = host.present || cluster.gpu.present;
  let accelerator: Accelerator = 'cpu';
  if (gpuStages.length === 0) {
    decide('gpu', 'none', 'no stage requests GPUs');
  } else if (generic) {
    accelerator = vendor;
    decide('gpu', `${vendor} GPU image`, `stages ${gpuStages.map((s) => s.name).join(', ')} request GPUs; without facts every target is assumed to have them`);
  } else if (!anyGpuInFacts && host.known && (cluster.known ? cluster.gpu.known : true)) {
    decide('gpu', 'CPU image', `stages ${gpuStages.map((s) => s.name).join(', ')} request GPUs but no target in the facts has one (${host.evidence}; ${cluster.gpu.evidence})`);
    warnings.push(`no GPU anywhere in the facts: stages ${gpuStages.map((s) => s.name).join(', ')} get a CPU image and no GPU requests`);
  } else {
    accelerator = host.present ? (host.vendor ?? vendor) : cluster.gpu.present ? (cluster.gpu.vendor ?? vendor) : vendor;
    decide('gpu', `${accelerator} GPU image`, [host.evidence, cluster.gpu.evidence].join('; '));
  }
  const imageHasGpu = accelerator !== 'cpu';
  const composeGets = imageHasGpu && composeGpu;
  const k8sGets = imageHasGpu && k8sGpu;
  if (gpuStages.length > 0) {
    decide('gpu.compose', composeGets ? 'device reservations' : 'none',
      composeGets ? (host.known ? host.evidence : `${host.evidence}: assuming the Docker host has the GPUs the spec asks for`) : host.known ? `${host.evidence}: GPU stages run on CPU under compose and swarm` : 'CPU image');
    decide('gpu.kubernetes', k8sGets ? `${vendor === 'amd' ? 'amd.com/gpu' : 'nvidia.com/gpu'} limits` : 'none',
      k8sGets ? (cluster.gpu.known ? cluster.gpu.evidence : `${cluster.gpu.evidence}: GPU scheduling with conventional defaults`) : cluster.gpu.known ? `${cluster.gpu.evidence}: pods would never schedule with a GPU request` : 'CPU image');
    if (imageHasGpu && host.known && !host.present) warnings.push(`${host.evidence}: compose and swarm run the GPU stages without GPUs`);
    if (imageHasGpu && cluster.gpu.known && !cluster.gpu.present) warnings.push(`${cluster.gpu.evidence}: Kubernetes stages get no GPU requests`);
  }

  // ---- CUDA ceiling: the lowest driver among the targets that run GPU work
  let maxCuda: string | undefined;
  if (accelerator === 'nvidia') {
    const ceilings: string[] = [];
    if (composeGets && host.maxCuda) ceilings.push(`host ${host.maxCuda}`);
    if (k8sGets && cluster.gpu.maxCuda) ceilings.push(`cluster ${cluster.gpu.maxCuda}`);
    for (const c of [composeGets ? host.maxCuda : undefined, k8sGets ? cluster.gpu.maxCuda : undefined]) {
      if (c && (!maxCuda || compareVersions(c, maxCuda) < 0)) maxCuda = c;
    }
    decide('cuda.ceiling', maxCuda ?? 'none',
      maxCuda ? `the image must run on the lowest driver among the GPU targets (${ceilings.join(', ')})` : 'no driver version in the facts: the newest CUDA build of the framework');
  }

  // ---- base image
  const base = chooseBase({
    framework: doc.spec.framework,
    frameworkVersion: doc.spec.frameworkVersion,
    python: doc.spec.python,
    accelerator,
    maxCuda,
    data,
    override: input.baseImage ? { image: input.baseImage, why: '--base-image' } : doc.spec.image?.base ? { image: doc.spec.image.base, why: 'spec.image.base' } : undefined,
    decide,
    warn: (w) => warnings.push(w),
  });
  if (base.cuda && maxCuda && compareVersions(base.cuda, maxCuda) > 0) {
    warnings.push(`the image's CUDA ${base.cuda} is newer than the lowest driver supports (CUDA ${maxCuda}): upgrade the driver to ${driverForCuda(base.cuda, data.drivers) ?? 'a newer release'} or pin an older frameworkVersion`);
  }

  // ---- strings that end up in paths and request lines must be one line
  (doc.spec.volumes ?? []).forEach((v, i) => {
    if (/[\x00-\x1f\x7f]/.test(v.mountPath)) specFail(['spec', 'volumes', i, 'mountPath'], 'mountPath must not contain control characters (line breaks, tabs)');
  });
  doc.spec.stages.forEach((s, i) => {
    if (s.healthPath !== undefined && /[\x00-\x20\x7f]/.test(s.healthPath)) specFail(['spec', 'stages', i, 'healthPath'], 'healthPath must not contain spaces or control characters');
  });

  // ---- k3s and edge devices; autoscaling without a metrics API
  const lightweight = lightweightTarget(facts, cluster);
  if (lightweight.on) {
    decide('k8s.lightweight', 'k3s/edge defaults', `${lightweight.why}: local-path storage where the facts name no class, small default requests (cpu ${SMALL_CPU}, memory ${SMALL_MEMORY}) for stages that set none`);
  }
  const metrics = cluster.k8s ? ok(cluster.k8s.metricsApi) : undefined;
  const hpa = !(metrics && !metrics.available);
  const autoscaled = doc.spec.stages.filter((s) => s.autoscale && s.serving !== 'knative');
  if (!hpa && autoscaled.length && input.emit.includes('k8s')) {
    decide('k8s.hpa', 'none', `the facts show no resource metrics API (metrics.k8s.io): an HPA would never scale; ${autoscaled.map((s) => s.name).join(', ')} run autoscale.min replicas`);
    warnings.push(`no metrics API in the cluster: ${autoscaled.map((s) => s.name).join(', ')} get a fixed replica count instead of a HorizontalPodAutoscaler (install metrics-server to autoscale)`);
  }

  // ---- data sources: URLs without credentials, the secret that holds them
  const dataSources: ModelDataSource[] = (doc.spec.dataSources ?? []).map((d, i) => {
    let stripped: ReturnType<typeof stripCredentials>;
    try {
      stripped = stripCredentials(d.name, d.url);
    } catch (e) {
      // Credentials could not be told apart from the rest: nothing of this URL is written anywhere.
      return specFail(['spec', 'dataSources', i, 'url'], (e as Error).message);
    }
    const { safeUrl: url, scheme, removed } = stripped;
    if (removed.length) {
      warnings.push(`data source ${d.name}: ${removed.join(', ')} removed from its URL (spec.dataSources[${i}].url): credentials belong in ${d.credentialsSecret ? `the secret ${d.credentialsSecret}` : 'a credentialsSecret'}, never in generated files`);
    }
    return {
      name: d.name,
      url,
      scheme,
      urlEnv: dataSourceEnvName(d.name),
      ...(d.credentialsSecret ? { credentialsSecret: d.credentialsSecret, credentialsFileEnv: dataSourceEnvName(d.name, 'CREDENTIALS_FILE') } : {}),
    };
  });
  if (dataSources.length) {
    decide('data-sources', dataSources.map((d) => `${d.name} (${d.scheme})`).join(', '),
      'each stage gets DATA_SOURCE_<NAME>_URL for the sources it uses (all of them unless the stage lists spec.stages[].dataSources); credentials are stripped from the URLs');
    const withSecret = dataSources.filter((d) => d.credentialsSecret);
    if (withSecret.length) {
      decide('data-sources.credentials', withSecret.map((d) => `${d.name}: ${d.credentialsSecret}`).join(', '),
        'Kubernetes: the Secret\'s keys as environment variables (envFrom.secretRef); compose and swarm: the secret mounted as the file /run/secrets/<secret>, named by DATA_SOURCE_<NAME>_CREDENTIALS_FILE (compose cannot turn a secret into variables without a file holding the values)');
    }
  }

  // ---- volumes and storage classes
  const volumes: ModelVolume[] = (doc.spec.volumes ?? []).map((v) => {
    const shared = v.shared ?? false;
    const { storageClass, accessMode } = chooseStorage(v.name, shared, v.storageClass, cluster, decide, (w) => warnings.push(w), lightweight.on ? 'local-path' : undefined);
    return {
      name: v.name,
      mountPath: v.mountPath,
      size: String(v.size),
      sizeBytes: quantityBytes(v.size),
      shared,
      ...(storageClass ? { storageClass } : {}),
      accessMode,
    };
  });

  // ---- stages
  const registry = input.registry ?? doc.spec.image?.registry;
  const tag = doc.spec.image?.tag ?? DEFAULT_TAG;
  decide('image.names', `${registry ? `${registry.replace(/\/+$/, '')}/` : ''}${doc.metadata.name}-<stage>:${tag}`,
    `one image per stage from one Dockerfile (a target per stage); tag ${doc.spec.image?.tag ? 'from spec.image.tag' : 'default, never latest'}${registry ? `; registry from ${input.registry ? '--registry' : 'spec.image.registry'}` : ''}`);
  const ordered = topologicalOrder(doc.spec.stages);
  const stages: ModelStage[] = ordered.map((s) =>
    planStage(s, doc.spec.framework, {
      registry,
      tag,
      name: doc.metadata.name,
      composeGets,
      k8sGets,
      cluster,
      decide,
      warn: (w) => warnings.push(w),
      defaults: lightweight.on ? { cpu: SMALL_CPU, memory: SMALL_MEMORY } : { cpu: DEFAULT_CPU, memory: DEFAULT_MEMORY },
      dataSources: dataSources.map((d) => d.name),
      k8s: input.emit.includes('k8s'),
    }),
  );

  // ---- Kubernetes GPU placement
  const resourceName = vendor === 'amd' ? 'amd.com/gpu' : 'nvidia.com/gpu';
  const tolerations: Toleration[] = [];
  const nodeSelector: [string, string][] = [];
  let runtimeClassName: string | undefined;
  if (k8sGets) {
    if (cluster.gpu.known) {
      for (const t of cluster.taints) {
        tolerations.push(t.value !== undefined ? { key: t.key, operator: 'Equal', value: t.value, effect: t.effect } : { key: t.key, operator: 'Exists', effect: t.effect });
      }
      decide('gpu.tolerations', tolerations.length ? tolerations.map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`).join(', ') : 'none',
        tolerations.length ? 'the taints found on the cluster\'s GPU nodes' : 'the cluster\'s GPU nodes carry no NoSchedule/NoExecute taint');
      if (cluster.gfd) {
        nodeSelector.push([vendor === 'amd' ? 'amd.com/gpu.present' : 'nvidia.com/gpu.present', 'true']);
        decide('gpu.nodeSelector', `${nodeSelector[0]![0]}=true`, 'GPU Feature Discovery labels were found on the GPU nodes');
      } else {
        decide('gpu.nodeSelector', 'none', 'no GPU Feature Discovery labels on the GPU nodes: the GPU resource request alone places the pods');
      }
      if (cluster.nvidiaRuntimeClass && vendor === 'nvidia') {
        runtimeClassName = cluster.nvidiaRuntimeClass;
        decide('gpu.runtimeClass', runtimeClassName, 'the cluster has an nvidia RuntimeClass (GPU Operator / container toolkit)');
      } else {
        decide('gpu.runtimeClass', 'none', 'no nvidia RuntimeClass in the facts: the node\'s default runtime exposes the GPUs');
      }
    } else {
      tolerations.push({ key: resourceName, operator: 'Exists', effect: 'NoSchedule' });
      decide('gpu.tolerations', `${resourceName}:NoSchedule`, 'no cluster facts: the conventional taint of GPU node pools (GKE, AKS, EKS GPU AMIs, GPU Operator guides)');
      decide('gpu.runtimeClass', 'none', 'no cluster facts: the node\'s default runtime');
    }
  }

  // ---- Swarm generic resource kind
  let swarmResourceKind = vendor === 'amd' ? 'AMD-GPU' : 'NVIDIA-GPU';
  const swarmKinds = facts?.cluster?.swarm?.genericResources ? Object.keys(facts.cluster.swarm.genericResources) : [];
  const gpuKind = swarmKinds.find((k) => /gpu/i.test(k));
  if (gpuKind) swarmResourceKind = gpuKind;
  if (composeGets) {
    decide('swarm.gpu', `generic_resources ${swarmResourceKind}`, gpuKind ? 'the kind the swarm nodes advertise' : 'the conventional kind for node-generic-resources in daemon.json; docker stack rejects device reservations');
  }

  // ---- ordering
  const ordering = planOrdering(stages, volumes, cluster, doc.metadata.name, decide, (w) => warnings.push(w));
  if (input.emit.includes('k8s')) {
    for (const s of stages.filter((x) => x.serving === 'knative')) {
      const flags = knativeFeatureFlags(s, (ordering.serviceWaits[s.name] ?? []).length > 0, { tolerations, nodeSelector, ...(runtimeClassName ? { runtimeClassName } : {}) });
      decide(`k8s.knative-features:${s.name}`, flags.length ? flags.join(', ') : 'none',
        flags.length ? 'what the Knative Service uses beyond Knative\'s default pod spec (volumes, init containers, GPU placement): enable these in config-features (knative-serving namespace)' : 'the pod spec uses only what Knative allows by default (one container, one port, emptyDir volumes, container security contexts)');
      if (flags.length) warnings.push(`the Knative Service ${s.name} needs Knative features that are off by default: ${flags.join(', ')} (config-features in the knative-serving namespace)`);
    }
  }

  // ---- AWS Lambda container images (--emit lambda): CPU service stages only
  const lambda: ModelLambda[] = input.emit.includes('lambda')
    ? planLambda({
        stages,
        spec: doc,
        registry,
        tag,
        context: contextAbs,
        outDir: input.outDir,
        platform: (input.platforms ?? []).find((p): p is ModelLambda['platform'] => p === 'linux/amd64' || p === 'linux/arm64') ?? 'linux/amd64',
        decide,
        warn: (w) => warnings.push(w),
      })
    : [];

  // ---- image platforms (--platforms): a buildx bake file
  const platforms = input.platforms ?? [];
  if (platforms.length) {
    const supported = imagePlatforms(base.image);
    const missing = supported ? platforms.filter((p) => !supported.includes(p)) : [];
    decide('platforms', platforms.join(', '),
      `--platforms: docker-bake.json builds every stage image for these platforms (docker buildx bake); ${supported ? `${base.image} is published for ${supported.join(', ')}` : `${base.image}: its platforms are not in mlready's table, check them with docker buildx imagetools inspect`}`);
    if (missing.length) warnings.push(`${base.image} is not published for ${missing.join(', ')}: the bake will fail for ${missing.length === 1 ? 'that platform' : 'those platforms'}; pass --base-image with a multi-platform image${accelerator === 'nvidia' ? ' (on Jetson, an L4T image such as nvcr.io/nvidia/l4t-jetpack)' : ''}`);
  }
  const jetson = facts?.targets.includes('local') ? ok(facts.host.jetson) : undefined;
  if (jetson?.present && accelerator === 'nvidia' && base.kind !== 'custom') {
    warnings.push(`the host is a Jetson module${jetson.l4tRelease ? ` (L4T ${jetson.l4tRelease})` : ''}: ${base.image} is built for discrete GPUs; GPU containers on Jetson need an L4T-based image matching the L4T release (pass --base-image, e.g. nvcr.io/nvidia/l4t-jetpack)`);
  }

  // ---- OCI labels
  const factsLabel = input.factsOrigin.source === 'none' ? 'none (generic defaults)' : input.factsOrigin.summary;
  const labels: [string, string][] = [
    ['org.opencontainers.image.title', doc.metadata.name],
    ['org.opencontainers.image.version', tag],
    ['org.opencontainers.image.base.name', base.image],
    ['dev.mlready.framework', doc.spec.framework + (doc.spec.frameworkVersion ? ` ${doc.spec.frameworkVersion}` : '')],
    ['dev.mlready.accelerator', accelerator],
    ['dev.mlready.cuda', base.cuda ?? 'none'],
    ['dev.mlready.facts', factsLabel],
    ['dev.mlready.generator', `mlready ${input.toolVersion}`],
  ];

  if (input.emit.includes('k8s')) {
    decide('k8s.jobs', 'backoffLimit 1, activeDeadlineSeconds 86400, ttlSecondsAfterFinished 86400 (dev: 3600), restartPolicy Never',
      'a failed chain is retried once from its first stage; a stuck one is stopped after a day; finished Jobs are cleaned up after a day so their logs stay readable meanwhile');
    decide('k8s.network', 'default-deny ingress; ingress to service ports (and between the pods of a distributed stage)',
      'nothing else needs to reach the pods; egress stays open because stages fetch data, models and packages');
    decide('k8s.security', 'Pod Security "restricted"; read-only root filesystem; emptyDirs for /tmp and the cache',
      'runAsNonRoot (UID 10001), seccomp RuntimeDefault, no privilege escalation, all capabilities dropped; no service-account token in any pod');
    decide('k8s.rbac', 'Role and RoleBinding for the workflow ServiceAccount, with no rules',
      'no stage calls the Kubernetes API (ordering uses marker files, configuration comes through envFrom): least privilege is nothing; grant a stage only what it truly needs in k8s/base/rbac.yaml');
  }
  decide('user', `UID ${APP_UID}`, 'non-root with a fixed high UID that owns the volume mount paths, so Pod Security "restricted" (runAsNonRoot) and fsGroup work');
  decide('entrypoint', 'exec form through /opt/mlready/entrypoint.py', 'a small Python supervisor as PID 1 forwards SIGTERM/SIGINT to the stage command and waits for/writes the ordering markers');
  decide('dockerfile.builder', input.buildkit ? 'BuildKit syntax (cache mounts)' : 'classic-builder compatible',
    input.buildkit ? '--buildkit: pip cache mounts need BuildKit' : 'builds with DOCKER_BUILDKIT=0 as well as BuildKit; BuildKit-only syntax only with --buildkit');
  decide('venv', '--system-site-packages', requirements ? `packages the base already has are reused; ${requirements} is installed on top` : 'no requirements: the base image\'s packages are used as they are and no step needs PyPI');

  const ownedPaths = [...new Set([MARKER_DIR, ...volumes.map((v) => v.mountPath)])];
  const specRef = posix(path.relative(input.outDir, path.resolve(spec.file))) || path.basename(spec.file);
  const model: WorkflowModel = {
    toolVersion: input.toolVersion,
    name: doc.metadata.name,
    namespace: doc.metadata.namespace ?? doc.metadata.name,
    specRef,
    framework: doc.spec.framework,
    ...(doc.spec.frameworkVersion ? { frameworkVersion: doc.spec.frameworkVersion } : {}),
    python: doc.spec.python,
    labels: Object.entries(doc.metadata.labels ?? {}),
    facts: input.factsOrigin,
    emit: input.emit,
    build: {
      context,
      dockerfile: dockerfileRel,
      ...(requirements ? { requirements } : {}),
      baseImage: base.image,
      baseKind: base.kind,
      installPython: base.installPython,
      imagePython: base.python,
      ...(base.cuda ? { cuda: base.cuda } : {}),
      accelerator,
      buildkit: input.buildkit ?? false,
      uid: APP_UID,
      ownedPaths,
      labels,
    },
    gpu: { vendor, resourceName, swarmResourceKind, tolerations, nodeSelector, ...(runtimeClassName ? { runtimeClassName } : {}) },
    volumes,
    stages,
    ordering,
    kubernetesMeta: kubernetesMeta(doc.metadata.name, doc.metadata.labels ?? {}, decide, (w) => warnings.push(w)),
    addons: {},
    platforms,
    dataSources,
    lambda,
    kubernetes: { lightweight: lightweight.on, hpa },
    decisions,
    warnings,
  };
  // Each add-on decides what it needs once, here, with reasons like every other decision.
  for (const name of input.with ?? []) {
    model.addons[name] = ADDONS[name].plan({ model, ...(facts ? { facts } : {}), spec: doc, decide, warn: (w) => warnings.push(w) });
  }
  return model;
}

// ---------------------------------------------------------------- base image

interface BaseChoice {
  image: string;
  kind: WorkflowModel['build']['baseKind'];
  python: string;
  cuda?: string;
  installPython: boolean;
}

function chooseBase(o: {
  framework: string;
  frameworkVersion?: string;
  python: string;
  accelerator: Accelerator;
  maxCuda?: string;
  data: CompatData;
  override?: { image: string; why: string };
  decide: (topic: string, choice: string, reason: string) => void;
  warn: (w: string) => void;
}): BaseChoice {
  const { data, decide } = o;
  if (o.override) {
    if (/:latest$/.test(o.override.image) || !/:[^/]+$|@sha256:/.test(o.override.image)) {
      o.warn(`base image ${o.override.image} has no explicit tag (or is :latest): builds are not reproducible`);
    }
    decide('base-image', o.override.image, `${o.override.why}; assumed to provide python3${o.accelerator !== 'cpu' ? ' and the GPU runtime libraries' : ''}`);
    return { image: o.override.image, kind: 'custom', python: o.python, installPython: false };
  }
  const cpuImage = (): BaseChoice => {
    if (!data.images.cpu.pythons.includes(o.python)) o.warn(`python ${o.python} is not in the CPU image table (${data.images.cpu.pythons.join(', ')})`);
    return { image: data.images.cpu.image.replace('{python}', o.python), kind: 'python', python: o.python, installPython: false };
  };
  const alias = data.images.aliases[o.framework];
  const fwName = alias?.framework ?? o.framework;
  const fw = data.images.frameworks[fwName];
  const cudaTable = data.images.cuda;

  if (o.accelerator === 'amd') {
    if (fwName === 'pytorch') {
      const r = data.images.rocm.pytorch;
      decide('base-image', r.image, `AMD GPUs: the ROCm PyTorch image (ROCm ${r.rocm}) from ${data.images.rocm.source}`);
      return { image: r.image, kind: 'rocm', python: r.python, installPython: false };
    }
    o.warn(`no ROCm image for ${o.framework} in the compatibility data: CPU image`);
    const c = cpuImage();
    decide('base-image', c.image, `AMD GPUs but no ROCm image for ${o.framework}`);
    return c;
  }

  // Framework image (pytorch, tensorflow), GPU or TensorFlow CPU.
  if (fw) {
    const wanted = fwName === o.framework ? o.frameworkVersion : undefined;
    const version = wanted ? matchVersion(wanted, Object.keys(fw.versions)) : fw.default;
    if (wanted && !version) o.warn(`${o.framework} ${wanted} is not in ${path.basename('base-images.json')}: ${o.accelerator === 'cpu' ? 'CPU' : 'plain CUDA'} image, the framework comes from requirements`);
    if (alias && o.frameworkVersion) decide('framework.version', `${fwName} ${fw.default} image`, `${alias.why}; spec.frameworkVersion ${o.frameworkVersion} is the ${o.framework} version, installed from requirements`);
    if (version) {
      const entry = fw.versions[version]!;
      if (o.accelerator === 'nvidia') {
        const builds = newestFirst(Object.keys(entry.cuda));
        let cuda = o.maxCuda ? builds.find((b) => compareVersions(b, o.maxCuda!) <= 0) : builds[0];
        let chosenVersion = version;
        let chosenEntry = entry;
        if (!cuda && !wanted) {
          // Not pinned: the newest framework version with a build the driver runs.
          for (const v of newestFirst(Object.keys(fw.versions))) {
            const b = newestFirst(Object.keys(fw.versions[v]!.cuda)).find((x) => compareVersions(x, o.maxCuda!) <= 0);
            if (b) {
              cuda = b;
              chosenVersion = v;
              chosenEntry = fw.versions[v]!;
              break;
            }
          }
        }
        if (!cuda) {
          cuda = builds[builds.length - 1]!;
          o.warn(`${fwName} ${version} has no CUDA build the lowest driver runs (CUDA ≤ ${o.maxCuda}); using its oldest build, CUDA ${cuda}`);
        }
        const tag = chosenEntry.cuda[cuda]!;
        const image = fw.image.replace('{tag}', tag).replace('{flavour}', fw.flavours.runtime).replace(/-$/, '');
        decide('base-image', image,
          `${fwName} ${chosenVersion}${chosenVersion !== version ? ` (newest with a build for CUDA ≤ ${o.maxCuda}; ${version} has none)` : ''}: its CUDA ${cuda} build${o.maxCuda ? `, the newest ≤ the ceiling ${o.maxCuda}` : ', the newest it has'}; ${fw.flavours.runtime ? 'runtime flavour (devel only to compile CUDA extensions)' : 'official GPU image'}; from ${fw.source}`);
        decide('cuda', cuda, `the CUDA of ${image}`);
        if (chosenEntry.python !== o.python) decide('python', chosenEntry.python, `the image's Python; the spec asks for ${o.python}, which the official ${fwName} image does not ship`);
        return { image, kind: 'framework', python: chosenEntry.python, cuda, installPython: false };
      }
      if (entry.cpu) {
        const image = fw.image.replace('{tag}', entry.cpu);
        decide('base-image', image, `${fwName} ${version} CPU image from ${fw.source}`);
        if (entry.python !== o.python) decide('python', entry.python, `the image's Python; the spec asks for ${o.python}`);
        return { image, kind: 'framework', python: entry.python, installPython: false };
      }
    }
  }

  if (o.accelerator === 'nvidia') {
    const builds = newestFirst(Object.keys(cudaTable.runtime));
    let cuda = o.maxCuda ? builds.find((b) => compareVersions(b, o.maxCuda!) <= 0) : cudaTable.default;
    if (!cuda) {
      cuda = builds[builds.length - 1]!;
      o.warn(`no CUDA image the lowest driver runs (CUDA ≤ ${o.maxCuda}); using CUDA ${cuda}`);
    }
    const image = cudaTable.runtime[cuda]!;
    decide('base-image', image, `${o.framework} has no official CUDA image: NVIDIA's CUDA ${cuda} runtime image${o.maxCuda ? ` (newest ≤ the ceiling ${o.maxCuda})` : ' (the table default)'}, with Ubuntu's python3 added; from ${cudaTable.source}`);
    decide('cuda', cuda, `the CUDA of ${image}`);
    if (cudaTable.python !== o.python) decide('python', cudaTable.python, `Ubuntu 22.04's python3; the spec asks for ${o.python}`);
    return { image, kind: 'cuda', python: cudaTable.python, cuda, installPython: true };
  }
  const c = cpuImage();
  decide('base-image', c.image, `no GPU: the official slim Python ${o.python} image (the framework comes from requirements); from ${data.images.cpu.source}`);
  return c;
}

// ---------------------------------------------------------------- storage

function chooseStorage(
  name: string,
  shared: boolean,
  specClass: string | undefined,
  cluster: ClusterView,
  decide: (topic: string, choice: string, reason: string) => void,
  warn: (w: string) => void,
  /** The class to name when the facts list none (local-path on k3s and edge devices). */
  fallbackClass?: string,
): { storageClass?: string; accessMode: ModelVolume['accessMode'] } {
  const storage = cluster.storage;
  const rwx = new Set(storage?.readWriteMany ?? []);
  for (const c of storage?.classes ?? []) if (c.readWriteMany) rwx.add(c.name);
  let storageClass: string | undefined;
  if (specClass) {
    storageClass = specClass;
    if (storage && !storage.classes.some((c) => c.name === specClass)) warn(`volume ${name}: storage class ${specClass} (from the spec) is not in the cluster`);
    decide(`storage.class:${name}`, specClass, 'spec.volumes[].storageClass');
  } else if (storage) {
    const def = storage.defaultClass ?? storage.classes.find((c) => c.default)?.name;
    if (shared && def && !rwx.has(def) && rwx.size > 0) {
      storageClass = [...rwx].sort()[0]!;
      decide(`storage.class:${name}`, storageClass, `shared volume: the default class ${def} does not support ReadWriteMany, ${storageClass} does`);
    } else if (def) {
      storageClass = def;
      decide(`storage.class:${name}`, def, 'the cluster\'s default StorageClass');
    } else if (storage.classes.length) {
      storageClass = storage.classes[0]!.name;
      decide(`storage.class:${name}`, storageClass, 'the cluster has no default StorageClass; the first one listed');
    } else {
      decide(`storage.class:${name}`, 'none', 'the cluster has no StorageClass: bind a PersistentVolume by hand');
      warn(`volume ${name}: the cluster has no StorageClass; the PVC stays Pending until a PersistentVolume is bound`);
    }
  } else if (fallbackClass) {
    storageClass = fallbackClass;
    decide(`storage.class:${name}`, fallbackClass, `no StorageClass in the facts; k3s and edge clusters provision node-local volumes with ${fallbackClass} (ReadWriteOnce only)`);
  } else {
    decide(`storage.class:${name}`, 'cluster default', 'no cluster facts: storageClassName is left out so the cluster default applies');
  }
  let accessMode: ModelVolume['accessMode'] = 'ReadWriteOnce';
  if (shared) {
    if (storageClass && rwx.has(storageClass)) {
      accessMode = 'ReadWriteMany';
      decide(`storage.access:${name}`, 'ReadWriteMany', `shared volume and ${storageClass} supports ReadWriteMany`);
    } else {
      decide(`storage.access:${name}`, 'ReadWriteOnce',
        storage ? `shared volume, but no class known to support ReadWriteMany: pods sharing it must run on one node` : 'shared volume, but without cluster facts ReadWriteMany support is unknown; ReadWriteOnce binds everywhere (pods sharing it must run on one node)');
      warn(`volume ${name} is shared but ReadWriteOnce on Kubernetes: the pods that mount it must land on the same node`);
    }
  } else {
    decide(`storage.access:${name}`, 'ReadWriteOnce', 'not shared');
  }
  return { ...(storageClass ? { storageClass } : {}), accessMode };
}

// ---------------------------------------------------------------- stages

function startPeriod(framework: string, gpu: boolean, type: string): number {
  if (type !== 'service') return 0;
  if (framework === 'huggingface') return 600;
  if (['pytorch', 'tensorflow'].includes(framework) || gpu) return 300;
  return 60;
}

function planStage(
  s: StageDoc,
  framework: string,
  o: {
    registry?: string;
    tag: string;
    name: string;
    composeGets: boolean;
    k8sGets: boolean;
    cluster: ClusterView;
    decide: (topic: string, choice: string, reason: string) => void;
    warn: (w: string) => void;
    defaults: { cpu: string; memory: string };
    /** Every data source of the spec (a stage without its own list uses them all). */
    dataSources: string[];
    k8s: boolean;
  },
): ModelStage {
  const gpuRequested = s.resources?.gpu ?? 0;
  const cpu = s.resources?.cpu !== undefined ? String(s.resources.cpu) : o.defaults.cpu;
  const memory = s.resources?.memory !== undefined ? String(s.resources.memory) : o.defaults.memory;
  const memoryBytes = quantityBytes(memory);
  if (s.resources?.cpu === undefined || s.resources?.memory === undefined) {
    o.decide(`resources:${s.name}`, `cpu ${cpu}, memory ${memory}`,
      `the spec leaves them out: ${o.defaults.cpu === DEFAULT_CPU ? 'defaults' : 'small defaults for k3s and edge devices'}, so every container has requests and limits`);
  }
  const replicas = s.replicas ?? 1;
  const stage: ModelStage = {
    name: s.name,
    type: s.type,
    needs: [...(s.needs ?? [])],
    command: [...s.command],
    env: Object.entries(s.env ?? {}),
    secrets: (s.secrets ?? []).map((x) => ({ name: x.name, keys: [...x.keys] })),
    volumes: [...(s.volumes ?? [])],
    cpu,
    cpuCores: parseQuantity(cpu),
    memory,
    memoryBytes,
    gpuRequested,
    gpu: { compose: o.composeGets ? gpuRequested : 0, kubernetes: o.k8sGets ? gpuRequested : 0 },
    replicas,
    ...(s.port !== undefined ? { port: s.port } : {}),
    ...(s.healthPath !== undefined ? { healthPath: s.healthPath } : {}),
    ...(s.autoscale ? { autoscale: { min: s.autoscale.min, max: s.autoscale.max, targetCPUUtilization: s.autoscale.targetCPUUtilization ?? 80 } } : {}),
    startPeriodSeconds: startPeriod(framework, gpuRequested > 0, s.type),
    image: `${o.registry ? `${o.registry.replace(/\/+$/, '')}/` : ''}${o.name}-${s.name}:${o.tag}`,
    target: `stage-${s.name}`,
    dataSources: s.dataSources ? [...s.dataSources] : [...o.dataSources],
    ...(s.type === 'service' ? { serving: s.serving ?? 'deployment' } : {}),
  };
  if (s.type === 'service' && s.serving === 'knative' && o.k8s) planKnative(s, stage, o);
  if (s.type === 'service' && o.k8sGets && gpuRequested > 0) {
    o.decide(`k8s.rollout:${s.name}`, 'maxSurge 0, maxUnavailable 1', 'a GPU Deployment that surges needs spare GPUs for every update; it replaces pods in place instead');
  }
  if (s.type === 'service') {
    o.decide(`compose.ports:${s.name}`, `127.0.0.1:${s.port}:${s.port}`, 'published on the loopback address only: reachable from this machine, not from the network (Swarm publishes through its ingress)');
    if (s.serving !== 'knative') {
      o.decide(`k8s.autoscale:${s.name}`, s.autoscale ? `HPA ${s.autoscale.min}–${s.autoscale.max} at ${s.autoscale.targetCPUUtilization ?? 80}% CPU` : `none (${replicas} replica${replicas === 1 ? '' : 's'})`,
        s.autoscale ? 'spec autoscale; CPU requests are always set, which the HPA needs' : 'the spec sets no autoscale: a fixed replica count, no HorizontalPodAutoscaler');
    }
    o.decide(`healthcheck:${s.name}`, `${s.healthPath ? `HTTP GET ${s.healthPath}` : 'TCP connect'} on ${s.port}, start period ${stage.startPeriodSeconds}s`,
      `${s.healthPath ? 'spec healthPath' : 'no healthPath in the spec: a TCP check'}; the start period covers model loading (${framework}${gpuRequested ? ', GPU' : ''})`);
  }
  if (framework === 'pytorch' || framework === 'huggingface') {
    stage.shmBytes = Math.min(8 * GiB, Math.max(256 * MiB, Math.floor(memoryBytes / 2 / MiB) * MiB));
    o.decide(`shm:${s.name}`, `${stage.shmBytes / MiB}Mi`, 'PyTorch DataLoader workers and NCCL use /dev/shm (Docker\'s default is 64 MiB): half the memory request, at least 256 MiB, at most 8 GiB');
  }
  if (s.type === 'batch' && replicas > 1) {
    if (framework === 'pytorch') {
      const mode = o.cluster.trainingOperator ? 'pytorchjob' : 'indexed-job';
      const head = s.command[0] ?? '';
      const viaTorchrun = mode === 'indexed-job' && /^python[0-9.]*$/.test(path.posix.basename(head));
      const command = viaTorchrun ? ['torchrun', ...s.command.slice(1)] : [...s.command];
      stage.distributed = { mode, replicas, nprocPerNode: Math.max(1, gpuRequested), command };
      o.decide(`distributed:${s.name}`, mode === 'pytorchjob' ? `PyTorchJob (1 master + ${replicas - 1} workers)` : `Indexed Job × ${replicas} + headless Service`,
        mode === 'pytorchjob' ? 'the facts show the Kubeflow Training Operator' : `${o.cluster.known ? 'no Kubeflow Training Operator in the facts' : 'no cluster facts'}: an Indexed Job with a static torchrun rendezvous on pod 0${viaTorchrun ? `; "${head}" is replaced by torchrun, which reads PET_* variables` : ''}`);
      o.decide(`distributed.compose:${s.name}`, '1 container', 'compose and swarm run a distributed stage as one container with the spec command (the Kubernetes rendezvous needs several pods)');
    } else {
      o.warn(`stage ${s.name}: replicas ${replicas} on a ${framework} batch stage are run as independent parallel pods (only pytorch gets distributed training)`);
    }
  }
  return stage;
}

// ---------------------------------------------------------------- k3s, edge devices

/** k3s in the facts, or an edge device as the host when no other cluster is described. */
function lightweightTarget(facts: Facts | undefined, cluster: ClusterView): { on: boolean; why: string } {
  if (cluster.k8s?.distribution === 'k3s') return { on: true, why: `the cluster is k3s${cluster.k8s.distributionEvidence ? ` (${cluster.k8s.distributionEvidence})` : ''}` };
  if (!facts || !facts.targets.includes('local') || cluster.known) return { on: false, why: '' };
  const jetson = ok(facts.host.jetson);
  if (jetson?.present) return { on: true, why: `the host is a Jetson module${jetson.model ? ` (${jetson.model})` : ''}` };
  const os = ok(facts.host.os);
  const memory = ok(facts.host.memory);
  if (os && os.platform === 'linux' && /^(aarch64|arm64|armv\d)/.test(os.arch) && memory && memory.totalBytes <= 8 * GiB) {
    return { on: true, why: `the host is an edge device (${os.arch}, ${Math.round(memory.totalBytes / GiB)} GiB of memory: the edge profile)` };
  }
  return { on: false, why: '' };
}

// ---------------------------------------------------------------- Knative

function planKnative(
  s: StageDoc,
  stage: ModelStage,
  o: { cluster: ClusterView; decide: (topic: string, choice: string, reason: string) => void; warn: (w: string) => void },
): void {
  const [min, max] = s.autoscale ? [s.autoscale.min, s.autoscale.max] : [stage.replicas, stage.replicas];
  o.decide(`k8s.serving:${s.name}`, 'Knative Service (serving.knative.dev/v1)',
    'spec serving: knative: one Knative Service replaces the Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget; Knative routes requests, scales and rolls out revisions (the same object is what Cloud Run reads)');
  o.decide(`k8s.autoscale:${s.name}`, `Knative ${min}–${max} pods`,
    `autoscaling.knative.dev/minScale and maxScale from ${s.autoscale ? 'spec autoscale' : 'the replica count (no autoscale)'}; Knative's autoscaler scales on concurrent requests${s.autoscale?.targetCPUUtilization !== undefined ? ', targetCPUUtilization applies to HPAs only' : ''}${min === 0 ? '; minScale 0 scales to zero and every cold start loads the model again' : ''}`);
  const addons = o.cluster.k8s ? ok(o.cluster.k8s.addons) : undefined;
  if (addons && !addons.knativeServing) {
    o.warn(`stage ${s.name} asks for serving: knative, but the cluster facts show no Knative Serving (services.serving.knative.dev): install Knative Serving, or drop serving: knative for a Deployment`);
  }
}

/** Knative features (config-features in knative-serving) a Knative Service of this stage needs. */
export function knativeFeatureFlags(stage: ModelStage, waits: boolean, gpu: { tolerations: unknown[]; nodeSelector: unknown[]; runtimeClassName?: string }): string[] {
  const flags: string[] = [];
  if (stage.volumes.length) flags.push('kubernetes.podspec-persistent-volume-claim', 'kubernetes.podspec-persistent-volume-write');
  if (waits) flags.push('kubernetes.podspec-init-containers');
  if (stage.gpu.kubernetes > 0) {
    if (gpu.tolerations.length) flags.push('kubernetes.podspec-tolerations');
    if (gpu.nodeSelector.length) flags.push('kubernetes.podspec-nodeselector');
    if (gpu.runtimeClassName) flags.push('kubernetes.podspec-runtimeclassname');
  }
  return flags;
}

// ---------------------------------------------------------------- AWS Lambda

function planLambda(o: {
  stages: ModelStage[];
  spec: LoadedSpec['doc'];
  registry?: string;
  tag: string;
  context: string;
  outDir: string;
  platform: ModelLambda['platform'];
  decide: (topic: string, choice: string, reason: string) => void;
  warn: (w: string) => void;
}): ModelLambda[] {
  const out: ModelLambda[] = [];
  const services = o.stages.filter((s) => s.type === 'service');
  for (const s of services) {
    if (s.gpuRequested > 0) {
      o.warn(`--emit lambda: stage ${s.name} requests GPUs and Lambda has none: no Lambda image for it`);
      continue;
    }
    const python = lambdaPython(o.spec.spec.python);
    const wantMiB = Math.ceil(s.memoryBytes / MiB);
    const memoryMiB = Math.min(LAMBDA_MAX_MIB, Math.max(LAMBDA_MIN_MIB, wantMiB));
    if (wantMiB > LAMBDA_MAX_MIB) o.warn(`--emit lambda: stage ${s.name} asks for ${s.memory} of memory; Lambda's maximum is ${LAMBDA_MAX_MIB} MiB (10 GiB): the function is sized at the maximum and may run out of memory`);
    const startSeconds = Math.max(30, s.startPeriodSeconds);
    const timeoutSeconds = Math.min(900, startSeconds + 30);
    const dockerfilePath = `Dockerfile.lambda-${s.name}`;
    const rel = (file: string) => posix(path.relative(o.context, path.join(o.outDir, file)));
    const image = `${o.registry ? `${o.registry.replace(/\/+$/, '')}/` : ''}${o.spec.metadata.name}-${s.name}-lambda:${o.tag}`;
    out.push({
      stage: s.name,
      dockerfilePath,
      adapterPath: LAMBDA_ADAPTER,
      dockerfile: rel(dockerfilePath),
      adapter: rel(LAMBDA_ADAPTER),
      platform: o.platform,
      baseImage: `${LAMBDA_BASE}:${python.tag}`,
      python: python.tag,
      image,
      memoryMiB,
      timeoutSeconds,
      startSeconds,
    });
    o.decide(`lambda:${s.name}`, `${LAMBDA_BASE}:${python.tag}, ${memoryMiB} MiB, timeout ${timeoutSeconds}s`,
      `--emit lambda: AWS's Lambda Python image (it carries the runtime interface client); the handler mlready_lambda.handler starts the stage command and proxies API Gateway, ALB and function-URL events to it on port ${s.port}; memory from the stage (${s.memory}); the timeout covers the start (${startSeconds}s)${python.note ? `; ${python.note}` : ''}`);
  }
  if (!out.length) o.warn(`--emit lambda: no CPU service stage${services.length ? ' (every service stage requests GPUs)' : ''}: no Lambda image is written`);
  else o.decide('lambda.platform', o.platform, o.platform === 'linux/arm64' ? '--platforms lists linux/arm64 first: the functions run on Graviton (arm64)' : 'x86_64 functions (--platforms does not put linux/arm64 first); Lambda runs each function on one architecture');
  return out;
}

// ---------------------------------------------------------------- ordering

function planOrdering(
  stages: ModelStage[],
  volumes: ModelVolume[],
  cluster: ClusterView,
  name: string,
  decide: (topic: string, choice: string, reason: string) => void,
  warn: (w: string) => void,
): WorkflowModel['ordering'] {
  const batch = stages.filter((s) => s.type === 'batch');
  // Kubernetes: consecutive non-distributed batch stages (dependency order) form one Job whose init
  // containers run them in order; a distributed stage is its own unit. Units run one after another,
  // each gated on the previous unit's marker files.
  const units: BatchUnit[] = [];
  let chain: string[] = [];
  const flush = () => {
    if (!chain.length) return;
    units.push({ kind: 'chain', name: '', stages: chain, waitFor: [], done: [] });
    chain = [];
  };
  for (const s of batch) {
    if (s.distributed) {
      flush();
      units.push({ kind: s.distributed.mode, name: `${name}-${s.name}`, stages: [s.name], waitFor: [], done: [] });
    } else chain.push(s.name);
  }
  flush();
  const chains = units.filter((u) => u.kind === 'chain');
  chains.forEach((u, i) => (u.name = chains.length === 1 && units.length === 1 ? `${name}-pipeline` : `${name}-pipeline-${i + 1}`));
  const unitOf = new Map<string, number>();
  units.forEach((u, i) => u.stages.forEach((st) => unitOf.set(st, i)));
  const byName = new Map(stages.map((st) => [st.name, st]));
  // Who reads each unit's markers: the next unit's first stage, and the services that need it.
  const readers = new Map<number, ModelStage[]>();
  const addReader = (i: number, st: ModelStage) => readers.set(i, [...(readers.get(i) ?? []), st]);
  for (let i = 1; i < units.length; i++) addReader(i - 1, byName.get(units[i]!.stages[0]!)!);
  const serviceUnit = new Map<string, number>();
  for (const st of stages.filter((x) => x.type === 'service')) {
    const needed = st.needs.map((n) => unitOf.get(n)).filter((i): i is number => i !== undefined);
    if (!needed.length) continue;
    serviceUnit.set(st.name, Math.max(...needed));
    addReader(Math.max(...needed), st);
  }
  // Markers go on a spec volume the writer (the unit's last stage) mounts — preferably a shared one
  // its readers mount too — so the data and the marker saying it is complete travel together.
  const volumeByName = new Map(volumes.map((v) => [v.name, v]));
  const markersOf = (i: number): Marker[] => {
    const u = units[i]!;
    const writer = byName.get(u.stages[u.stages.length - 1]!)!;
    const rs = readers.get(i) ?? [];
    const score = (v: string) => (volumeByName.get(v)?.shared ? 100 : 0) + rs.filter((r) => r.volumes.includes(v)).length;
    const volume = [...writer.volumes].sort((a, b) => score(b) - score(a))[0];
    const dir = volume ? `${volumeByName.get(volume)!.mountPath.replace(/\/+$/, '')}/.mlready` : MARKER_DIR;
    const at = (file: string): Marker => ({ path: `${dir}/${file}`, ...(volume ? { volume } : {}) });
    if (u.kind === 'indexed-job') return Array.from({ length: writer.distributed!.replicas }, (_, r) => at(`${u.name}.${r}.done`));
    return [at(`${u.name}.done`)];
  };
  for (const i of readers.keys()) units[i]!.done = markersOf(i);
  for (let i = 1; i < units.length; i++) units[i]!.waitFor = units[i - 1]!.done;
  const serviceWaits: Record<string, Marker[]> = {};
  for (const [service, i] of serviceUnit) serviceWaits[service] = units[i]!.done;
  if (units.length > 1 || units.length === 1 && units[0]!.stages.length > 1) {
    decide('k8s.batch-order', units.map((u) => `${u.name} [${u.stages.join(' → ')}]`).join(' ⇒ '),
      'stages of a chain run as ordered init containers of one Job (the kubelet runs each only after the previous succeeded); separate units wait for marker files on a shared volume. No pod talks to the API server');
  } else if (units.length === 1) {
    decide('k8s.batch-order', `${units[0]!.name} [${units[0]!.stages[0]}]`, 'a single batch stage: one Job');
  }
  if (cluster.argo) decide('k8s.argo', 'not used', 'Argo Workflows is installed, but its executor needs API access from the pods; init-container chains need none');
  for (const [i, u] of units.entries()) {
    if (!u.done.length) continue;
    const m = u.done[0]!;
    decide(`k8s.markers:${u.name}`, `${m.path.replace(/\/[^/]+$/, '/')}${u.done.length > 1 ? `${u.name}.<rank>.done` : m.path.split('/').pop()}${m.volume ? ` on volume ${m.volume}` : ` on PVC ${name}-mlready-state`}`,
      `${(readers.get(i) ?? []).map((r) => r.name).join(', ')} wait for it in an init container${m.volume ? `; ${m.volume} is a volume ${u.stages[u.stages.length - 1]} writes` : `; ${u.stages[u.stages.length - 1]} mounts no volume to share`}`);
  }
  const needsState = units.some((u) => u.done.some((m) => !m.volume));
  let k8sStateVolume: WorkflowModel['ordering']['k8sStateVolume'];
  if (needsState) {
    const rwxClass = cluster.storage ? [...new Set([...cluster.storage.readWriteMany, ...cluster.storage.classes.filter((c) => c.readWriteMany).map((c) => c.name)])].sort()[0] : undefined;
    k8sStateVolume = {
      claimName: `${name}-mlready-state`,
      size: '64Mi',
      accessMode: rwxClass ? 'ReadWriteMany' : 'ReadWriteOnce',
      ...(rwxClass ? { storageClass: rwxClass } : {}),
    };
    decide('k8s.state-volume', `PVC ${name}-mlready-state (${k8sStateVolume.accessMode}) at ${MARKER_DIR}`,
      `a unit that waits or is waited for mounts no spec volume: its markers need a small volume of their own${rwxClass ? `; ${rwxClass} supports ReadWriteMany` : '; ReadWriteOnce: the gated pods must share a node (no ReadWriteMany class known)'}`);
    if (!rwxClass) warn(`the ordering markers live on a ReadWriteOnce volume (${name}-mlready-state): gated pods must run on the same node`);
  }
  // Swarm: every stage waits for the markers of the batch stages it needs and writes its own.
  const swarm: WorkflowModel['ordering']['swarm'] = {};
  const batchNames = new Set(batch.map((s) => s.name));
  const neededBySomeone = new Set(stages.flatMap((s) => s.needs).filter((n) => batchNames.has(n)));
  for (const s of stages) {
    swarm[s.name] = {
      waitFor: s.needs.filter((n) => batchNames.has(n)).map((n) => `${MARKER_DIR}/${n}.done`),
      ...(s.type === 'batch' && neededBySomeone.has(s.name) ? { done: `${MARKER_DIR}/${s.name}.done` } : {}),
    };
  }
  decide('swarm.resources', 'limits; GPU reservations only', 'stages waiting for their markers would hold CPU and memory reservations and could starve the stage they wait for on a small swarm');
  if (neededBySomeone.size) {
    decide('swarm.order', `marker files on the volume mlready-state at ${MARKER_DIR}`,
      'docker stack ignores depends_on: each stage waits for the markers of the batch stages it needs (single node, or a volume driver shared by the nodes)');
  }
  const serviceOnService = stages.filter((s) => s.type === 'service' && s.needs.some((n) => !batchNames.has(n)));
  if (serviceOnService.length) {
    decide('order.services', 'readiness, not ordering', `${serviceOnService.map((s) => s.name).join(', ')} need other services: compose waits for them to be healthy; Kubernetes and Swarm rely on readiness probes and restarts`);
  }
  return { markerDir: MARKER_DIR, ...(k8sStateVolume ? { k8sStateVolume } : {}), units, serviceWaits, swarm };
}

// ---------------------------------------------------------------- metadata.labels on Kubernetes

const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

function kubernetesMeta(
  name: string,
  labels: Record<string, string>,
  decide: (topic: string, choice: string, reason: string) => void,
  warn: (w: string) => void,
): WorkflowModel['kubernetesMeta'] {
  const out: WorkflowModel['kubernetesMeta'] = { labels: {}, annotations: {} };
  for (const [k, v] of Object.entries(labels)) {
    const keyOk = QUALIFIED_NAME.test(k) && (k.split('/')[0]!.length <= 253 || !k.includes('/'));
    if (!keyOk) {
      warn(`metadata.labels key ${JSON.stringify(k)} is not a valid Kubernetes label or annotation key: left out of the manifests (kept in compose labels)`);
      continue;
    }
    if (k.startsWith('app.kubernetes.io/')) {
      // mlready sets these itself (selectors rely on them): a spec value that differs is kept as an annotation.
      if (!(k === 'app.kubernetes.io/part-of' && v === name) && !(k === 'app.kubernetes.io/name' && v === name)) out.annotations[k] = v;
    } else if (LABEL_VALUE.test(v)) out.labels[k] = v;
    else out.annotations[k] = v;
  }
  if (Object.keys(out.annotations).length) {
    decide('k8s.labels', 'annotations for some', `metadata.labels ${Object.keys(out.annotations).map((k) => JSON.stringify(k)).join(', ')} are not valid label values, or differ from the app.kubernetes.io/ labels mlready sets: written as annotations`);
  }
  return out;
}
