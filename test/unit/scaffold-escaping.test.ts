/**
 * Property test: specs full of hostile strings (quotes, colons, '#', '$', '$(VAR)', '${VAR}',
 * newlines, YAML 1.1 booleans, unicode line separators, '{{ }}') are scaffolded in memory; every output
 * is parsed back the way its consumer parses it and the values are compared with the spec:
 * compose and stack (YAML 1.1, then compose's `$$` → `$`), Kubernetes (YAML 1.1; ConfigMap data
 * verbatim, `$$` → `$` where Kubernetes expands `$(VAR)`), the Dockerfile's exec-form JSON. A few
 * samples also go through the real `docker-compose config`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkSemantics, readSpec, type LoadedSpec } from '../../src/workflow/load.js';
import { parseYaml } from '../../src/util/yaml-source.js';
import type { WorkflowDoc } from '../../src/workflow/schema.js';
import { planWorkflow } from '../../src/workflow/planner.js';
import { loadCompatData } from '../../src/workflow/compat.js';
import { renderAll } from '../../src/generate/index.js';
import { toYaml } from '../../src/generate/yaml.js';
import { tempDir } from '../helpers/facts.js';

/** A small seeded PRNG (mulberry32): failures reproduce from the seed in the test name. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"', "'", ': ', ' #', '#', '$', '$$', '${HOME}', '$(HOSTNAME)', '$HOME', '\n', '\r\n', '\t', '\\', '\\n', 'é', '😀', '\u2028', '\u0085',
  '\ufeff', '{{ x }}', '{{{y}}}', '---', '- ', '&a', '*b', '!tag', '%', '@', '`', 'yes', 'no', 'on', 'off', '0755', '1e3', '~', 'null',
  ' ', '  lead', 'trail  ', '<!--', '-->', '|', '>', '[', ']', '{', '}', ',', '?', 'ß', '中文', 'Ω', 'plain', 'a=b', '"quoted"', '\x07', '\x1b[31m',
  '=', '<<',
];

function hostile(r: () => number, { oneLine = false, nonEmpty = false } = {}): string {
  const n = Math.floor(r() * 5) + (nonEmpty ? 1 : 0);
  let s = '';
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)]!;
  if (oneLine) s = s.replace(/[\x00-\x20\x7f\u0085\u2028\u2029]/g, '_');
  return s;
}

const dir = tempDir('mlready-escaping-');
const data = loadCompatData();
const SAMPLES = 150;
const composeChecks: { file: string; env: Record<string, Record<string, string>> }[] = [];

function specFor(seed: number) {
  const r = rng(seed);
  const framework = r() < 0.5 ? 'pytorch' : 'sklearn';
  const env = () => {
    const e: Record<string, string> = {};
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) e[`V${i}_${Math.floor(r() * 100)}`] = hostile(r);
    return e;
  };
  const labelValue = hostile(r);
  return {
    apiVersion: 'mlready.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name: `w${seed}`, labels: { 'example.com/note': labelValue, plain: 'ok' } },
    spec: {
      framework,
      python: '3.11',
      volumes: [{ name: 'data', mountPath: `/data/${hostile(r, { oneLine: true }).replace(/[:'"\\$`]/g, '')}x`, size: '1Gi', shared: true }],
      stages: [
        { name: 'prep', type: 'batch', command: ['python', hostile(r, { nonEmpty: true }), hostile(r)], env: env(), volumes: ['data'] },
        {
          name: 'train',
          type: 'batch',
          needs: ['prep'],
          command: ['python', 'train.py', hostile(r, { nonEmpty: true })],
          env: env(),
          volumes: ['data'],
          ...(framework === 'pytorch' && r() < 0.5 ? { replicas: 2, resources: { gpu: 1 } } : {}),
        },
        { name: 'serve', type: 'service', needs: ['train'], command: [hostile(r, { nonEmpty: true })], env: env(), port: 8080, healthPath: `/${hostile(r, { oneLine: true })}`, volumes: ['data'] },
      ],
    },
  };
}

/**
 * readSpec validates against the schema; ajv refuses to compile the same $id twice in one process
 * (src/util/validate.ts caches by object), so the first sample goes through readSpec and the rest
 * through the same parse + semantic checks.
 */
let schemaChecked = false;
function load(file: string): LoadedSpec {
  if (!schemaChecked) {
    schemaChecked = true;
    return readSpec(file);
  }
  const source = parseYaml(file, readFileSync(file, 'utf8'));
  checkSemantics(source.value as WorkflowDoc, source);
  return { file, dir: path.dirname(file), doc: source.value as WorkflowDoc, source };
}

const unescapeCompose = (s: string) => s.replace(/\$\$/g, '$');
const parse11 = (text: string) => parseAllDocuments(text, { version: '1.1' }).map((d) => {
  if (d.errors.length) throw new Error(d.errors[0]!.message);
  return d.toJS() as Record<string, unknown>;
});
const body = (content: string) => content;

