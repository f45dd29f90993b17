/**
 * `scaffold --with alerting` in process: which alerts each target gets and what they read, the
 * PrometheusRule/AlertmanagerConfig versus plain-file decision, credentials by reference only; and the
 * summary `assess --notify` posts. promtool and amtool run in test/e2e/alerting-scaffold.test.ts.
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { renderSpec, SCENARIOS } from '../golden/scaffold-helpers.js';
import { stringsOf, validateOperatorObject } from '../helpers/monitoring-validate.js';
import type { GeneratedFile } from '../../src/generate/index.js';
import { notificationBody } from '../../src/cli/notify.js';
import type { AddonName, WorkflowModel } from '../../src/workflow/model.js';
import type { Facts } from '../../src/facts/schema.js';
import type { Report } from '../../src/report/schema.js';

type Obj = Record<string, unknown>;
let dir: string;

beforeAll(() => {
  dir = tempDir('mlready-addon-alerting-');
  for (const e of ['iris', 'pytorch-gpu', 'pytorch-distributed']) cpSync(path.join(ROOT, 'examples', e), path.join(dir, e), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scaffold = (example: string, facts: Facts | undefined, addons: AddonName[] = ['monitoring', 'alerting']) =>
  renderSpec(path.join(dir, example, 'mlready.yaml'), { ...(facts ? { facts } : {}), with: addons });
const doc = (f: GeneratedFile | undefined): Obj => parse(f!.body, { version: '1.1' }) as Obj;
const docs = (f: GeneratedFile | undefined): Obj[] => parseAllDocuments(f!.body, { version: '1.1' }).map((d) => d.toJS() as Obj);
const alerts = (rules: Obj) => (rules.groups as { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[]).flatMap((g) => g.rules);
const withoutOperator = (): Facts => {
  const f = SCENARIOS['laptop-targets-gpu-cluster']!();
  const k8s = f.cluster!.kubernetes as { addons: Obj };
  k8s.addons = { ...k8s.addons, prometheusOperator: false, alertmanager: false, prometheus: true, kubeStateMetrics: false };
  return f;
};

describe('alert rules', () => {
  test('Kubernetes with the operator: a PrometheusRule with every alert, reading the objects scaffold named', async () => {
    const { files, model } = await scaffold('pytorch-gpu', SCENARIOS['laptop-targets-gpu-cluster']!());
    const [rule, amc] = docs(files.get('k8s/base/alerting.yaml'));
    const objects = [...files.values()].filter((f) => f.path.startsWith('k8s/base/') && !f.path.endsWith('kustomization.yaml')).flatMap(docs);
    validateOperatorObject(rule!, objects);
    validateOperatorObject(amc!, objects);
    const byName = Object.fromEntries(alerts(rule!.spec as Obj).map((a) => [a.alert, a]));
    expect(Object.keys(byName)).toEqual(['TrainingJobFailed', 'ServingUnavailable', 'HighErrorRate', 'HighLatency', 'GpuMemorySaturated', 'PvcNearlyFull']);
    expect(byName.TrainingJobFailed!.expr).toContain('kube_job_status_failed{namespace="vision",job_name=~"resnet-finetune-pipeline"}');
    expect(byName.ServingUnavailable!.expr).toContain('kube_deployment_status_replicas_available{namespace="vision",deployment=~"resnet-finetune-serve"} == 0');
    expect(byName.ServingUnavailable!.expr).toContain('up{workflow="resnet-finetune",stage=~"serve"}');
    expect(byName.ServingUnavailable!.labels.severity).toBe('critical');
    expect(byName.HighErrorRate!.expr).toContain('http_requests_total{workflow="resnet-finetune",stage=~"serve",status=~"5.."}');
    expect(byName.HighLatency!.expr).toContain('histogram_quantile(0.95, sum by (workflow, stage, le) (rate(http_request_duration_seconds_bucket');
    expect(byName.GpuMemorySaturated!.expr).toContain('DCGM_FI_DEV_FB_USED{exported_namespace="vision"}');
    expect(byName.PvcNearlyFull!.expr).toContain('kubelet_volume_stats_available_bytes{namespace="vision",persistentvolumeclaim=~"resnet-finetune-datasets|resnet-finetune-checkpoints"}');
    expect(doc(files.get('k8s/base/kustomization.yaml')).resources).toContain('alerting.yaml');
    expect(model.decisions.find((d) => d.topic === 'alerting.kubernetes')?.choice).toMatch(/^PrometheusRule and AlertmanagerConfig/);
    expect(model.decisions.find((d) => d.topic === 'alerting.secret')?.choice).toContain('resnet-finetune-alerting');
  });

  test('distributed training: Indexed Jobs by kube_job_*, PyTorchJob pods by phase', async () => {
    const indexed = await scaffold('pytorch-distributed', SCENARIOS['cluster-without-training-operator']!());
    const a = alerts(docs(indexed.files.get('k8s/base/alerting.yaml'))[0]!.spec as Obj).find((x) => x.alert === 'TrainingJobFailed')!;
    expect(a.expr).toContain('job_name=~"gpt-pretrain-pipeline-1|gpt-pretrain-train|gpt-pretrain-pipeline-2"');
    const operator = await scaffold('pytorch-distributed', SCENARIOS['laptop-targets-gpu-cluster']!());
    const b = alerts(docs(operator.files.get('k8s/base/alerting.yaml'))[0]!.spec as Obj).find((x) => x.alert === 'TrainingJobFailed')!;
    expect(b.expr).toContain('kube_pod_status_phase{namespace="research",phase="Failed",pod=~"(gpt-pretrain-train)-(master|worker)-[0-9]+"}');
  });

  test('compose: what compose can see (up, requests, DCGM); no Job or volume alerts', async () => {
    const { files } = await scaffold('pytorch-gpu', SCENARIOS['gpu-host-driver-535']!());
    const names = alerts(doc(files.get('monitoring/alerts.yml'))).map((a) => a.alert);
    expect(names).toEqual(['ServingUnavailable', 'HighErrorRate', 'HighLatency', 'GpuMemorySaturated']);
    const gpu = alerts(doc(files.get('monitoring/alerts.yml'))).find((a) => a.alert === 'GpuMemorySaturated')!;
    expect(gpu.expr).toBe('DCGM_FI_DEV_FB_USED{workflow="resnet-finetune"} / (DCGM_FI_DEV_FB_USED{workflow="resnet-finetune"} + DCGM_FI_DEV_FB_FREE{workflow="resnet-finetune"}) > 0.95');
    // monitoring's Prometheus loads them and sends to the profile's Alertmanager.
    const prom = doc(files.get('monitoring/prometheus.yml')) as { rule_files: string[]; alerting: Obj };
    expect(prom.rule_files).toEqual(['alerts.yml']);
    expect(JSON.stringify(prom.alerting)).toContain('alertmanager:9093');
    const compose = doc(files.get('compose.yaml')) as { services: Record<string, { profiles?: string[]; volumes?: Obj[] }> };
    expect(compose.services.alertmanager!.profiles).toEqual(['monitoring']);
    expect(compose.services.prometheus!.volumes).toContainEqual({ type: 'bind', source: './monitoring/alerts.yml', target: '/etc/prometheus/alerts.yml', read_only: true });
    expect(files.get('monitoring/secrets/.gitignore')!.body).toMatch(/^\*$/m);
  });

  test('no operator: a plain rules file for Kubernetes and no AlertmanagerConfig; warnings about kube-state-metrics', async () => {
    const { files, model } = await scaffold('pytorch-gpu', withoutOperator());
    expect(files.has('k8s/base/alerting.yaml')).toBe(false);
    expect(alerts(doc(files.get('monitoring/kubernetes-alerts.yml'))).map((a) => a.alert)).toContain('TrainingJobFailed');
    expect(model.warnings.some((w) => w.includes('kube-state-metrics'))).toBe(true);
  });

  test('alerting without monitoring warns that compose has no Prometheus to load the rules', async () => {
    const { model, files } = await scaffold('iris', undefined, ['alerting']);
    expect(files.has('monitoring/prometheus.yml')).toBe(false);
    expect(files.has('monitoring/alerts.yml')).toBe(true);
    expect(model.warnings.some((w) => w.startsWith('--with alerting without --with monitoring'))).toBe(true);
  });
});

describe('Alertmanager configuration', () => {
  test('receivers for Slack, PagerDuty, email and Splunk HEC; every credential is a file, never a value', async () => {
    const { files } = await scaffold('pytorch-gpu', SCENARIOS['laptop-targets-gpu-cluster']!());
    const am = doc(files.get('monitoring/alertmanager.yml')) as { receivers: Obj[]; route: Obj };
    const kinds = am.receivers.flatMap((r) => Object.keys(r).filter((k) => k.endsWith('_configs')));
    expect(kinds.sort()).toEqual(['email_configs', 'pagerduty_configs', 'slack_configs', 'webhook_configs']);
    const paths = stringsOf(am).map(([p]) => p);
    for (const inline of [/slack_configs\[\d+\]\.api_url$/, /routing_key$/, /service_key$/, /auth_password$/, /authorization\.credentials$/, /auth_secret$/]) {
      expect(paths.filter((p) => inline.test(p))).toEqual([]);
    }
    for (const file of ['api_url_file', 'routing_key_file', 'auth_password_file', 'credentials_file']) {
      const values = stringsOf(am).filter(([p]) => p.endsWith(file)).map(([, v]) => v);
      expect(values.length).toBe(1);
      expect(values[0]).toMatch(/^\/etc\/alertmanager\/secrets\/[a-z-]+$/);
    }
  });

  test('the AlertmanagerConfig reads the same credentials from a Secret it does not define', async () => {
    const { files } = await scaffold('pytorch-gpu', SCENARIOS['laptop-targets-gpu-cluster']!());
    const all = [...files.values()].filter((f) => f.path.startsWith('k8s/')).flatMap(docs);
    expect(all.some((o) => o.kind === 'Secret')).toBe(false);
    const amc = all.find((o) => o.kind === 'AlertmanagerConfig')!;
    const refs = stringsOf(amc.spec).filter(([p]) => /\.(apiURL|authPassword|credentials|routingKey)\.(name|key)$/.test(p));
    expect(refs.filter(([p]) => p.endsWith('.name')).every(([, v]) => v === 'resnet-finetune-alerting')).toBe(true);
    expect(refs.filter(([p]) => p.endsWith('.key')).map(([, v]) => v).sort()).toEqual(['pagerduty-routing-key', 'slack-webhook-url', 'smtp-password', 'splunk-hec-token']);
  });
});

describe('assess --notify summary', () => {
  const report = (over: Partial<Report> = {}): Report =>
    ({
      schemaVersion: '1.0.0',
      kind: 'assess',
      tool: { name: 'mlready', version: '0.1.0' },
      generatedAt: '2026-11-27T12:00:00Z',
      profile: { name: 'training-gpu', description: '', source: 'default', why: '' },
      score: 72.5,
      grade: 'D',
      coverage: 95,
      summary: { pass: 10, fail: 3, unknown: 1, waived: 0, skipped: 2, applicable: 14, blocking: 2 },
      gate: { passed: false, reasons: ['2 failing findings of severity error: GPU-003, K8S-006'], failOn: 'error', strict: false },
      categories: [],
      findings: [
        { ruleId: 'GPU-003', title: 'Driver runs the image CUDA', category: 'gpu', severity: 'error', weight: 5, outcome: 'fail', rationale: '', remediation: '', references: [], source: { file: 'x', pack: 'builtin' } },
        { ruleId: 'K8S-006', title: 'RWX class', category: 'kubernetes', severity: 'error', weight: 5, outcome: 'fail', rationale: '', remediation: '', references: [], source: { file: 'x', pack: 'builtin' } },
        { ruleId: 'HOST-004', title: 'Swap', category: 'host', severity: 'warning', weight: 2, outcome: 'fail', rationale: '', remediation: '', references: [], source: { file: 'x', pack: 'builtin' } },
      ],
      waivers: { expired: [] },
      inputs: { rulePacks: [] },
      ...over,
    }) as Report;

  test('Slack text with verdict, score, grade and the blocking findings; the same as fields', () => {
    const body = notificationBody(report()) as { text: string; mlready: Obj };
    expect(body.text.split('\n')[0]).toBe(':x: mlready assess: gate failed — score 72.5, grade D, profile training-gpu, coverage 95%');
    expect(body.text).toContain('• GPU-003 (error) Driver runs the image CUDA');
    expect(body.text).not.toContain('HOST-004');
    expect(body.mlready).toMatchObject({ verdict: 'failed', passed: false, score: 72.5, grade: 'D', blocking: [{ ruleId: 'GPU-003' }, { ruleId: 'K8S-006' }] });
  });

  test('--fail-on warning lists warnings too; a passing gate says so', () => {
    const warning = notificationBody(report({ gate: { passed: false, reasons: [], failOn: 'warning', strict: false } })) as { mlready: { blocking: unknown[] } };
    expect(warning.mlready.blocking).toHaveLength(3);
    const passed = notificationBody(report({ gate: { passed: true, reasons: [], failOn: 'never', strict: false }, findings: [] })) as { text: string };
    expect(passed.text).toMatch(/^:white_check_mark: mlready assess: gate passed/);
  });
});
