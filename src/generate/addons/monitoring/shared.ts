/**
 * What `--with monitoring` and `--with alerting` share: which stages expose metrics and where, what the
 * cluster facts say about the monitoring stack, the names and images of the compose services, the
 * labels every scraped series carries (`workflow`, `stage`), and the PromQL the dashboard and the alert
 * rules are built from — one place, so a panel and the alert about the same thing query the same series.
 */
import type { Facts } from '../../../facts/schema.js';
import type { WorkflowDoc } from '../../../workflow/schema.js';
import type { ModelStage, WorkflowModel } from '../../../workflow/model.js';
import type { Obj } from '../types.js';

/** Pinned images of the compose monitoring profile (never `latest`; bump deliberately). */
export const IMAGES = {
  prometheus: 'prom/prometheus:v2.53.2',
  grafana: 'grafana/grafana:11.2.0',
  alertmanager: 'prom/alertmanager:v0.27.0',
  // NVIDIA's tag scheme: <DCGM version>-<exporter version>-<base image>.
  dcgmExporter: 'nvcr.io/nvidia/k8s/dcgm-exporter:3.3.5-3.4.1-ubuntu22.04',
} as const;

/** The compose profile every monitoring and alerting service belongs to. */
export const PROFILE = 'monitoring';
/** The Grafana data source provisioned for compose; the dashboard's panels reference it by uid. */
export const DATASOURCE_UID = 'mlready-prometheus';
export const DCGM_PORT = 9400;
/** Where the compose Alertmanager finds the credential files (./monitoring/secrets, mounted read-only). */
export const SECRETS_DIR = '/etc/alertmanager/secrets';
/** Conventional request metrics (prometheus_client, prometheus-fastapi-instrumentator, most HTTP middlewares). */
export const REQUESTS_TOTAL = 'http_requests_total';
export const REQUEST_DURATION = 'http_request_duration_seconds';

/** A stage whose metrics are scraped. */
export interface MetricsTarget {
  stage: string;
  type: 'batch' | 'service';
  port: number;
  path: string;
  /** `metrics:` in the spec (false: defaulted from the stage's port). */
  declared: boolean;
}

/**
 * Service stages always (default: the stage's port and /metrics); batch stages only when the spec
 * declares `metrics.port` (a training loop exporting its own metrics while it runs).
 */
export function metricsTargets(model: WorkflowModel, spec: WorkflowDoc, warn?: (w: string) => void): MetricsTarget[] {
  const out: MetricsTarget[] = [];
  for (const s of model.stages) {
    const declared = spec.spec.stages.find((x) => x.name === s.name)?.metrics;
    const port = declared?.port ?? s.port;
    if (port === undefined) {
      if (declared) warn?.(`stage "${s.name}" declares metrics without a port (a batch stage has no default port): it is not scraped`);
      continue;
    }
    out.push({ stage: s.name, type: s.type, port, path: declared?.path ?? '/metrics', declared: declared !== undefined });
  }
  return out;
}

/** What the facts say about the cluster's monitoring stack; `known` false when they say nothing usable. */
export interface ClusterMonitoring {
  known: boolean;
  /** Why nothing is known, or where the facts came from. */
  evidence: string;
  operator: boolean;
  prometheus?: boolean;
  grafana?: boolean;
  alertmanager: boolean;
  kubeStateMetrics?: boolean;
  dcgmExporter?: boolean;
}

export function clusterMonitoring(facts: Facts | undefined): ClusterMonitoring {
  const none = (evidence: string): ClusterMonitoring => ({ known: false, evidence, operator: false, alertmanager: false });
  if (!facts) return none('no facts');
  const k8s = facts.cluster?.kubernetes;
  if (!k8s || k8s.status !== 'available') return none(k8s?.reason ? `no cluster in the facts (${k8s.reason})` : 'no cluster in the facts');
  const addons = k8s.addons;
  if (!addons) return none('the facts hold no cluster add-ons');
  if (addons.status !== 'ok') return none(`cluster add-ons could not be read (${addons.reason})`);
  const gpuSoftware = k8s.gpuSoftware?.status === 'ok' ? k8s.gpuSoftware : undefined;
  return {
    known: true,
    evidence: 'cluster facts',
    operator: addons.prometheusOperator,
    ...(addons.prometheus !== undefined ? { prometheus: addons.prometheus } : {}),
    ...(addons.grafana !== undefined ? { grafana: addons.grafana } : {}),
    alertmanager: addons.alertmanager,
    ...(addons.kubeStateMetrics !== undefined ? { kubeStateMetrics: addons.kubeStateMetrics } : {}),
    ...(gpuSoftware ? { dcgmExporter: gpuSoftware.dcgmExporter.present } : {}),
  };
}

/** NVIDIA GPUs anywhere in the workflow (the dashboard's and the alerts' GPU part reads DCGM metrics). */
export function usesNvidiaGpus(model: WorkflowModel, where: 'compose' | 'kubernetes' | 'any' = 'any'): boolean {
  if (model.gpu.vendor !== 'nvidia') return false;
  return model.stages.some((s) => (where === 'compose' ? s.gpu.compose : where === 'kubernetes' ? s.gpu.kubernetes : Math.max(s.gpu.compose, s.gpu.kubernetes, s.gpuRequested)) > 0);
}