describe('any string from the spec reaches the container unchanged', () => {
  test.each(Array.from({ length: SAMPLES }, (_, i) => i + 1))('seed %i', (seed) => {
    const doc = specFor(seed);
    const specDir = path.join(dir, `s${seed}`);
    mkdirSync(specDir, { recursive: true });
    const specFile = path.join(specDir, 'mlready.yaml');
    writeFileSync(specFile, toYaml(doc));
    const spec = load(specFile);
    // The spec file itself round-trips through our YAML writer.
    expect(spec.doc).toEqual(doc);
    const model = planWorkflow({ spec, factsOrigin: { source: 'none', targets: [], summary: 'generic defaults (no facts)' }, outDir: specDir, emit: ['dockerfile', 'compose', 'swarm', 'k8s'], data, toolVersion: 'test' });
    const files = new Map(renderAll(model, data).map((f) => [f.path, body(f.body)]));
    const stages = doc.spec.stages;

    // Dockerfile: every stage's CMD is the exec-form JSON of its command; nothing else from the spec.
    const dockerfile = files.get('Dockerfile')!;
    for (const s of stages) {
      const block = dockerfile.split(`FROM runtime AS stage-${s.name}\n`)[1]!;
      const cmd = /^CMD (.*)$/m.exec(block)![1]!;
      expect(JSON.parse(cmd)).toEqual(s.command);
      expect(cmd).toMatch(/^[\x20-\x7e]+$/);
    }
    expect(dockerfile.split('\n').every((l) => !l.includes('\r'))).toBe(true);

    // compose.yaml: YAML 1.1, then compose interpolation ($$ → $).
    const compose = parse11(files.get('compose.yaml')!)[0] as { services: Record<string, { environment?: Record<string, string>; labels: Record<string, string>; healthcheck?: { test: string[] } }> };
    for (const s of stages) {
      const env = Object.fromEntries(Object.entries(compose.services[s.name]!.environment ?? {}).map(([k, v]) => [unescapeCompose(k), unescapeCompose(v)]));
      expect(env).toEqual(s.env);
      expect(unescapeCompose(compose.services[s.name]!.labels['example.com/note']!)).toBe(doc.metadata.labels['example.com/note']);
    }
    expect(unescapeCompose(compose.services.serve!.healthcheck!.test.join(' '))).toContain(JSON.stringify(stages[2]!.healthPath));
    composeChecks.push({ file: path.join(specDir, 'compose.yaml'), env: Object.fromEntries(stages.map((s) => [s.name, s.env])) });
    writeFileSync(path.join(specDir, 'compose.yaml'), files.get('compose.yaml')!);

    // docker-stack.yml: the same interpolation.
    const stack = parse11(files.get('docker-stack.yml')!)[0] as { services: Record<string, { environment?: Record<string, string> }> };
    for (const s of stages) {
      const env = Object.fromEntries(Object.entries(stack.services[s.name]!.environment ?? {}).map(([k, v]) => [unescapeCompose(k), unescapeCompose(v)]).filter(([k]) => !k!.startsWith('MLREADY_')));
      expect(env).toEqual(s.env);
    }

    // Kubernetes: ConfigMap data is never expanded; args are, so `$` is doubled there.
    const k8s = [...files].filter(([p]) => p.startsWith('k8s/')).flatMap(([, text]) => parse11(text));
    for (const s of stages) {
      const cm = k8s.find((d) => d.kind === 'ConfigMap' && (d.metadata as { name: string }).name === `w${seed}-${s.name}-env`) as { data: Record<string, string> };
      expect(cm.data).toEqual(s.env);
    }
    const deployment = k8s.find((d) => d.kind === 'Deployment') as { spec: { template: { spec: { containers: { startupProbe: { httpGet: { path: string } } }[] } } } };
    expect(deployment.spec.template.spec.containers[0]!.startupProbe.httpGet.path).toBe(stages[2]!.healthPath);
    const indexed = k8s.find((d) => d.kind === 'Job' && (d.spec as { completionMode?: string }).completionMode === 'Indexed') as
      | { spec: { template: { spec: { containers: { args: string[] }[] } } } }
      | undefined;
    if (indexed) expect(indexed.spec.template.spec.containers[0]!.args.map(unescapeCompose)).toEqual(['torchrun', ...stages[1]!.command.slice(1)]);
    for (const d of k8s) {
      const labels = (d.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
      if ('example.com/note' in labels) expect(labels['example.com/note']).toBe(doc.metadata.labels['example.com/note']);
    }
  });

  const compose = '/usr/bin/docker-compose';
  (existsSync(compose) ? test : test.skip)('docker-compose config resolves the escaped values back to the spec values', () => {
    for (const c of composeChecks.slice(0, 4)) {
      const out = execFileSync(compose, ['-f', c.file, 'config'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
      // `config` prints the resolved model with `$` escaped again for reuse as a compose file; it is
      // PyYAML's own dump, so PyYAML (compose's parser) reads it back.
      const json = execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: out, encoding: 'utf8' });
      const resolved = JSON.parse(json) as { services: Record<string, { environment?: Record<string, string | null> }> };
      // PyYAML reading our file: what compose hands to the container, exactly.
      const direct = JSON.parse(execFileSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))', c.file], { encoding: 'utf8' })) as typeof resolved;
      // PyYAML's dump writes U+0085/U+2028/U+2029 raw and folds them when read back: those values are
      // compared on the direct reading only.
      const lineSeparator = /[\u0085\u2028\u2029]/;
      for (const [stage, env] of Object.entries(c.env)) {
        const got = Object.fromEntries(Object.entries(direct.services[stage]!.environment ?? {}).map(([k, v]) => [k, unescapeCompose(String(v))]));
        expect(got).toEqual(env);
        const viaConfig = Object.entries(resolved.services[stage]!.environment ?? {}).filter(([k]) => !lineSeparator.test(env[k] ?? ''));
        for (const [k, v] of viaConfig) expect(unescapeCompose(String(v))).toBe(env[k]);
      }
    }
  }, 60_000);
});

test('YAML 1.1 special scalars (= and <<) reach PyYAML as the strings they are', async () => {
  const { toYaml } = await import('../../src/generate/yaml.js');
  const out = toYaml({ environment: { A: '=', B: '<<', C: 'a=b' } });
  const read = JSON.parse(execFileSync('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: out, encoding: 'utf8' })) as unknown;
  expect(read).toEqual({ environment: { A: '=', B: '<<', C: 'a=b' } });
});
