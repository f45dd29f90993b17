/**
 * `--with alerting`: alert rules for the workflow and Alertmanager routing to Slack, PagerDuty, email and
 * a Splunk HTTP Event Collector.
 *
 * - Kubernetes with the Prometheus Operator: a PrometheusRule (training Job failed, serving unavailable,
 *   error rate, latency, GPU memory, PVC nearly full) and an AlertmanagerConfig whose credentials are
 *   keys of a Secret you create (none is written). Without the operator: the same rules as a plain
 *   rules file (monitoring/kubernetes-alerts.yml) for your Prometheus.
 * - Compose: monitoring/alerts.yml (loaded by the monitoring profile's Prometheus) and an Alertmanager
 *   in the `monitoring` profile reading monitoring/alertmanager.yml, whose credentials are files under
 *   monitoring/secrets (kept out of git by the .gitignore written there).
 */
import { escapeInterpolation } from '../compose.js';
import type { Addon, AddonRenderInput } from './types.js';
import { alertGroups, ruleFile, watchedObjects } from './monitoring/alerts.js';
import { alertingSecretName, alertmanagerConfigObject, alertmanagerYaml, CREDENTIALS } from './monitoring/alertmanager.js';
import { clusterMonitoring, composeLabels, composeServiceNames, hostPort, IMAGES, k8sMeta, metricsTargets, PROFILE, SECRETS_DIR, usesNvidiaGpus, type MetricsTarget } from './monitoring/shared.js';
import { k8sName } from '../kubernetes.js';

export interface AlertingPlan {
  targets: MetricsTarget[];
  /** PrometheusRule + AlertmanagerConfig, or a plain rules file for another Prometheus (absent: no Kubernetes output). */
  kubernetes?: 'operator' | 'rules-file';
  compose: boolean;
  gpu: { compose: boolean; kubernetes: boolean };
  secret: string;
  services: ReturnType<typeof composeServiceNames>;
  [key: string]: unknown;
}

