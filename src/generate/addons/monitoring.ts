/**
 * `--with monitoring`: Prometheus scrapes every service stage (and batch stages that declare
 * `metrics.port`), Grafana shows the workflow's dashboard.
 *
 * - Kubernetes: a ServiceMonitor per service stage (a PodMonitor for pods without a Service) when the
 *   facts show the Prometheus Operator's CRDs; `prometheus.io/*` scrape annotations on the pod template
 *   otherwise. Metrics ports that differ from the serving port become named container and Service
 *   ports, and the stage's NetworkPolicy lets scrapes in.
 * - Compose: a `monitoring` profile (`docker compose --profile monitoring up`) with Prometheus
 *   (monitoring/prometheus.yml scrapes the stages by service name), Grafana (provisioned data source
 *   and dashboard) and, for NVIDIA GPU workflows, the DCGM exporter.
 * - The dashboard JSON (monitoring/grafana/dashboards/<name>.json) is written for either.
 *
 * Every scraped series carries `workflow` and `stage` labels (static labels on compose, relabelings on
 * the operator's objects): the dashboard and the alert rules select on them.
 */
import { escapeInterpolation } from '../compose.js';
import { k8sName } from '../kubernetes.js';
import type { Addon, AddonRenderInput, Obj } from './types.js';
import { buildDashboard } from './monitoring/dashboard.js';
import {
  clusterMonitoring,
  composeLabels,
  composeServiceNames,
  DATASOURCE_UID,
  DCGM_PORT,
  hostPort,
  IMAGES,
  k8sMeta,
  metricsTargets,
  PROFILE,
  SELECTOR_KEYS,
  stagePods,
  usesNvidiaGpus,
  type MetricsTarget,
} from './monitoring/shared.js';

export interface MonitoringPlan {
  targets: MetricsTarget[];
  /** How Kubernetes scrapes the stages (absent: no Kubernetes output). */
  kubernetes?: 'operator' | 'annotations';
  compose: boolean;
  /** GPU panels (DCGM metrics) in the dashboard. */
  gpu: boolean;
  /** A dcgm-exporter service in the compose profile. */
  dcgmExporter: boolean;
  services: ReturnType<typeof composeServiceNames>;
  images: Record<string, string>;
  dashboard: string;
  [key: string]: unknown;
}

export const DASHBOARDS_DIR = 'monitoring/grafana/dashboards';
const WORKLOAD_KINDS = new Set(['Deployment', 'Job', 'PyTorchJob', 'StatefulSet', 'DaemonSet']);

