/**
 * `mlready scaffold --with monitoring,alerting` as a user runs it, on the examples with and without
 * cluster facts; what it writes is checked by the tools that will read it:
 * - `promtool check config` on monitoring/prometheus.yml (Debian's prometheus package; required in CI);
 * - `docker-compose config` (1.29) with and without `--profile monitoring`, and the compose-spec schema;
 * - the dashboard's structure against the provisioned Grafana data source;
 * - ServiceMonitors/PodMonitors against the Services and pods they select; every other Kubernetes
 *   object against the OpenAPI schemas, pods against Pod Security "restricted"; `kubectl kustomize`;
 * - `mlready lint` finds nothing above info; a second run changes nothing (JSON files via the manifest).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { cliEnv, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { assertRestrictedPod, listFiles, loadClientModels, podSpecsOf, scaffoldExamples, SCENARIOS, validateComposeSpec, validateK8sObject, yamlDoc, yamlDocs } from '../golden/scaffold-helpers.js';
import { check, COMPOSE, haveTool, PROMTOOL, validateDashboard, validateOperatorObject } from '../helpers/monitoring-validate.js';

type Obj = Record<string, unknown>;
const env = cliEnv();
const CASES: { example: string; scenario: string; monitors: boolean; gpu: boolean }[] = [
  { example: 'iris', scenario: 'generic', monitors: false, gpu: false },
  { example: 'iris', scenario: 'cpu-only', monitors: false, gpu: false },
  { example: 'pytorch-gpu', scenario: 'laptop-targets-gpu-cluster', monitors: true, gpu: true },
  { example: 'pytorch-gpu', scenario: 'gpu-host-driver-535', monitors: false, gpu: true },
  { example: 'huggingface-inference', scenario: 'laptop-targets-gpu-cluster', monitors: true, gpu: true },
  { example: 'pytorch-distributed', scenario: 'cluster-without-training-operator', monitors: true, gpu: true },
  { example: 'tensorflow', scenario: 'generic', monitors: false, gpu: true },
];
const name = (c: (typeof CASES)[number]) => `${c.example}/${c.scenario}`;
let work: string;
let outputs = new Map<string, string>();

beforeAll(async () => {
  await loadClientModels();
  work = tempDir('mlready-monitoring-e2e-');
  outputs = await scaffoldExamples(work, CASES, 'monitoring,alerting');
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(CASES)('$example with $scenario', (c) => {
  const dir = () => outputs.get(name(c))!;

  test('promtool check config accepts monitoring/prometheus.yml (and the rule file it loads)', () => {
    const file = path.join(dir(), 'monitoring', 'prometheus.yml');
    expect(existsSync(file)).toBe(true);
    if (!haveTool(PROMTOOL, 'prometheus')) return;
    const out = check(PROMTOOL, ['check', 'config', file]);
    expect(out).toMatch(/SUCCESS: 1 rule files found/);
  });

  test('docker-compose config accepts compose.yaml; the monitoring profile adds Prometheus, Grafana, Alertmanager (and the DCGM exporter for GPUs)', () => {
    const file = path.join(dir(), 'compose.yaml');
    const compose = yamlDoc(file) as { services: Record<string, Obj> };
    validateComposeSpec(compose, 'compose.yaml');
    const profiled = Object.keys(compose.services).filter((s) => (compose.services[s]!.profiles as string[] | undefined)?.includes('monitoring'));
    // The DCGM exporter joins when a stage reserves an NVIDIA GPU in compose.
    const dcgm = Object.values(compose.services).some((s) => !s.profiles && JSON.stringify(s.deploy ?? {}).includes('"driver":"nvidia"'));
    expect(profiled.sort()).toEqual(['alertmanager', 'grafana', 'prometheus', ...(dcgm ? ['dcgm-exporter'] : [])].sort());
    for (const s of profiled) expect(String(compose.services[s]!.image)).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$/);
    for (const s of profiled) expect(String(compose.services[s]!.image)).not.toMatch(/:latest$/);
    if (!haveTool(COMPOSE, 'docker-compose')) return;
    const opts = { encoding: 'utf8' as const, cwd: dir(), env: { PATH: process.env.PATH, HOME: work } };
    // docker-compose 1.29's config lists every service; the resolved file keeps the profiles.
    for (const args of [['config'], ['--profile', 'monitoring', 'config']]) {
      const resolved = yamlDocText(execFileSync(COMPOSE, ['-f', file, ...args], opts)) as { services: Record<string, { profiles?: string[] }> };
      expect(Object.keys(resolved.services).sort()).toEqual(Object.keys(compose.services).sort());
      expect(Object.keys(resolved.services).filter((s) => resolved.services[s]!.profiles?.includes('monitoring')).sort()).toEqual([...profiled].sort());
    }
  });

  test('the dashboard: panels with targets, the provisioned data source, unique ids, a grid; GPU panels for GPU workflows', () => {
    const ds = yamlDoc(path.join(dir(), 'monitoring/grafana/provisioning/datasources/prometheus.yaml')) as { datasources: { uid: string; url: string }[] };
    const provider = yamlDoc(path.join(dir(), 'monitoring/grafana/provisioning/dashboards/dashboards.yaml')) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0]!.options.path).toBe('/etc/grafana/dashboards');
    const files = listFiles(path.join(dir(), 'monitoring/grafana/dashboards'));
    expect(files).toHaveLength(1);
    const text = readFileSync(path.join(dir(), 'monitoring/grafana/dashboards', files[0]!), 'utf8');
    const dashboard = JSON.parse(text) as Obj;
    validateDashboard(dashboard, ds.datasources[0]!.uid);
    expect(text.includes('DCGM_FI_DEV_GPU_UTIL') && text.includes('DCGM_FI_DEV_FB_USED')).toBe(c.gpu);
    // Every panel query parses as PromQL: promtool checks them as recording rules.
    if (haveTool(PROMTOOL, 'prometheus')) {
      const rules = (dashboard.panels as { id: number; targets: { refId: string; expr: string }[] }[]).flatMap((p) => p.targets.map((t) => ({ record: `panel_${p.id}_${t.refId}`, expr: t.expr })));
      const file = path.join(work, `${c.example}-${c.scenario}-panels.yml`);
      writeFileSync(file, stringify({ groups: [{ name: 'panels', rules }] }));
      expect(check(PROMTOOL, ['check', 'rules', file])).toContain(`SUCCESS: ${rules.length} rules found`);
    }
    // JSON carries no header: the manifest holds its hash.
    expect(readFileSync(path.join(dir(), '.mlready-generated'), 'utf8')).toContain(`  monitoring/grafana/dashboards/${files[0]!}`);
  });

  test('Kubernetes: monitors select a Service or pods and name ports that exist; everything else validates; kustomize builds', () => {
    const files = listFiles(path.join(dir(), 'k8s/base')).filter((f) => !f.endsWith('kustomization.yaml'));
    const objects = files.flatMap((f) => yamlDocs(path.join(dir(), 'k8s/base', f)));
    const operatorKinds = new Set(['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'AlertmanagerConfig']);
    for (const o of objects) {
      if (operatorKinds.has(String(o.kind))) validateOperatorObject(o, objects);
      else validateK8sObject(o, String(o.kind));
      for (const pod of podSpecsOf(o)) assertRestrictedPod(pod, String(o.kind));
    }
    expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(c.monitors);
    if (!c.monitors) {
      // Annotations instead, on every serving pod template.
      for (const d of objects.filter((o) => o.kind === 'Deployment')) {
        expect((d.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true' });
      }
    }
    for (const overlay of ['dev', 'prod']) {
      const out = execFileSync('kubectl', ['kustomize', path.join(dir(), 'k8s', 'overlays', overlay)], { encoding: 'utf8' });
      expect(out.includes('kind: ServiceMonitor')).toBe(c.monitors);
    }
  });

  test('mlready lint finds nothing above info', async () => {
    const r = await runCli(['lint', '--format', 'json', dir()], { env, cwd: dir() });
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; outcome: string; message: string }[] };
    expect(report.findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
    expect(r.code).toBe(0);
  });

  test('a second run changes nothing', async () => {
    const args = ['scaffold', '--with', 'monitoring,alerting', ...(SCENARIOS[c.scenario] ? ['--facts', path.join(work, 'facts', `${c.example}-${c.scenario}.json`)] : [])];
    const r = await runCli(args, { env, cwd: dir() });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/ 0 created, 0 updated, \d+ unchanged/);
  });
});

function yamlDocText(text: string): Obj {
  const file = path.join(work, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  try {
    return yamlDoc(file);
  } finally {
    rmSync(file, { force: true });
  }
}