export const alerting: Addon = {
  plan({ model, facts, spec, decide, warn }) {
    const targets = metricsTargets(model, spec);
    const cluster = clusterMonitoring(facts);
    const compose = model.emit.includes('compose');
    const k8s = model.emit.includes('k8s');
    const secret = alertingSecretName(model);
    const plan: AlertingPlan = {
      targets,
      compose,
      gpu: { compose: usesNvidiaGpus(model, 'compose'), kubernetes: usesNvidiaGpus(model, 'kubernetes') },
      secret,
      services: composeServiceNames(model),
    };
    decide(
      'alerting.receivers',
      'Slack, email and Splunk HEC for every alert; PagerDuty too for critical ones',
      `credentials by reference only: files under ${SECRETS_DIR} (compose) or keys of Secret ${secret} (Kubernetes); addresses and the HEC URL are example.com placeholders to edit`,
    );
    if (k8s) {
      plan.kubernetes = cluster.operator ? 'operator' : 'rules-file';
      decide(
        'alerting.kubernetes',
        plan.kubernetes === 'operator' ? 'PrometheusRule and AlertmanagerConfig (k8s/base/alerting.yaml)' : 'monitoring/kubernetes-alerts.yml (a plain Prometheus rules file)',
        plan.kubernetes === 'operator'
          ? 'the facts show the Prometheus Operator CRDs; its Prometheus and Alertmanager must select them (ruleSelector, alertmanagerConfigSelector)'
          : cluster.known
            ? 'the facts show no Prometheus Operator: add the file to your Prometheus\'s rule_files, and monitoring/alertmanager.yml to your Alertmanager'
            : `${cluster.evidence}: a rules file works with any Prometheus; probe the cluster (--probe k8s) to get a PrometheusRule where the operator runs`,
      );
      if (plan.kubernetes === 'operator' && !cluster.alertmanager) warn('the cluster has the Prometheus Operator but no Alertmanager: alerts fire in Prometheus and are not sent anywhere');
      if (cluster.known && cluster.kubeStateMetrics === false && model.stages.length) {
        warn('no kube-state-metrics runs in the cluster (by the facts): the TrainingJobFailed and ServingUnavailable alerts read its kube_job_* and kube_deployment_* metrics');
      }
      if (plan.kubernetes === 'operator') {
        decide(
          'alerting.secret',
          `Secret ${secret} (keys ${Object.values(CREDENTIALS).join(', ')}), created by you`,
          `the AlertmanagerConfig reads credentials from it and mlready writes no Secret: kubectl -n ${model.namespace} create secret generic ${secret} --from-file=${CREDENTIALS.slack}=… (one --from-file per key)`,
        );
      }
    }
    if (compose) {
      decide(
        'alerting.compose',
        `monitoring/alerts.yml and ${plan.services.alertmanager} (${IMAGES.alertmanager}) in profile "${PROFILE}"`,
        'the monitoring profile\'s Prometheus loads the rules and sends to this Alertmanager; its credential files live in monitoring/secrets (git-ignored)',
      );
    }
    return plan;
  },

  render(input) {
    const plan = input.plan as AlertingPlan;
    const { model, files } = input;
    if (!input.compose && !input.k8s) return;
    files.push({ path: 'monitoring/alertmanager.yml', body: { yaml: alertmanagerYaml(model) }, comment: 'hash', what: 'Alertmanager routing: Slack, email, Splunk HEC; PagerDuty for critical alerts; credentials from files' });
    if (input.compose) {
      renderCompose(input, plan);
      // Every add-on is planned before any renders: whether monitoring is on is known here.
      if (!model.addons.monitoring) {
        model.warnings.push('--with alerting without --with monitoring: compose runs no Prometheus to load monitoring/alerts.yml; add --with monitoring, or load the rules into a Prometheus that scrapes the stages with workflow and stage labels');
      }
    }
    if (input.k8s && plan.kubernetes) {
      const groups = alertGroups(model, { target: 'kubernetes', targets: plan.targets, gpu: plan.gpu.kubernetes, watched: watchedObjects(model, input.k8s) });
      if (plan.kubernetes === 'operator') {
        const docs: Record<string, unknown>[] = [];
        if (groups.length) {
          docs.push({
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'PrometheusRule',
            metadata: k8sMeta(model, k8sName([model.name, 'alerts'], 253), 'alerting'),
            spec: ruleFile(groups),
          });
        }
        docs.push(alertmanagerConfigObject(model));
        input.k8s.push({ path: 'k8s/base/alerting.yaml', docs });
      } else if (groups.length) {
        files.push({ path: 'monitoring/kubernetes-alerts.yml', body: { yaml: ruleFile(groups) }, comment: 'hash', what: 'Prometheus alert rules for the Kubernetes deployment (add to your Prometheus\'s rule_files)' });
      }
    }
  },
};

function renderCompose(input: AddonRenderInput, plan: AlertingPlan): void {
  const { model, files } = input;
  const compose = input.compose!;
  const groups = alertGroups(model, { target: 'compose', targets: plan.targets, gpu: plan.gpu.compose });
  files.push({ path: 'monitoring/alerts.yml', body: { yaml: ruleFile(groups) }, comment: 'hash', what: 'Prometheus alert rules (compose profile monitoring)' });
  files.push({
    path: 'monitoring/secrets/.gitignore',
    body: '# Credential files for Alertmanager (one value per file): never commit them.\n*\n!.gitignore\n',
    comment: 'hash',
    what: `keeps the credential files (${Object.values(CREDENTIALS).join(', ')}) out of git`,
  });
  const services = compose.services as Record<string, unknown>;
  const volume = 'mlready-alertmanager-data';
  const port = hostPort(model, 9093, [9090, 3000]);
  services[plan.services.alertmanager] = escapeInterpolation({
    image: IMAGES.alertmanager,
    profiles: [PROFILE],
    command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'],
    volumes: [
      { type: 'bind', source: './monitoring/alertmanager.yml', target: '/etc/alertmanager/alertmanager.yml', read_only: true },
      { type: 'bind', source: './monitoring/secrets', target: SECRETS_DIR, read_only: true },
      { type: 'volume', source: volume, target: '/alertmanager' },
    ],
    ports: [`127.0.0.1:${port}:9093`],
    healthcheck: { test: ['CMD', 'wget', '-q', '--spider', 'http://localhost:9093/-/ready'], interval: '10s', timeout: '5s', retries: 5, start_period: '10s' },
    restart: 'unless-stopped',
    labels: composeLabels(model, 'alerting'),
  });
  compose.volumes = { ...((compose.volumes as Record<string, unknown> | undefined) ?? {}), [volume]: {} };
}