export const monitoring: Addon = {
  plan({ model, facts, spec, decide, warn }) {
    const targets = metricsTargets(model, spec, warn);
    const cluster = clusterMonitoring(facts);
    const compose = model.emit.includes('compose');
    const k8s = model.emit.includes('k8s');
    const gpu = usesNvidiaGpus(model);
    const dcgmExporter = compose && usesNvidiaGpus(model, 'compose');
    const services = composeServiceNames(model);

    decide(
      'monitoring.targets',
      targets.length ? targets.map((t) => `${t.stage}:${t.port}${t.path}`).join(', ') : 'none',
      targets.length
        ? `service stages are scraped at metrics.port/metrics.path from the spec, else at their own port and /metrics${targets.some((t) => t.type === 'batch') ? '; batch stages that declare metrics.port while they run' : ''}`
        : 'no service stage and no stage declaring metrics.port: only GPU and cluster metrics',
    );
    let kubernetes: MonitoringPlan['kubernetes'];
    if (k8s) {
      kubernetes = cluster.operator ? 'operator' : 'annotations';
      decide(
        'monitoring.kubernetes',
        kubernetes === 'operator' ? 'ServiceMonitor per service stage (PodMonitor for pods without a Service)' : 'prometheus.io/scrape, /port, /path annotations on the pod templates',
        kubernetes === 'operator'
          ? 'the facts show the Prometheus Operator CRDs (servicemonitors.monitoring.coreos.com); its Prometheus must select them (kube-prometheus-stack: a release label, or serviceMonitorSelectorNilUsesHelmValues=false)'
          : cluster.known
            ? 'the facts show no Prometheus Operator CRDs: annotations work with any Prometheus whose kubernetes-pods job honours them (the community Helm chart\'s does)'
            : `${cluster.evidence}: annotations need nothing installed in the cluster; probe the cluster (--probe k8s) to get ServiceMonitors where the operator runs`,
      );
      if (cluster.known && cluster.operator && cluster.prometheus === false) {
        warn('the cluster has the Prometheus Operator CRDs but no Prometheus server workload was seen: the ServiceMonitors are not scraped until a Prometheus selects them');
      }
      if (cluster.known && !cluster.operator && cluster.prometheus === false) {
        warn('no Prometheus runs in the cluster (by the facts): the scrape annotations take effect once one is installed');
      }
      if (gpu && usesNvidiaGpus(model, 'kubernetes') && cluster.dcgmExporter === false) {
        warn('the cluster runs no NVIDIA DCGM exporter: the dashboard\'s GPU panels stay empty on Kubernetes (install it with the GPU Operator or its Helm chart)');
      }
    }
    if (compose) {
      decide(
        'monitoring.compose',
        `profile "${PROFILE}": ${services.prometheus} (${IMAGES.prometheus}), ${services.grafana} (${IMAGES.grafana})${dcgmExporter ? `, ${services.dcgmExporter} (${IMAGES.dcgmExporter})` : ''}`,
        'docker compose --profile monitoring up starts them beside the workflow; plain docker compose up does not; images pinned, ports published on 127.0.0.1 only',
      );
    }
    decide(
      'monitoring.dashboard',
      `${DASHBOARDS_DIR}/${model.name}.json: targets up${targets.some((t) => t.type === 'service') ? ', request rate, latency p50/p95/p99 and error ratio per service stage' : ''}${gpu ? ', GPU utilisation and memory (DCGM)' : ''}`,
      `panels read http_requests_total and http_request_duration_seconds (the conventional request metrics)${gpu ? ' and DCGM_FI_DEV_GPU_UTIL / DCGM_FI_DEV_FB_USED' : ''}, selected by the workflow and stage labels every scrape adds`,
    );
    if (model.emit.includes('swarm')) {
      decide('monitoring.swarm', 'not extended', 'docker stack deploy has no profiles; run the compose monitoring profile on a manager, or your existing Prometheus');
    }
    const plan: MonitoringPlan = {
      targets,
      ...(kubernetes ? { kubernetes } : {}),
      compose,
      gpu,
      dcgmExporter,
      services,
      images: { ...IMAGES },
      dashboard: `${DASHBOARDS_DIR}/${model.name}.json`,
    };
    return plan;
  },

  render(input) {
    const plan = input.plan as MonitoringPlan;
    const { model, files } = input;
    if (input.compose || input.k8s) {
      files.push({ path: plan.dashboard, body: { json: buildDashboard(model, plan) }, comment: 'none', what: 'Grafana dashboard of the workflow (import it, or provisioned by the compose monitoring profile)' });
    }
    if (input.compose) renderCompose(input, plan);
    if (input.k8s && plan.kubernetes) renderKubernetes(input, plan);
  },
};

// ---------------------------------------------------------------- compose