/** Compose service names of the add-ons: the usual name, unless a stage already has it. */
export function composeServiceNames(model: WorkflowModel): { prometheus: string; grafana: string; alertmanager: string; dcgmExporter: string } {
  const taken = new Set(model.stages.map((s) => s.name));
  const pick = (name: string) => (taken.has(name) ? `mlready-${name}` : name);
  return { prometheus: pick('prometheus'), grafana: pick('grafana'), alertmanager: pick('alertmanager'), dcgmExporter: pick('dcgm-exporter') };
}

/** A host port for 127.0.0.1 publishing that no stage publishes already. */
export function hostPort(model: WorkflowModel, wanted: number, alsoTaken: number[] = []): number {
  const taken = new Set([...model.stages.flatMap((s) => (s.port !== undefined ? [s.port] : [])), ...alsoTaken]);
  let port = wanted;
  while (taken.has(port)) port++;
  return port;
}

/** Labels compose services of the add-ons carry (like the stages' own). */
export function composeLabels(model: WorkflowModel, addon: string): Record<string, string> {
  return { 'dev.mlready.workflow': model.name, 'dev.mlready.addon': addon };
}

// Kubernetes conventions: owned by kubernetes.ts, re-exported for the add-ons.
export { k8sLabels, k8sMeta, SELECTOR_KEYS } from '../../kubernetes.js';

/** A pod template inside a workload object, with the object it belongs to. */
export interface PodTemplateRef {
  doc: Obj;
  template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Container[]; initContainers?: Container[] } };
}
export interface Container {
  name: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
}

export function podTemplates(doc: Obj): PodTemplateRef['template'][] {
  const spec = doc.spec as Obj | undefined;
  if (!spec) return [];
  const out: PodTemplateRef['template'][] = [];
  const template = spec.template as PodTemplateRef['template'] | undefined;
  if (template?.spec?.containers) out.push(template);
  const replicaSpecs = spec.pytorchReplicaSpecs as Record<string, { template?: PodTemplateRef['template'] }> | undefined;
  for (const r of Object.values(replicaSpecs ?? {})) if (r.template?.spec?.containers) out.push(r.template);
  return out;
}

/** Where a stage's container runs: every pod template holding it (a chain Job, a Deployment, each PyTorchJob role). */
export function stagePods(k8s: { path: string; docs: Obj[] }[], stage: ModelStage): { file: { path: string; docs: Obj[] }; doc: Obj; template: PodTemplateRef['template']; containers: Container[] }[] {
  const out: ReturnType<typeof stagePods> = [];
  for (const file of k8s) {
    for (const doc of file.docs) {
      for (const template of podTemplates(doc)) {
        const all = [...(template.spec.initContainers ?? []), ...template.spec.containers];
        // A PyTorchJob's container is named "pytorch" (the operator's contract); its pods carry the stage as component.
        const containers = all.filter(
          (c) => c.name === stage.name || (doc.kind === 'PyTorchJob' && c.name === 'pytorch' && template.metadata?.labels?.['app.kubernetes.io/component'] === stage.name),
        );
        if (containers.length) out.push({ file, doc, template, containers });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------- PromQL

/** A label matcher list; names and values here are DNS labels, safe inside PromQL strings. */
export function matchers(pairs: [string, string, ('=' | '=~')?][]): string {
  return `{${pairs.map(([k, v, op]) => `${k}${op ?? '='}"${v}"`).join(',')}}`;
}

/** Exact alternatives for `=~`. */
export const anyOf = (values: string[]) => values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');

export const promql = {
  up: (workflow: string, stage: string) => `up${matchers([['workflow', workflow], ['stage', stage]])}`,
  requestRate: (workflow: string, stage: string) => `sum(rate(${REQUESTS_TOTAL}${matchers([['workflow', workflow], ['stage', stage]])}[5m]))`,
  latency: (q: number, workflow: string, stage: string) =>
    `histogram_quantile(${q}, sum by (le) (rate(${REQUEST_DURATION}_bucket${matchers([['workflow', workflow], ['stage', stage]])}[5m])))`,
  errorRatio: (workflow: string, stage: string) =>
    `sum(rate(${REQUESTS_TOTAL}${matchers([['workflow', workflow], ['stage', stage], ['status', '5..', '=~']])}[5m])) / sum(rate(${REQUESTS_TOTAL}${matchers([['workflow', workflow], ['stage', stage]])}[5m]))`,
  /**
   * A DCGM exporter metric for the workflow's GPUs: on compose the exporter's series carry
   * `workflow` (the scrape job adds it); on Kubernetes the exporter maps GPUs to pods and labels them
   * with the pod's namespace — `exported_namespace` when the exporter's own namespace label won
   * (honorLabels false, the GPU Operator's default), `namespace` otherwise.
   */
  dcgm: (metric: string, workflow: string, namespace?: string) =>
    namespace === undefined
      ? `${metric}${matchers([['workflow', workflow]])}`
      : `(${metric}${matchers([['workflow', workflow]])} or ${metric}${matchers([['exported_namespace', namespace]])} or ${metric}${matchers([['namespace', namespace]])})`,
};
