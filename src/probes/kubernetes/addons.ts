/** Engines and add-ons, from the CRDs a cluster has and the workloads it runs. */

export interface AddonFlags {
  kubeflowTrainingOperator: boolean;
  kuberay: boolean;
  kueue: boolean;
  volcano: boolean;
  jobset: boolean;
  knativeServing: boolean;
  kserve: boolean;
  argoWorkflows: boolean;
  prometheusOperator: boolean;
  alertmanager: boolean;
  certManager: boolean;
}

/** Each add-on, and the CRDs (plural.group) that show it is installed. */
export const ADDON_CRDS: Record<keyof AddonFlags, string[]> = {
  kubeflowTrainingOperator: ['pytorchjobs.kubeflow.org', 'trainjobs.trainer.kubeflow.org'],
  kuberay: ['rayclusters.ray.io'],
  kueue: ['clusterqueues.kueue.x-k8s.io'],
  volcano: ['jobs.batch.volcano.sh'],
  jobset: ['jobsets.jobset.x-k8s.io'],
  knativeServing: ['services.serving.knative.dev'],
  kserve: ['inferenceservices.serving.kserve.io'],
  argoWorkflows: ['workflows.argoproj.io'],
  prometheusOperator: ['servicemonitors.monitoring.coreos.com', 'prometheuses.monitoring.coreos.com'],
  alertmanager: ['alertmanagers.monitoring.coreos.com'],
  certManager: ['certificates.cert-manager.io'],
};

export function addonsFromCrds(crds: ReadonlySet<string>, workloadNames: Iterable<string>): AddonFlags {
  const out = {} as AddonFlags;
  for (const [key, names] of Object.entries(ADDON_CRDS) as [keyof AddonFlags, string[]][]) out[key] = names.some((n) => crds.has(n));
  if (!out.alertmanager) for (const n of workloadNames) if (n.includes('alertmanager')) out.alertmanager = true;
  return out;
}

const SHIPPERS: [string, RegExp][] = [
  ['fluent-bit', /fluent-?bit/],
  ['fluentd', /fluentd/],
  ['filebeat', /filebeat/],
  ['vector', /(^|-)vector(-|$)/],
  ['promtail', /promtail/],
];

/** Log shippers among DaemonSet/Deployment/StatefulSet names: fluent-bit, fluentd, filebeat, vector, promtail. */
export function logShippers(workloadNames: Iterable<string>): string[] {
  const found = new Set<string>();
  for (const n of workloadNames) for (const [name, re] of SHIPPERS) if (re.test(n)) found.add(name);
  return SHIPPERS.map(([n]) => n).filter((n) => found.has(n));
}

/** What monitoring runs, from DaemonSet/Deployment/StatefulSet names (`addons.prometheus`, `grafana`, `kubeStateMetrics`). */
export interface MonitoringWorkloads {
  prometheus: boolean;
  grafana: boolean;
  kubeStateMetrics: boolean;
}

// A Prometheus server: prometheus-server (community chart), prometheus-k8s (kube-prometheus),
// prometheus-<release>-kube-prometheus-prometheus (kube-prometheus-stack's StatefulSet), not the operator,
// the exporters, the adapter or the pushgateway that carry the name too.
const PROMETHEUS = /prometheus/;
const NOT_PROMETHEUS = /operator|exporter|adapter|pushgateway|kube-state-metrics|blackbox|alertmanager|grafana|admission|webhook/;
const GRAFANA = /(^|-)grafana(-|$)/;
const NOT_GRAFANA = /agent|alloy|operator|image-renderer/;

export function monitoringWorkloads(workloadNames: Iterable<string>): MonitoringWorkloads {
  const out: MonitoringWorkloads = { prometheus: false, grafana: false, kubeStateMetrics: false };
  for (const n of workloadNames) {
    if (PROMETHEUS.test(n) && !NOT_PROMETHEUS.test(n)) out.prometheus = true;
    if (GRAFANA.test(n) && !NOT_GRAFANA.test(n)) out.grafana = true;
    if (n.includes('kube-state-metrics')) out.kubeStateMetrics = true;
  }
  return out;
}
