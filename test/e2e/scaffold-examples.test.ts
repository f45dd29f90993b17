/**
 * Every example spec, scaffolded as a user would (the CLI as a process, in a copy of the example's
 * directory), with generic defaults and with facts scenarios; every output is checked by the tools
 * that will read it:
 * - Kubernetes objects against the OpenAPI schemas (kubernetes-models) with no unknown field, every
 *   pod against Pod Security "restricted", every selector against its pod labels;
 * - `kubectl kustomize` builds both overlays;
 * - compose.yaml against the compose-spec JSON schema and with `docker-compose config` (1.29);
 * - docker-stack.yml with `docker stack config` (the 28.x client; no swarm needed);
 * - golden files under test/golden/<example>/<scenario>/ (UPDATE_GOLDEN=1 rewrites them).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/facts.js';
import {
  assertRestrictedPod,
  listFiles,
  loadClientModels,
  podSpecsOf,
  SCENARIOS,
  validateComposeSpec,
  validateK8sObject,
  yamlDoc,
  yamlDocs,
} from '../golden/scaffold-helpers.js';

const env = cliEnv();
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = path.join(ROOT, 'test', 'golden');
const COMPOSE = '/usr/bin/docker-compose';
const DOCKER28 = '/usr/local/bin/docker';
const has = (file: string) => existsSync(file);

interface Case {
  example: string;
  scenario: string;
  args?: string[];
}
const CASES: Case[] = [
  { example: 'iris', scenario: 'generic' },
  { example: 'iris', scenario: 'ci-base-image', args: ['--base-image', 'mlready-ci-base:bookworm'] },
  { example: 'iris', scenario: 'cpu-only' },
  { example: 'pytorch-gpu', scenario: 'generic' },
  { example: 'pytorch-gpu', scenario: 'host-550-cluster-535' },
  { example: 'pytorch-gpu', scenario: 'laptop-targets-gpu-cluster' },
  { example: 'tensorflow', scenario: 'generic' },
  { example: 'tensorflow', scenario: 'gpu-host-driver-535' },
  { example: 'tensorflow', scenario: 'cpu-only' },
  { example: 'huggingface-inference', scenario: 'generic' },
  { example: 'huggingface-inference', scenario: 'laptop-targets-gpu-cluster' },
  { example: 'pytorch-distributed', scenario: 'generic' },
  { example: 'pytorch-distributed', scenario: 'laptop-targets-gpu-cluster' },
  { example: 'pytorch-distributed', scenario: 'cluster-without-training-operator' },
  { example: 'data-sources', scenario: 'generic' },
  { example: 'edge-inference', scenario: 'generic' },
];

let work: string;
const outputs = new Map<string, string>();
const name = (c: Case) => `${c.example}/${c.scenario}`;

beforeAll(async () => {
  await loadClientModels();
  work = tempDir('mlready-scaffold-examples-');
  const factsDir = path.join(work, 'facts');
  mkdirSync(factsDir);
  await Promise.all(
    CASES.map(async (c) => {
      const dir = path.join(work, c.example, c.scenario);
      cpSync(path.join(ROOT, 'examples', c.example), dir, { recursive: true });
      const args = ['scaffold', ...(c.args ?? [])];
      if (SCENARIOS[c.scenario]) args.push('--facts', writeJson(factsDir, `${c.scenario}.json`, SCENARIOS[c.scenario]!()));
      const r = await runCli(args, { env, cwd: dir });
      if (r.code !== 0) throw new Error(`${name(c)}: exit ${r.code}: ${r.stderr}`);
      outputs.set(name(c), dir);
    }),
  );
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function generatedFiles(dir: string, example: string): string[] {
  const sources = new Set(listFiles(path.join(ROOT, 'examples', example)));
  return listFiles(dir).filter((f) => !sources.has(f));
}

describe.each(CASES)('$example with $scenario', (c) => {
  const dir = () => outputs.get(name(c))!;

  test('Kubernetes objects validate against the OpenAPI schemas, meet Pod Security "restricted", and selectors match', () => {
    const files = generatedFiles(dir(), c.example).filter((f) => f.startsWith('k8s/base/') && !f.endsWith('kustomization.yaml'));
    expect(files.length).toBeGreaterThan(4);
    const seen = new Set<string>();
    for (const f of files) {
      for (const doc of yamlDocs(path.join(dir(), f))) {
        validateK8sObject(doc, f);
        seen.add(String(doc.kind));
        for (const pod of podSpecsOf(doc)) assertRestrictedPod(pod, `${f} ${String(doc.kind)}`);
        const spec = doc.spec as Record<string, unknown> | undefined;
        if (doc.kind === 'Deployment') {
          const selector = (spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
          const labels = (spec!.template as { metadata: { labels: Record<string, string> } }).metadata.labels;
          for (const [k, v] of Object.entries(selector)) expect(labels[k]).toBe(v);
          expect(Object.keys(selector).every((k) => k.startsWith('app.kubernetes.io/'))).toBe(true);
        }
        if (doc.kind === 'Job') {
          expect(spec).toMatchObject({ backoffLimit: expect.any(Number), ttlSecondsAfterFinished: expect.any(Number), activeDeadlineSeconds: expect.any(Number) });
          expect((spec!.template as { spec: { restartPolicy: string } }).spec.restartPolicy).toBe('Never');
        }
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['Namespace', 'ServiceAccount', 'NetworkPolicy']));
    const ns = yamlDocs(path.join(dir(), 'k8s/base/namespace.yaml'));
    expect((ns[0]!.metadata as { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ns[1]).toMatchObject({ kind: 'ServiceAccount', automountServiceAccountToken: false });
  });

  test('kubectl kustomize builds the dev and prod overlays', () => {
    for (const overlay of ['dev', 'prod']) {
      const out = execFileSync('kubectl', ['kustomize', path.join(dir(), 'k8s', 'overlays', overlay)], { encoding: 'utf8' });
      const docs = yamlDocsText(out);
      expect(docs.length).toBeGreaterThan(4);
      for (const d of docs) {
        if (d.kind !== 'Namespace') expect((d.metadata as { namespace?: string }).namespace).toBeDefined();
        expect((d.metadata as { labels?: Record<string, string> }).labels?.['mlready.dev/environment']).toBe(overlay);
      }
    }
  });

  test('compose.yaml matches the compose-spec schema and docker-compose config accepts it', () => {
    const file = path.join(dir(), 'compose.yaml');
    validateComposeSpec(yamlDoc(file), 'compose.yaml');
    if (!has(COMPOSE)) return;
    const out = execFileSync(COMPOSE, ['-f', file, 'config'], { encoding: 'utf8', cwd: dir(), env: { PATH: process.env.PATH, HOME: work } });
    expect(Object.keys(yamlDocText(out).services as object).length).toBeGreaterThan(0);
  });

  test('docker-stack.yml passes docker stack config (28.x client) and uses only what Swarm understands', () => {
    const file = path.join(dir(), 'docker-stack.yml');
    const stack = yamlDoc(file) as { version: string; services: Record<string, Record<string, unknown>> };
    expect(stack.version).toMatch(/^3\.\d+$/);
    for (const s of Object.values(stack.services)) {
      expect(s.build).toBeUndefined();
      expect(s.depends_on).toBeUndefined();
      expect(JSON.stringify(s)).not.toContain('"devices"');
      expect(s.image).toMatch(/:[A-Za-z0-9_.-]+$/);
    }
    validateComposeSpec(stack, 'docker-stack.yml');
    if (!has(DOCKER28)) return;
    const out = execFileSync(DOCKER28, ['stack', 'config', '-c', file], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: work } });
    expect(Object.keys(yamlDocText(out).services as object).sort()).toEqual(Object.keys(stack.services).sort());
  });

  test('mlready lint finds nothing above info in what scaffold wrote', async () => {
    const r = await runCli(['lint', '--format', 'json', dir()], { env, cwd: dir() });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; outcome: string; message: string }[] };
    const failing = report.findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info');
    expect(failing.map((f) => `${f.ruleId} ${f.severity}: ${f.message}`)).toEqual([]);
  });

  test('output matches the golden files', () => {
    const golden = path.join(GOLDEN, c.example, c.scenario);
    const files = generatedFiles(dir(), c.example);
    if (UPDATE) {
      rmSync(golden, { recursive: true, force: true });
      for (const f of files) {
        mkdirSync(path.dirname(path.join(golden, f)), { recursive: true });
        writeFileSync(path.join(golden, f), readFileSync(path.join(dir(), f)));
      }
      return;
    }
    expect(existsSync(golden)).toBe(true);
    expect(files).toEqual(listFiles(golden));
    for (const f of files) expect(`${f}:\n${readFileSync(path.join(dir(), f), 'utf8')}`).toBe(`${f}:\n${readFileSync(path.join(golden, f), 'utf8')}`);
  });
});

function yamlDocsText(text: string): Record<string, unknown>[] {
  const file = path.join(work, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  try {
    return yamlDocs(file);
  } finally {
    rmSync(file, { force: true });
  }
}

function yamlDocText(text: string): Record<string, unknown> {
  return yamlDocsText(text)[0]!;
}