function renderCompose(input: AddonRenderInput, plan: MonitoringPlan): void {
  const { model, files } = input;
  const compose = input.compose!;
  const names = plan.services;
  // Set by --with alerting: Prometheus loads its rules and sends to its Alertmanager.
  const alerting = model.addons.alerting as { compose?: boolean } | undefined;
  const withAlerts = alerting?.compose === true;

  const scrapeConfigs: Obj[] = [
    { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'], labels: { workflow: model.name } }] },
    ...plan.targets.map((t) => ({
      job_name: t.stage,
      metrics_path: t.path,
      static_configs: [{ targets: [`${t.stage}:${t.port}`], labels: { workflow: model.name, stage: t.stage } }],
    })),
    ...(plan.dcgmExporter ? [{ job_name: names.dcgmExporter, static_configs: [{ targets: [`${names.dcgmExporter}:${DCGM_PORT}`], labels: { workflow: model.name } }] }] : []),
  ];
  files.push({
    path: 'monitoring/prometheus.yml',
    body: {
      yaml: {
        global: { scrape_interval: '15s', evaluation_interval: '15s', external_labels: { workflow: model.name } },
        ...(withAlerts
          ? {
              // Relative to this file: /etc/prometheus in the container, monitoring/ for promtool check config.
              rule_files: ['alerts.yml'],
              alerting: { alertmanagers: [{ static_configs: [{ targets: [`${names.alertmanager}:9093`] }] }] },
            }
          : {}),
        scrape_configs: scrapeConfigs,
      },
    },
    comment: 'hash',
    what: `Prometheus (compose profile ${PROFILE}): scrapes ${plan.targets.map((t) => t.stage).join(', ') || 'itself'}${plan.dcgmExporter ? ' and the DCGM exporter' : ''}`,
  });
  files.push({
    path: 'monitoring/grafana/provisioning/datasources/prometheus.yaml',
    body: {
      yaml: {
        apiVersion: 1,
        datasources: [
          { name: 'Prometheus', uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy', url: `http://${names.prometheus}:9090`, isDefault: true, editable: false, jsonData: { timeInterval: '15s' } },
        ],
      },
    },
    comment: 'hash',
    what: 'Grafana data source: the compose Prometheus',
  });
  files.push({
    path: 'monitoring/grafana/provisioning/dashboards/dashboards.yaml',
    body: {
      yaml: {
        apiVersion: 1,
        providers: [
          {
            name: 'mlready',
            orgId: 1,
            folder: model.name,
            type: 'file',
            disableDeletion: false,
            allowUiUpdates: false,
            updateIntervalSeconds: 30,
            options: { path: '/etc/grafana/dashboards' },
          },
        ],
      },
    },
    comment: 'hash',
    what: 'Grafana dashboard provider: loads monitoring/grafana/dashboards',
  });

  const services = compose.services as Record<string, unknown>;
  const volumes = (compose.volumes as Record<string, unknown> | undefined) ?? {};
  const prometheusVolume = 'mlready-prometheus-data';
  const grafanaVolume = 'mlready-grafana-data';
  const promPort = hostPort(model, 9090);
  const grafanaPort = hostPort(model, 3000, [promPort]);
  const added: Record<string, unknown> = {
    [names.prometheus]: {
      image: IMAGES.prometheus,
      profiles: [PROFILE],
      command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=15d'],
      volumes: [
        { type: 'bind', source: './monitoring/prometheus.yml', target: '/etc/prometheus/prometheus.yml', read_only: true },
        ...(withAlerts ? [{ type: 'bind', source: './monitoring/alerts.yml', target: '/etc/prometheus/alerts.yml', read_only: true }] : []),
        { type: 'volume', source: prometheusVolume, target: '/prometheus' },
      ],
      ports: [`127.0.0.1:${promPort}:9090`],
      healthcheck: { test: ['CMD', 'wget', '-q', '--spider', 'http://localhost:9090/-/ready'], interval: '10s', timeout: '5s', retries: 5, start_period: '10s' },
      restart: 'unless-stopped',
      labels: composeLabels(model, 'monitoring'),
    },
    [names.grafana]: {
      image: IMAGES.grafana,
      profiles: [PROFILE],
      depends_on: { [names.prometheus]: { condition: 'service_started' } },
      // The admin password comes from the shell running compose (never written here); unset: Grafana's
      // default, which it asks to change at the first login.
      environment: { GF_SECURITY_ADMIN_PASSWORD: null, GF_USERS_ALLOW_SIGN_UP: 'false', GF_ANALYTICS_REPORTING_ENABLED: 'false' },
      volumes: [
        { type: 'bind', source: './monitoring/grafana/provisioning', target: '/etc/grafana/provisioning', read_only: true },
        { type: 'bind', source: `./${DASHBOARDS_DIR}`, target: '/etc/grafana/dashboards', read_only: true },
        { type: 'volume', source: grafanaVolume, target: '/var/lib/grafana' },
      ],
      ports: [`127.0.0.1:${grafanaPort}:3000`],
      healthcheck: { test: ['CMD', 'wget', '-q', '--spider', 'http://localhost:3000/api/health'], interval: '10s', timeout: '5s', retries: 5, start_period: '20s' },
      restart: 'unless-stopped',
      labels: composeLabels(model, 'monitoring'),
    },
    ...(plan.dcgmExporter
      ? {
          [names.dcgmExporter]: {
            image: IMAGES.dcgmExporter,
            profiles: [PROFILE],
            expose: [String(DCGM_PORT)],
            restart: 'unless-stopped',
            labels: composeLabels(model, 'monitoring'),
            deploy: { resources: { reservations: { devices: [{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }] } } },
          },
        }
      : {}),
  };
  Object.assign(services, escapeInterpolation(added));
  compose.volumes = { ...volumes, [prometheusVolume]: {}, [grafanaVolume]: {} };
}

// ---------------------------------------------------------------- Kubernetes

function renderKubernetes(input: AddonRenderInput, plan: MonitoringPlan): void {
  const { model } = input;
  const k8s = input.k8s!;
  const monitors: Obj[] = [];
  const annotated = new Map<object, string>();
  const policyFile = k8s.find((f) => f.path === 'k8s/base/network-policy.yaml');

  for (const t of plan.targets) {
    const stage = model.stages.find((s) => s.name === t.stage)!;
    const all = stagePods(k8s, stage);
    // Workloads whose pods mlready writes; others (a Knative Service: one port per container) are left as they are.
    const pods = all.filter((p) => WORKLOAD_KINDS.has(String(p.doc.kind)));
    for (const p of all.filter((x) => !pods.includes(x))) {
      model.warnings.push(`stage "${t.stage}" runs as a ${String(p.doc.kind)}: its metrics endpoint is not wired up there by --with monitoring`);
    }
    if (!all.length) {
      model.warnings.push(`stage "${t.stage}": no pod template holds its container, so its metrics are not wired up on Kubernetes`);
      continue;
    }
    if (!pods.length) continue;
    // The metrics port by name on every container of the stage: the serving port's name when it is the same.
    let portName = 'metrics';
    for (const p of pods) {
      for (const c of p.containers) {
        const ports = (c.ports ??= []);
        const existing = ports.find((x) => x.containerPort === t.port);
        if (existing?.name) portName = existing.name;
        else ports.push({ name: 'metrics', containerPort: t.port, protocol: 'TCP' });
      }
    }
    const selectorOf = (labels: Record<string, string> | undefined) => Object.fromEntries(SELECTOR_KEYS.filter((k) => labels?.[k] !== undefined).map((k) => [k, labels![k]!]));
    /** One selector per distinct pod template label set; names after the first get a number. */
    const distinctSelectors = (list: typeof pods) => {
      const seen = new Set<string>();
      const out: { matchLabels: Record<string, string>; suffix: string[] }[] = [];
      for (const p of list) {
        const matchLabels = selectorOf(p.template.metadata?.labels);
        const key = JSON.stringify(matchLabels);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ matchLabels, suffix: seen.size > 1 ? [String(seen.size)] : [] });
      }
      return out;
    };
    const relabelings = [
      { targetLabel: 'workflow', replacement: model.name },
      { targetLabel: 'stage', replacement: t.stage },
    ];

    if (plan.kubernetes === 'operator') {
      const serviceName = k8sName([model.name, t.stage]);
      const service = t.type === 'service' ? k8s.flatMap((f) => f.docs).find((d) => d.kind === 'Service' && (d.metadata as Obj).name === serviceName) : undefined;
      if (service) {
        const spec = service.spec as { ports: { name?: string; port: number; targetPort?: string | number; protocol?: string }[] };
        let endpointPort = spec.ports.find((p) => p.targetPort === portName || p.port === t.port)?.name;
        if (!endpointPort) {
          spec.ports.push({ name: 'metrics', port: t.port, targetPort: 'metrics', protocol: 'TCP' });
          endpointPort = 'metrics';
        }
        monitors.push({
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'ServiceMonitor',
          metadata: k8sMeta(model, serviceName, t.stage),
          spec: {
            selector: { matchLabels: selectorOf((service.metadata as { labels?: Record<string, string> }).labels) },
            namespaceSelector: { matchNames: [model.namespace] },
            endpoints: [{ port: endpointPort, path: t.path, interval: '30s', scheme: 'http', relabelings }],
          },
        });
      } else {
        // Pods without a Service (batch stages): a PodMonitor per pod template that runs the stage.
        for (const { matchLabels, suffix } of distinctSelectors(pods)) {
          monitors.push({
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'PodMonitor',
            metadata: k8sMeta(model, k8sName([model.name, t.stage, ...suffix], 253), t.stage),
            spec: {
              selector: { matchLabels },
              namespaceSelector: { matchNames: [model.namespace] },
              podMetricsEndpoints: [{ port: portName, path: t.path, interval: '30s', scheme: 'http', relabelings }],
            },
          });
        }
      }
    } else {
      for (const p of pods) {
        const meta = (p.template.metadata ??= {});
        const before = annotated.get(meta);
        if (before) {
          model.warnings.push(`stage "${t.stage}" shares a pod with "${before}": scrape annotations name one port per pod, so only ${before}'s metrics are scraped there`);
          continue;
        }
        annotated.set(meta, t.stage);
        meta.annotations = { ...(meta.annotations ?? {}), 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(t.port), 'prometheus.io/path': t.path };
      }
    }

    // Default-deny ingress: let scrapes reach the metrics port.
    if (policyFile) {
      const policies = policyFile.docs;
      const own = policies.find((d) => (d.metadata as Obj).name === k8sName([model.name, t.stage, 'ingress'], 253));
      if (own) {
        const rule = ((own.spec as { ingress: { ports?: { port: number; protocol: string }[] }[] }).ingress[0] ??= {});
        const ports = (rule.ports ??= []);
        if (!ports.some((x) => x.port === t.port)) ports.push({ port: t.port, protocol: 'TCP' });
      } else {
        for (const { matchLabels, suffix } of distinctSelectors(pods)) {
          policies.push({
            apiVersion: 'networking.k8s.io/v1',
            kind: 'NetworkPolicy',
            metadata: k8sMeta(model, k8sName([model.name, t.stage, 'metrics', ...suffix], 253), t.stage),
            spec: { podSelector: { matchLabels }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: t.port, protocol: 'TCP' }] }] },
          });
        }
      }
    }
  }
  if (monitors.length) k8s.push({ path: 'k8s/base/monitoring.yaml', docs: monitors });
}
