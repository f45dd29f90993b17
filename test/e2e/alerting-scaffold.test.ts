/**
 * `mlready scaffold --with monitoring,alerting`: the alert rules pass `promtool check rules` (compose's
 * monitoring/alerts.yml, the PrometheusRule's groups, monitoring/kubernetes-alerts.yml without the
 * operator), the Alertmanager configuration passes `amtool check-config` (Debian's
 * prometheus-alertmanager), and no credential value is written anywhere — only files and Secret keys.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/facts.js';
import { listFiles, scaffoldExamples, SCENARIOS, yamlDoc, yamlDocs } from '../golden/scaffold-helpers.js';
import { AMTOOL, check, haveTool, PROMTOOL, stringsOf } from '../helpers/monitoring-validate.js';
import type { Facts } from '../../src/facts/schema.js';

type Obj = Record<string, unknown>;
const withoutOperator = (): Facts => {
  const f = SCENARIOS['laptop-targets-gpu-cluster']!();
  const k8s = f.cluster!.kubernetes as { addons: Obj };
  k8s.addons = { ...k8s.addons, prometheusOperator: false, prometheus: true, alertmanager: true, kubeStateMetrics: true };
  return f;
};
const CASES: { example: string; scenario: string; facts?: () => Facts; k8s: 'operator' | 'rules-file' }[] = [
  { example: 'pytorch-gpu', scenario: 'laptop-targets-gpu-cluster', k8s: 'operator' },
  { example: 'pytorch-gpu', scenario: 'gpu-host-driver-535', k8s: 'rules-file' },
  { example: 'huggingface-inference', scenario: 'without-operator', facts: withoutOperator, k8s: 'rules-file' },
  { example: 'pytorch-distributed', scenario: 'laptop-targets-gpu-cluster', k8s: 'operator' },
  { example: 'iris', scenario: 'generic', k8s: 'rules-file' },
];
const name = (c: (typeof CASES)[number]) => `${c.example}/${c.scenario}`;
let work: string;
let outputs = new Map<string, string>();

beforeAll(async () => {
  work = tempDir('mlready-alerting-e2e-');
  outputs = await scaffoldExamples(work, CASES, 'monitoring,alerting');
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(CASES)('$example with $scenario', (c) => {
  const dir = () => outputs.get(name(c))!;

  test('promtool check rules accepts every rules file and the PrometheusRule', () => {
    const files = [path.join(dir(), 'monitoring', 'alerts.yml')];
    const alerting = path.join(dir(), 'k8s', 'base', 'alerting.yaml');
    if (c.k8s === 'operator') {
      const rule = yamlDocs(alerting).find((d) => d.kind === 'PrometheusRule')!;
      const extracted = path.join(work, `${c.example}-${c.scenario}-prometheusrule.yml`);
      writeFileSync(extracted, stringify(rule.spec));
      files.push(extracted);
      expect(existsSync(path.join(dir(), 'monitoring', 'kubernetes-alerts.yml'))).toBe(false);
    } else {
      expect(existsSync(alerting)).toBe(false);
      files.push(path.join(dir(), 'monitoring', 'kubernetes-alerts.yml'));
    }
    for (const f of files) expect(existsSync(f)).toBe(true);
    if (!haveTool(PROMTOOL, 'prometheus')) return;
    for (const f of files) expect(check(PROMTOOL, ['check', 'rules', f])).toMatch(/SUCCESS: [1-9]\d* rules found/);
  });

  test('amtool check-config accepts monitoring/alertmanager.yml', () => {
    const file = path.join(dir(), 'monitoring', 'alertmanager.yml');
    expect(existsSync(file)).toBe(true);
    if (!haveTool(AMTOOL, 'prometheus-alertmanager')) return;
    const out = check(AMTOOL, ['check-config', file]);
    expect(out).toMatch(/SUCCESS/);
    expect(out).toMatch(/2 receivers/);
  });

  test('credentials by reference only: files in monitoring/secrets (git-ignored), Secret keys on Kubernetes; no Secret written', () => {
    const am = yamlDoc(path.join(dir(), 'monitoring', 'alertmanager.yml'));
    const fileRefs = stringsOf(am).filter(([p]) => /_file$/.test(p));
    expect(fileRefs.map(([p]) => p.replace(/\[\d+\]/g, '[]')).sort()).toEqual(
      ['receivers[].email_configs[].auth_password_file', 'receivers[].pagerduty_configs[].routing_key_file', 'receivers[].slack_configs[].api_url_file', 'receivers[].webhook_configs[].http_config.authorization.credentials_file'].sort(),
    );
    const compose = yamlDoc(path.join(dir(), 'compose.yaml')) as { services: Record<string, { volumes?: { source: string; target: string }[] }> };
    const mount = compose.services.alertmanager!.volumes!.find((v) => v.source === './monitoring/secrets')!;
    for (const [, v] of fileRefs) expect(v.startsWith(`${mount.target}/`)).toBe(true);
    expect(readFileSync(path.join(dir(), 'monitoring', 'secrets', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const k8s = listFiles(path.join(dir(), 'k8s')).filter((f) => f.endsWith('.yaml')).flatMap((f) => yamlDocs(path.join(dir(), 'k8s', f)));
    expect(k8s.filter((d) => d.kind === 'Secret')).toEqual([]);
    expect(k8s.some((d) => d.kind === 'AlertmanagerConfig')).toBe(c.k8s === 'operator');
  });
});
