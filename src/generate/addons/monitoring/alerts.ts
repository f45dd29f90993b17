/**
 * Prometheus alert rules for the workflow, as data: the same rule groups become `monitoring/alerts.yml`
 * (compose's Prometheus), a PrometheusRule (Kubernetes with the Prometheus Operator) or
 * `monitoring/kubernetes-alerts.yml` (any other Prometheus on the cluster).
 *
 * - Kubernetes: training Job failed (kube-state-metrics), serving unavailable (no available replica, or
 *   no scrape target up), high error rate and latency (request metrics), GPU memory saturated (DCGM),
 *   PVC nearly full (kubelet volume stats).
 * - Compose: serving unavailable (`up`), error rate, latency, GPU memory; nothing exports Job or volume
 *   state there.
 */
import type { WorkflowModel } from '../../../workflow/model.js';
import { anyOf, matchers, promql, REQUEST_DURATION, REQUESTS_TOTAL, type MetricsTarget } from './shared.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export const THRESHOLDS = {
  errorRatio: 0.05,
  latencyP95Seconds: 1,
  gpuMemoryRatio: 0.95,
  pvcFreeRatio: 0.1,
} as const;

/** The Kubernetes objects the alerts watch, by name, as the kustomize base defines them. */
export interface Watched {
  jobs: string[];
  pytorchJobs: string[];
  deployments: string[];
  pvcs: string[];
}

export function watchedObjects(model: WorkflowModel, k8s: { docs: Record<string, unknown>[] }[]): Watched {
  type Meta = { name: string; labels?: Record<string, string> };
  const docs = k8s.flatMap((f) => f.docs).filter((d) => (d.metadata as Meta | undefined)?.labels?.['app.kubernetes.io/part-of'] === model.name);
  const names = (kind: string, only?: string[]) =>
    docs.filter((d) => d.kind === kind && (!only || only.includes((d.metadata as Meta).labels?.['app.kubernetes.io/component'] ?? ''))).map((d) => (d.metadata as Meta).name);
  // Deployments of the service stages (not those another add-on may run beside them).
  const services = model.stages.filter((s) => s.type === 'service').map((s) => s.name);
  return { jobs: names('Job'), pytorchJobs: names('PyTorchJob'), deployments: names('Deployment', services), pvcs: names('PersistentVolumeClaim') };
}

