/**
 * `scaffold --with monitoring` in process (planner + generators): the plan's decision between
 * ServiceMonitors and scrape annotations, metrics ports and paths from the spec, what Kubernetes and
 * compose get, and the dashboard. The CLI and the real checkers (promtool, docker-compose, kubectl) are
 * in test/e2e/monitoring-scaffold.test.ts.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { renderSpec, SCENARIOS } from '../golden/scaffold-helpers.js';
import { validateDashboard, validateOperatorObject } from '../helpers/monitoring-validate.js';
import type { GeneratedFile } from '../../src/generate/index.js';
import { monitoringWorkloads } from '../../src/probes/kubernetes/addons.js';
import type { AddonName, WorkflowModel } from '../../src/workflow/model.js';
import type { Facts } from '../../src/facts/schema.js';

type Obj = Record<string, unknown>;
let dir: string;

const CUSTOM = `apiVersion: mlready.dev/v1alpha1
kind: Workflow
metadata: { name: fraud, namespace: risk }
spec:
  framework: pytorch
  python: "3.11"
  volumes: [ { name: models, mountPath: /models, size: 5Gi, shared: true } ]
  stages:
    - name: train
      type: batch
      command: ["python", "train.py"]
      volumes: [models]
      metrics: { port: 9100 }
      resources: { cpu: "2", memory: 8Gi, gpu: 1 }
    - name: api
      type: service
      needs: [train]
      command: ["python", "api.py"]
      volumes: [models]
      port: 8080
      metrics: { port: 9090, path: /prom }
      resources: { cpu: "1", memory: 2Gi }
    - name: prometheus
      type: service
      command: ["python", "other.py"]
      port: 7000
`;

beforeAll(() => {
  dir = tempDir('mlready-addon-monitoring-');
  for (const e of ['iris', 'pytorch-gpu', 'pytorch-distributed']) cpSync(path.join(ROOT, 'examples', e), path.join(dir, e), { recursive: true });
  cpSync(path.join(ROOT, 'examples', 'iris'), path.join(dir, 'custom'), { recursive: true });
  writeFileSync(path.join(dir, 'custom', 'mlready.yaml'), CUSTOM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scaffold = (example: string, facts: Facts | undefined, addons: AddonName[] = ['monitoring']) =>
  renderSpec(path.join(dir, example, 'mlready.yaml'), { ...(facts ? { facts } : {}), with: addons });

const docs = (f: GeneratedFile | undefined): Obj[] => parseAllDocuments(f!.body, { version: '1.1' }).map((d) => d.toJS() as Obj);
const doc = (f: GeneratedFile | undefined): Obj => parse(f!.body, { version: '1.1' }) as Obj;
const k8sObjects = (files: Map<string, GeneratedFile>) => [...files.values()].filter((f) => f.path.startsWith('k8s/base/') && !f.path.endsWith('kustomization.yaml')).flatMap(docs);
const decision = (m: WorkflowModel, topic: string) => m.decisions.find((d) => d.topic === topic);
const withoutOperator = (): Facts => {
  const f = SCENARIOS['laptop-targets-gpu-cluster']!();
  const k8s = f.cluster!.kubernetes as { addons: Obj };
  k8s.addons = { ...k8s.addons, prometheusOperator: false, prometheus: true };
  return f;
};

describe('plan', () => {
  test('the operator\'s CRDs in the facts: ServiceMonitors, with the reason', async () => {
    const { model } = await scaffold('pytorch-gpu', SCENARIOS['laptop-targets-gpu-cluster']!());
    expect(decision(model, 'monitoring.kubernetes')).toMatchObject({ choice: expect.stringContaining('ServiceMonitor'), reason: expect.stringContaining('Prometheus Operator CRDs') });
    expect(model.addons.monitoring).toMatchObject({ kubernetes: 'operator', targets: [{ stage: 'serve', type: 'service', port: 8000, path: '/metrics', declared: false }] });
  });

  test('no operator, or no cluster facts: scrape annotations, with the reason', async () => {
    const a = await scaffold('pytorch-gpu', withoutOperator());
    expect(decision(a.model, 'monitoring.kubernetes')).toMatchObject({ choice: expect.stringContaining('prometheus.io/scrape'), reason: expect.stringContaining('no Prometheus Operator CRDs') });
    const b = await scaffold('pytorch-gpu', undefined);
    expect(decision(b.model, 'monitoring.kubernetes')?.reason).toMatch(/^no facts: /);
    expect(b.model.addons.monitoring).toMatchObject({ kubernetes: 'annotations' });
  });

  test('metrics: from the spec (port, path; batch stages only when declared), service names clear of stage names', async () => {
    const { model } = await scaffold('custom', SCENARIOS['laptop-targets-gpu-cluster']!());
    const plan = model.addons.monitoring as { targets: unknown[]; services: Record<string, string> };
    expect(plan.targets).toEqual([
      { stage: 'train', type: 'batch', port: 9100, path: '/metrics', declared: true },
      { stage: 'api', type: 'service', port: 9090, path: '/prom', declared: true },
      { stage: 'prometheus', type: 'service', port: 7000, path: '/metrics', declared: false },
    ]);
    expect(plan.services).toMatchObject({ prometheus: 'mlready-prometheus', grafana: 'grafana' });
    expect(decision(model, 'monitoring.targets')?.choice).toBe('train:9100/metrics, api:9090/prom, prometheus:7000/metrics');
  });
});

describe('Kubernetes', () => {
  test('ServiceMonitor selects the Service by its labels and scrapes a port the Service has; PodMonitor for a batch stage', async () => {
    const { files } = await scaffold('custom', SCENARIOS['laptop-targets-gpu-cluster']!());
    const objects = k8sObjects(files);
    const monitors = docs(files.get('k8s/base/monitoring.yaml'));
    expect(monitors.map((m) => `${String(m.kind)} ${String((m.metadata as Obj).name)}`)).toEqual(['PodMonitor fraud-train', 'ServiceMonitor fraud-api', 'ServiceMonitor fraud-prometheus']);
    for (const m of monitors) validateOperatorObject(m, objects);
    const api = monitors[1]!;
    expect((api.spec as { endpoints: Obj[] }).endpoints[0]).toMatchObject({ port: 'metrics', path: '/prom', relabelings: [{ targetLabel: 'workflow', replacement: 'fraud' }, { targetLabel: 'stage', replacement: 'api' }] });
    // The metrics port differs from the serving port: a named Service port, a named container port, and the NetworkPolicy lets it in.
    const svc = objects.find((o) => o.kind === 'Service' && (o.metadata as Obj).name === 'fraud-api')!;
    expect((svc.spec as { ports: Obj[] }).ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const policy = objects.find((o) => o.kind === 'NetworkPolicy' && (o.metadata as Obj).name === 'fraud-api-ingress')!;
    expect((policy.spec as { ingress: { ports: Obj[] }[] }).ingress[0]!.ports).toEqual([{ port: 8080, protocol: 'TCP' }, { port: 9090, protocol: 'TCP' }]);
    // The same port as the serving port: the existing name, nothing added.
    const other = objects.find((o) => o.kind === 'Service' && (o.metadata as Obj).name === 'fraud-prometheus')!;
    expect((other.spec as { ports: Obj[] }).ports).toHaveLength(1);
    expect((monitors[2]!.spec as { endpoints: Obj[] }).endpoints[0]!.port).toBe('http');
    // The training pod gets a metrics port and a NetworkPolicy of its own.
    const job = objects.find((o) => o.kind === 'Job')!;
    const containers = (job.spec as { template: { spec: { containers: { name: string; ports?: Obj[] }[] } } }).template.spec.containers;
    expect(containers.find((c) => c.name === 'train')!.ports).toEqual([{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }]);
    expect(objects.some((o) => o.kind === 'NetworkPolicy' && (o.metadata as Obj).name === 'fraud-train-metrics')).toBe(true);
    expect(doc(files.get('k8s/base/kustomization.yaml')).resources).toContain('monitoring.yaml');
  });

  test('a PyTorchJob\'s Master and Worker share one PodMonitor; its container is named pytorch', async () => {
    const spec = path.join(dir, 'pytorch-distributed', 'mlready.yaml');
    const { readFileSync } = await import('node:fs');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('      replicas: 4\n', '      replicas: 4\n      metrics: { port: 9400 }\n'));
    const { files } = await scaffold('pytorch-distributed', SCENARIOS['laptop-targets-gpu-cluster']!());
    const objects = k8sObjects(files);
    const monitors = docs(files.get('k8s/base/monitoring.yaml'));
    expect(monitors.map((m) => String(m.kind))).toEqual(['PodMonitor', 'ServiceMonitor']);
    for (const m of monitors) validateOperatorObject(m, objects);
    const job = objects.find((o) => o.kind === 'PyTorchJob')!;
    for (const role of ['Master', 'Worker']) {
      const c = (job.spec as { pytorchReplicaSpecs: Record<string, { template: { spec: { containers: { name: string; ports?: Obj[] }[] } } }> }).pytorchReplicaSpecs[role]!.template.spec.containers[0]!;
      expect(c.name).toBe('pytorch');
      expect(c.ports).toContainEqual({ name: 'metrics', containerPort: 9400, protocol: 'TCP' });
    }
  });

  test('annotations on the pod templates without the operator; no monitoring objects', async () => {
    const { files } = await scaffold('custom', withoutOperator());
    expect(files.has('k8s/base/monitoring.yaml')).toBe(false);
    const objects = k8sObjects(files);
    const deployment = objects.find((o) => o.kind === 'Deployment' && (o.metadata as Obj).name === 'fraud-api')!;
    expect((deployment.spec as { template: { metadata: Obj } }).template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090', 'prometheus.io/path': '/prom' });
    const job = objects.find((o) => o.kind === 'Job')!;
    expect((job.spec as { template: { metadata: Obj } }).template.metadata.annotations).toMatchObject({ 'prometheus.io/port': '9100' });
  });
});

describe('compose', () => {
  test('a monitoring profile: Prometheus scraping the stages by service name, Grafana provisioned, images pinned', async () => {
    const { files } = await scaffold('custom', SCENARIOS['gpu-host-driver-535']!());
    const compose = doc(files.get('compose.yaml')) as { services: Record<string, Obj>; volumes: Obj };
    const added = Object.entries(compose.services).filter(([, s]) => (s.profiles as string[] | undefined)?.includes('monitoring'));
    expect(added.map(([n]) => n).sort()).toEqual(['dcgm-exporter', 'grafana', 'mlready-prometheus']);
    for (const [, s] of added) expect(s.image).toMatch(/^[^:]+(:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]*)$/);
    // The stages themselves are in no profile: `docker compose up` runs the workflow alone.
    for (const n of ['train', 'api', 'prometheus']) expect(compose.services[n]!.profiles).toBeUndefined();
    const prom = doc(files.get('monitoring/prometheus.yml')) as { scrape_configs: Obj[]; rule_files?: unknown };
    expect(prom.rule_files).toBeUndefined();
    expect(prom.scrape_configs).toEqual(
      expect.arrayContaining([
        { job_name: 'train', metrics_path: '/metrics', static_configs: [{ targets: ['train:9100'], labels: { workflow: 'fraud', stage: 'train' } }] },
        { job_name: 'api', metrics_path: '/prom', static_configs: [{ targets: ['api:9090'], labels: { workflow: 'fraud', stage: 'api' } }] },
        { job_name: 'dcgm-exporter', static_configs: [{ targets: ['dcgm-exporter:9400'], labels: { workflow: 'fraud' } }] },
      ]),
    );
    const ds = doc(files.get('monitoring/grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { uid: string; url: string }[] };
    expect(ds.datasources[0]!.url).toBe('http://mlready-prometheus:9090');
    const dashboard = JSON.parse(files.get('monitoring/grafana/dashboards/fraud.json')!.body) as Obj;
    validateDashboard(dashboard, ds.datasources[0]!.uid);
    expect(files.get('monitoring/grafana/dashboards/fraud.json')!.comment).toBe('none');
    const exprs = (dashboard.panels as { targets: { expr: string }[] }[]).flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.some((e) => e.includes('DCGM_FI_DEV_GPU_UTIL'))).toBe(true);
    expect(exprs.some((e) => e.includes('DCGM_FI_DEV_FB_USED'))).toBe(true);
    expect(exprs.some((e) => e.startsWith('histogram_quantile(0.99') && e.includes('stage="api"'))).toBe(true);
  });

  test('a CPU workflow: no DCGM exporter and no GPU panels', async () => {
    const { files } = await scaffold('iris', SCENARIOS['cpu-only']!());
    const compose = doc(files.get('compose.yaml')) as { services: Record<string, Obj> };
    expect(compose.services['dcgm-exporter']).toBeUndefined();
    expect(compose.services.prometheus!.ports).toEqual(['127.0.0.1:9090:9090']);
    const dashboard = JSON.parse(files.get('monitoring/grafana/dashboards/iris.json')!.body) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.map((p) => p.title)).toEqual(['Scrape targets up', 'serve: request rate', 'serve: latency p50 / p95 / p99', 'serve: error ratio']);
    expect(JSON.stringify(dashboard)).not.toContain('DCGM');
  });
});

describe('facts: monitoring workloads by name', () => {
  test('Prometheus servers, not the operator or exporters; Grafana, not its agent; kube-state-metrics', () => {
    expect(monitoringWorkloads(['kube-prometheus-stack-operator', 'kube-prometheus-stack-prometheus-node-exporter', 'prometheus-adapter', 'kube-prometheus-stack-grafana'])).toEqual({ prometheus: false, grafana: true, kubeStateMetrics: false });
    expect(monitoringWorkloads(['prometheus-kube-prometheus-stack-prometheus', 'kube-prometheus-stack-kube-state-metrics', 'grafana-agent'])).toEqual({ prometheus: true, grafana: false, kubeStateMetrics: true });
    expect(monitoringWorkloads(['prometheus-server', 'prometheus-pushgateway'])).toMatchObject({ prometheus: true });
    expect(monitoringWorkloads(['prometheus-k8s'])).toMatchObject({ prometheus: true });
    expect(monitoringWorkloads(['coredns', 'alertmanager-main'])).toEqual({ prometheus: false, grafana: false, kubeStateMetrics: false });
  });
});
