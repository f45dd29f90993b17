/**
 * `mlready scaffold --with logging` as a user runs it (the CLI as a process), checked by the tools that
 * read the output: `docker-compose config` (Debian's 1.29) with and without the profiles, the Fluent
 * Bit configuration parsed as YAML, `kubectl kustomize`, the Kubernetes OpenAPI models, and
 * `mlready lint` (nothing above info).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cliEnv, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { assertRestrictedPod, listFiles, loadClientModels, podSpecsOf, scaffoldExamples, SCENARIOS, validateComposeSpec, validateK8sObject, yamlDoc, yamlDocs } from '../golden/scaffold-helpers.js';

const env = cliEnv();
const COMPOSE = '/usr/bin/docker-compose';
const hasCompose = existsSync(COMPOSE);
const CASES = [
  { example: 'iris', scenario: 'generic' },
  { example: 'huggingface-inference', scenario: 'laptop-targets-gpu-cluster' },
  { example: 'pytorch-distributed', scenario: 'gpu-host-driver-535' },
];
let work: string;
let dirs = new Map<string, string>();

beforeAll(async () => {
  await loadClientModels();
  work = tempDir('mlready-logging-cli-');
  dirs = await scaffoldExamples(work, CASES, 'logging');
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const compose = (dir: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  execFileSync(COMPOSE, ['-f', path.join(dir, 'compose.yaml'), ...args], { encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: work, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });

describe.each(CASES)('$example with $scenario, --with logging', (c) => {
  const dir = () => dirs.get(`${c.example}/${c.scenario}`)!;

  test('docker-compose config accepts compose.yaml, with and without the logging and kibana profiles', () => {
    validateComposeSpec(yamlDoc(path.join(dir(), 'compose.yaml')), 'compose.yaml');
    if (!hasCompose) return;
    const plain = parseYaml(compose(dir(), ['config'])) as { services: Record<string, unknown> };
    expect(Object.keys(plain.services)).toEqual(expect.arrayContaining(['elasticsearch', 'fluent-bit']));
    const services = compose(dir(), ['--profile', 'logging', '--profile', 'kibana', 'config', '--services'], { ELASTIC_PASSWORD: 'x', KIBANA_PASSWORD: 'y' })
      .trim()
      .split('\n');
    expect(services).toEqual(expect.arrayContaining(['elasticsearch', 'fluent-bit', 'kibana-setup', 'kibana']));
    // With the passwords set, compose fills in Kibana's and leaves the shell variables to the containers.
    const resolved = parseYaml(compose(dir(), ['--profile', 'kibana', 'config'], { KIBANA_PASSWORD: 'kibana-pw' })) as { services: Record<string, { environment: Record<string, string> }> };
    expect(resolved.services.kibana!.environment.ELASTICSEARCH_PASSWORD).toBe('kibana-pw');
  });

  test('the shipper configuration parses and names the files and services compose provides', () => {
    const main = parseYaml(readFileSync(path.join(dir(), 'logging', 'fluent-bit.yaml'), 'utf8')) as { includes: string[]; pipeline: { outputs: { host: string }[] } };
    for (const inc of main.includes) expect(existsSync(path.join(dir(), 'logging', inc))).toBe(true);
    const parsers = parseYaml(readFileSync(path.join(dir(), 'logging', 'parsers.yaml'), 'utf8')) as { parsers: { name: string; format: string }[] };
    expect(parsers.parsers).toEqual([{ name: 'mlready-json', format: 'json' }]);
    const services = (yamlDoc(path.join(dir(), 'compose.yaml')).services ?? {}) as Record<string, unknown>;
    expect(Object.keys(services)).toContain(main.pipeline.outputs[0]!.host);
  });

  test('Kubernetes objects stay valid and restricted; kubectl kustomize builds both overlays', () => {
    for (const f of listFiles(dir()).filter((x) => x.startsWith('k8s/base/') && !x.endsWith('kustomization.yaml'))) {
      for (const doc of yamlDocs(path.join(dir(), f))) {
        validateK8sObject(doc, f);
        for (const pod of podSpecsOf(doc)) assertRestrictedPod(pod, f);
      }
    }
    for (const overlay of ['dev', 'prod']) {
      const out = execFileSync('kubectl', ['kustomize', path.join(dir(), 'k8s', 'overlays', overlay)], { encoding: 'utf8' });
      expect(out).toContain('LOG_FORMAT');
    }
  });

  test('mlready lint finds nothing above info in the output', async () => {
    const r = await runCli(['lint', '--format', 'json', dir()], { env, cwd: dir() });
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; outcome: string; message: string }[] };
    expect(report.findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
    expect(report.findings.some((f) => f.ruleId === 'LOG-004' && f.outcome === 'pass')).toBe(true);
    expect(r.code).toBe(0);
  });
});