export function alertGroups(model: WorkflowModel, o: { target: 'compose' | 'kubernetes'; targets: MetricsTarget[]; gpu: boolean; watched?: Watched }): RuleGroup[] {
  const w = model.name;
  const ns = model.namespace;
  const base = { workflow: w };
  const rules: AlertRule[] = [];
  const services = model.stages.filter((s) => s.type === 'service').map((s) => s.name);
  const scrapedServices = services.filter((s) => o.targets.some((t) => t.stage === s));

  const watched: Watched = o.watched ?? { jobs: [], pytorchJobs: [], deployments: [], pvcs: [] };
  if (o.target === 'kubernetes') {
    const failed: string[] = [];
    if (watched.jobs.length) {
      const sel = (metric: string) => `${metric}${matchers([['namespace', ns], ['job_name', anyOf(watched.jobs), '=~']])}`;
      // Failed pods, nothing retrying any more, and no success: the Job has given up.
      failed.push(
        `(${sel('kube_job_status_failed')} > 0 and on (namespace, job_name) ${sel('kube_job_status_active')} == 0 and on (namespace, job_name) ${sel('kube_job_status_succeeded')} == 0)`,
      );
    }
    if (watched.pytorchJobs.length) {
      // PyTorchJob pods are <job>-master-0, <job>-worker-N; kube-state-metrics sees their pods, not the CR.
      failed.push(`(kube_pod_status_phase${matchers([['namespace', ns], ['phase', 'Failed'], ['pod', `(${anyOf(watched.pytorchJobs)})-(master|worker)-[0-9]+`, '=~']])} > 0)`);
    }
    if (failed.length) {
      rules.push({
        alert: 'TrainingJobFailed',
        expr: failed.join(' or '),
        labels: { ...base, severity: 'warning' },
        annotations: {
          summary: `A batch Job of ${w} failed`,
          description: `{{ $labels.job_name }}{{ $labels.pod }} in namespace ${ns} failed and is not retried any more: kubectl -n ${ns} describe job {{ $labels.job_name }}; kubectl -n ${ns} logs job/{{ $labels.job_name }} --all-containers`,
        },
      });
    }
    if (watched.deployments.length) {
      const unavailable = `kube_deployment_status_replicas_available${matchers([['namespace', ns], ['deployment', anyOf(watched.deployments), '=~']])} == 0`;
      const down = scrapedServices.length ? ` or sum by (workflow, stage) (up${matchers([['workflow', w], ['stage', anyOf(scrapedServices), '=~']])}) == 0` : '';
      rules.push({
        alert: 'ServingUnavailable',
        expr: `${unavailable}${down}`,
        for: '5m',
        labels: { ...base, severity: 'critical' },
        annotations: {
          summary: `A serving stage of ${w} is unavailable`,
          description: `{{ $labels.deployment }}{{ $labels.stage }} in namespace ${ns} has had no available replica (or no reachable metrics endpoint) for 5 minutes: kubectl -n ${ns} get pods -l app.kubernetes.io/part-of=${w}`,
        },
      });
    }
  } else if (scrapedServices.length) {
    rules.push({
      alert: 'ServingUnavailable',
      expr: `up${matchers([['workflow', w], ['stage', anyOf(scrapedServices), '=~']])} == 0`,
      for: '2m',
      labels: { ...base, severity: 'critical' },
      annotations: {
        summary: `A serving stage of ${w} is unavailable`,
        description: `Prometheus has not reached {{ $labels.stage }} ({{ $labels.instance }}) for 2 minutes: docker compose ps {{ $labels.stage }}; docker compose logs {{ $labels.stage }}`,
      },
    });
  }

  if (scrapedServices.length) {
    const sel = (extra: [string, string, ('=' | '=~')?][] = []) => matchers([['workflow', w], ['stage', anyOf(scrapedServices), '=~'], ...extra]);
    rules.push({
      alert: 'HighErrorRate',
      expr: `sum by (workflow, stage) (rate(${REQUESTS_TOTAL}${sel([['status', '5..', '=~']])}[5m])) / sum by (workflow, stage) (rate(${REQUESTS_TOTAL}${sel()}[5m])) > ${THRESHOLDS.errorRatio}`,
      for: '10m',
      labels: { ...base, severity: 'warning' },
      annotations: {
        summary: `{{ $labels.stage }} of ${w} answers with errors`,
        description: `{{ $value | humanizePercentage }} of the requests to {{ $labels.stage }} failed with a 5xx status over the last 5 minutes (threshold ${THRESHOLDS.errorRatio * 100}%)`,
      },
    });
    rules.push({
      alert: 'HighLatency',
      expr: `histogram_quantile(0.95, sum by (workflow, stage, le) (rate(${REQUEST_DURATION}_bucket${sel()}[5m]))) > ${THRESHOLDS.latencyP95Seconds}`,
      for: '10m',
      labels: { ...base, severity: 'warning' },
      annotations: {
        summary: `{{ $labels.stage }} of ${w} is slow`,
        description: `The 95th percentile latency of {{ $labels.stage }} is {{ $value | humanizeDuration }} (threshold ${THRESHOLDS.latencyP95Seconds} s)`,
      },
    });
  }

  if (o.gpu) {
    // Compose: the exporter's series carry the workflow label; Kubernetes: the pods' namespace.
    const scope = o.target === 'kubernetes' ? ns : undefined;
    const used = promql.dcgm('DCGM_FI_DEV_FB_USED', w, scope);
    const free = promql.dcgm('DCGM_FI_DEV_FB_FREE', w, scope);
    rules.push({
      alert: 'GpuMemorySaturated',
      expr: `${used} / (${used} + ${free}) > ${THRESHOLDS.gpuMemoryRatio}`,
      for: '15m',
      labels: { ...base, severity: 'warning' },
      annotations: {
        summary: `GPU memory of ${w} is nearly exhausted`,
        description: `GPU {{ $labels.gpu }} on {{ $labels.Hostname }}{{ with $labels.exported_pod }} (pod {{ . }}){{ end }} has used {{ $value | humanizePercentage }} of its memory for 15 minutes: the next allocation fails with CUDA out of memory`,
      },
    });
  }

  if (o.target === 'kubernetes') {
    const { pvcs } = watched;
    if (pvcs.length) {
      const sel = matchers([['namespace', ns], ['persistentvolumeclaim', anyOf(pvcs), '=~']]);
      rules.push({
        alert: 'PvcNearlyFull',
        expr: `kubelet_volume_stats_available_bytes${sel} / kubelet_volume_stats_capacity_bytes${sel} < ${THRESHOLDS.pvcFreeRatio}`,
        for: '15m',
        labels: { ...base, severity: 'warning' },
        annotations: {
          summary: `A volume of ${w} is nearly full`,
          description: `PersistentVolumeClaim {{ $labels.persistentvolumeclaim }} in namespace ${ns} has {{ $value | humanizePercentage }} of its space left`,
        },
      });
    }
  }
  return rules.length ? [{ name: `mlready-${w}`, rules }] : [];
}

/** Serialisable rule groups (no undefined keys). */
export function ruleFile(groups: RuleGroup[]): { groups: Record<string, unknown>[] } {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      rules: g.rules.map((r) => ({ alert: r.alert, expr: r.expr, ...(r.for ? { for: r.for } : {}), labels: r.labels, annotations: r.annotations })),
    })),
  };
}
