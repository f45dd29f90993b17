/**
 * `mlready lint` as a process: what it reads (directories, single files, stdin, multi-document YAML, List
 * objects, `kubectl kustomize` output), where findings point (JSON location, SARIF physical location), the
 * gate and exit codes shared with assess, and bad input (parse errors, binary files, unknown YAML, missing paths).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { assertValid } from '../helpers/schema.js';
import type { Report } from '../../src/report/schema.js';

const env = cliEnv({ GITHUB_ACTIONS: undefined, FORCE_COLOR: undefined });

type Finding = Report['findings'][number];

function write(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

/** The 1-based line of the first line of `text` containing `needle` (after `from`, if given). */
function lineOf(text: string, needle: string, from?: string): number {
  const lines = text.split('\n');
  const start = from ? lines.findIndex((l) => l.includes(from)) : 0;
  const i = lines.findIndex((l, n) => n >= start && l.includes(needle));
  if (i < 0) throw new Error(`"${needle}" not found`);
  return i + 1;
}

async function lintJson(args: string[], options: { cwd?: string; input?: string } = {}): Promise<{ code: number | null; report: Report; stderr: string }> {
  const r = await runCli(['lint', '--format', 'json', ...args], { env, ...options });
  expect(r.stdout).not.toBe('');
  const report = JSON.parse(r.stdout) as Report;
  assertValid('report', report);
  expect(report.kind).toBe('lint');
  return { code: r.code, report, stderr: r.stderr };
}

const fails = (report: Report, ruleId?: string): Finding[] =>
  report.findings.filter((f) => f.outcome === 'fail' && (ruleId === undefined || f.ruleId === ruleId));

const outcomes = (report: Report, ruleId: string): string[] => report.findings.filter((f) => f.ruleId === ruleId).map((f) => f.outcome);

// ------------------------------------------------------------------ inputs

const DOCKERFILE = `FROM python:latest
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
USER 10001
CMD ["python", "-m", "app"]
`;

const COMPOSE = `services:
  train:
    image: pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime
    command: ["torchrun", "--nproc-per-node=2", "train.py"]
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: 2
`;

// One file, three documents: a Service, the Deployment it selects (no readiness probe), a NetworkPolicy.
const MULTI_DOC = `# the model server
apiVersion: v1
kind: Service
metadata:
  name: llm
  namespace: ml
spec:
  selector:
    app: llm
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  namespace: ml
spec:
  replicas: 2
  selector:
    matchLabels:
      app: llm
  template:
    metadata:
      labels:
        app: llm
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.5.3
          ports:
            - containerPort: 8000
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: llm
  namespace: ml
spec:
  podSelector:
    matchLabels:
      app: llm
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: gateway
---
`;

const LIST = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      MODEL_ID: gpt2
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: finetune
    spec:
      backoffLimit: 1
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: train
              image: registry.example.com/finetune
`;

describe('mlready lint: what it reads', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('mlready-lint-');
    write(dir, 'Dockerfile', DOCKERFILE);
    write(dir, '.dockerignore', '.git\n');
    write(dir, 'compose.yaml', COMPOSE);
    write(dir, 'k8s/llm.yaml', MULTI_DOC);
    write(dir, 'README.md', '# not linted\n');
    write(dir, 'node_modules/pkg/deploy.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: x, image: x}]}\n');
  });

  test('a directory: its Dockerfiles, compose files and manifests (not node_modules), findings with file and line', async () => {
    const { code, report } = await lintJson([dir]);
    expect(code).toBe(1); // COMPOSE-002 (no capabilities) is an error
    expect(report.lint?.files.map((f) => path.relative(dir, f)).sort()).toEqual(['Dockerfile', 'compose.yaml', path.join('k8s', 'llm.yaml')]);
    expect(report.lint?.artifacts).toBe(1 + 1 + 3);
    for (const f of fails(report)) {
      expect(f.location?.file).toMatch(/^\//);
      expect(f.location?.line).toBeGreaterThan(0);
    }
    expect(fails(report, 'DOCKERFILE-001')[0]!.location).toEqual({ file: path.join(dir, 'Dockerfile'), line: 1 });
    expect(fails(report, 'COMPOSE-002')[0]!.location).toEqual({ file: path.join(dir, 'compose.yaml'), line: lineOf(COMPOSE, 'deploy:') });
    expect(fails(report, 'COMPOSE-004')[0]!.message).toContain('train');
    expect(report.gate.passed).toBe(false);
    expect(report.gate.reasons.join(' ')).toContain('COMPOSE-002');
  });

  test('a single file: only its artifacts; rules for other kinds of file are skipped', async () => {
    const { code, report } = await lintJson([path.join(dir, 'Dockerfile')]);
    expect(code).toBe(0); // warnings only
    expect(report.lint?.files).toEqual([path.join(dir, 'Dockerfile')]);
    expect(outcomes(report, 'DOCKERFILE-001')).toEqual(['fail']);
    expect(outcomes(report, 'DOCKERFILE-002')).toEqual(['pass']);
    expect(outcomes(report, 'DOCKERFILE-010')).toEqual(['pass']); // .dockerignore next to it
    expect(outcomes(report, 'MANIFEST-011')).toEqual(['skipped']);
    expect(outcomes(report, 'COMPOSE-001')).toEqual(['skipped']);
  });

  test('stdin (-): a Dockerfile is recognised by its content and located at <stdin>', async () => {
    const text = 'FROM python:3.11-slim\nUSER 10001\nENV HF_HOME=/models HF_TOKEN=hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ01234\n';
    const { code, report } = await lintJson(['-'], { input: text });
    expect(code).toBe(1);
    expect(report.lint?.files).toEqual(['<stdin>']);
    const secret = fails(report, 'DOCKERFILE-003')[0]!;
    expect(secret.location).toEqual({ file: '<stdin>', line: 3 });
    expect(secret.message).toContain('HF_TOKEN');
    expect(secret.message).not.toContain('hf_aBcDe'); // the value is never printed
  });

  test('multi-document YAML: each document is an object at its own line, and cross-object rules see them all', async () => {
    const file = path.join(dir, 'k8s', 'llm.yaml');
    const { report } = await lintJson([file]);
    expect(report.lint?.artifacts).toBe(3);
    expect(report.lint?.skipped).toEqual([]); // the trailing --- is an empty document, not a skip
    // The Service selects the Deployment's pods, a NetworkPolicy selects them too.
    expect(outcomes(report, 'MANIFEST-018')).toEqual(['pass']);
    expect(outcomes(report, 'MANIFEST-017')).toEqual(['pass']);
    // The Deployment is in the second document; its container has no readiness probe.
    expect(fails(report, 'MANIFEST-006')[0]!.location).toEqual({ file, line: lineOf(MULTI_DOC, '- name: vllm') });
    expect(fails(report, 'MANIFEST-012')[0]!.location).toEqual({ file, line: lineOf(MULTI_DOC, '- name: vllm') });
    // Two replicas, but no PodDisruptionBudget: located at `replicas:`.
    const pdb = fails(report, 'MANIFEST-025')[0]!;
    expect(pdb.location).toEqual({ file, line: lineOf(MULTI_DOC, 'replicas: 2') });
    expect(pdb.message).toContain('no PodDisruptionBudget');
    expect(pdb.message).not.toContain('replica and');
  });

  test('a List object: its items are objects located at their own lines', async () => {
    const file = write(dir, 'list/list.yaml', LIST);
    const { report } = await lintJson([file]);
    expect(report.lint?.artifacts).toBe(2);
    expect(fails(report, 'MANIFEST-011')[0]!.location).toEqual({ file, line: lineOf(LIST, 'image: registry.example.com/finetune') });
    expect(fails(report, 'MANIFEST-011')[0]!.message).toContain('Job finetune');
    expect(outcomes(report, 'MANIFEST-003')).toEqual(['pass']);
    expect(fails(report, 'MANIFEST-005')[0]!.location).toEqual({ file, line: lineOf(LIST, 'spec:', 'name: finetune') });
  });

  test('kubectl kustomize output piped to `mlready lint -`; the kustomization itself is skipped with a hint', async () => {
    const kdir = tempDir('mlready-kustomize-');
    write(kdir, 'kustomization.yaml', 'namespace: ml\nresources:\n  - deployment.yaml\n  - service.yaml\nimages:\n  - name: vllm/vllm-openai\n    newTag: latest\n');
    write(
      kdir,
      'deployment.yaml',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: llm\nspec:\n  selector:\n    matchLabels: {app: llm}\n  template:\n    metadata:\n      labels: {app: llm}\n    spec:\n      containers:\n        - name: vllm\n          image: vllm/vllm-openai:v0.5.3\n          ports: [{containerPort: 8000}]\n',
    );
    write(kdir, 'service.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: llm\nspec:\n  selector: {app: llm-server}\n  ports: [{port: 80, targetPort: 8000}]\n');
    const built = execFileSync('kubectl', ['kustomize', kdir], { encoding: 'utf8' });
    expect(built).toContain('namespace: ml');

    const { code, report } = await lintJson(['-'], { input: built });
    expect([0, 1]).toContain(code);
    expect(report.lint?.files).toEqual(['<stdin>']);
    expect(report.lint?.artifacts).toBe(2);
    // kustomize's image override made the tag `latest`: found at the line kustomize wrote it.
    const image = fails(report, 'MANIFEST-011')[0]!;
    expect(image.location).toEqual({ file: '<stdin>', line: lineOf(built, 'image: vllm/vllm-openai:latest') });
    // The Service's selector (app: llm-server) matches no pod template in namespace ml.
    const selector = fails(report, 'MANIFEST-018')[0]!;
    expect(selector.location).toEqual({ file: '<stdin>', line: lineOf(built, 'selector:', 'kind: Service') });
    expect(selector.message).toContain('namespace ml');
    expect(fails(report, 'MANIFEST-017')[0]!.message).toContain('namespace ml');

    // Linting the kustomization directory reads the resources and notes the kustomization.
    const direct = await lintJson([kdir]);
    expect(direct.report.lint?.skipped).toEqual([{ file: path.join(kdir, 'kustomization.yaml'), reason: expect.stringContaining('kubectl kustomize') }]);
  });
});

describe('mlready lint: locations in JSON and SARIF', () => {
  test('every failing SARIF result has a physical location with the same file and line as the JSON finding', async () => {
    const dir = tempDir('mlready-lint-sarif-');
    write(dir, 'k8s/llm.yaml', MULTI_DOC);
    write(dir, 'Dockerfile', 'FROM python:3.11-slim\nRUN pip install torch\nCMD python serve.py\n');
    const { report } = await lintJson([dir]);
    const r = await runCli(['lint', '--format', 'sarif', dir], { env });
    expect(r.stderr).toBe('');
    const sarif = JSON.parse(r.stdout) as {
      version: string;
      runs: { results: { ruleId: string; properties: { outcome: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
    };
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]!.results.filter((x) => x.properties.outcome === 'fail');
    const fromSarif = results.map((x) => `${x.ruleId} ${x.locations[0]!.physicalLocation.artifactLocation.uri}:${x.locations[0]!.physicalLocation.region.startLine}`);
    const fromJson = fails(report).map((f) => `${f.ruleId} ${f.location!.file}:${f.location!.line!}`);
    expect(fromSarif.sort()).toEqual(fromJson.sort());
    expect(fromSarif).toContain(`DOCKERFILE-004 ${path.join(dir, 'Dockerfile')}:2`);
    expect(fromSarif).toContain(`DOCKERFILE-011 ${path.join(dir, 'Dockerfile')}:3`);
    expect(fromSarif).toContain(`MANIFEST-006 ${path.join(dir, 'k8s', 'llm.yaml')}:${lineOf(MULTI_DOC, '- name: vllm')}`);
  });
});

describe('mlready lint: gate and exit codes (as assess)', () => {
  let dir: string;
  let warnOnly: string;
  let withError: string;
  beforeAll(() => {
    dir = tempDir('mlready-lint-gate-');
    warnOnly = write(dir, 'warn/Dockerfile', 'FROM python:latest\nUSER 10001\nCMD ["python"]\n');
    withError = write(dir, 'err/Dockerfile', 'FROM python:3.11-slim\nUSER 10001\nARG WANDB_API_KEY=0123456789abcdef0123456789abcdef01234567\n');
  });

  test('warnings pass the default gate (--fail-on error) and fail --fail-on warning', async () => {
    const plain = await lintJson([warnOnly]);
    expect(plain.code).toBe(0);
    expect(plain.report.gate.passed).toBe(true);
    const strict = await lintJson(['--fail-on', 'warning', warnOnly]);
    expect(strict.code).toBe(1);
    expect(strict.report.gate.reasons.join(' ')).toContain('DOCKERFILE-001');
  });

  test('an error fails the default gate; --fail-on never passes it', async () => {
    const plain = await lintJson([withError]);
    expect(plain.code).toBe(1);
    const never = await lintJson(['--fail-on', 'never', withError]);
    expect(never.code).toBe(0);
    expect(never.report.gate.passed).toBe(true);
    expect(fails(never.report, 'DOCKERFILE-003')).toHaveLength(1);
  });

  test('--baseline: failures already in the baseline do not fail the gate; new ones do', async () => {
    const baseline = path.join(dir, 'baseline.json');
    const first = await runCli(['lint', '--report', `json=${baseline}`, withError], { env });
    expect(first.code).toBe(1);

    const again = await lintJson(['--baseline', baseline, withError]);
    expect(again.code).toBe(0);
    expect(fails(again.report, 'DOCKERFILE-003')[0]!.baseline).toBe(true);

    const other = write(dir, 'new/Dockerfile', 'FROM python:3.11-slim\nUSER 10001\nENV OPENAI_API_KEY=sk-0123456789abcdef\n');
    const grown = await lintJson(['--baseline', baseline, withError, other]);
    expect(grown.code).toBe(1);
    const secrets = fails(grown.report, 'DOCKERFILE-003');
    expect(secrets.map((f) => [f.location!.file, f.baseline ?? false])).toEqual(
      expect.arrayContaining([
        [withError, true],
        [other, false],
      ]),
    );
  });
});

describe('mlready lint: bad input', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('mlready-lint-bad-');
  });

  test('an unparsable YAML file is a LINT-001 finding with its line, and the rest is still linted', async () => {
    const bad = write(dir, 'yaml/broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [unclosed\n');
    const good = write(dir, 'yaml/Dockerfile', 'FROM python:latest\n');
    const { code, report, stderr } = await lintJson([path.dirname(bad)]);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const parse = fails(report, 'LINT-001');
    expect(parse).toHaveLength(1);
    expect(parse[0]!.location!.file).toBe(bad);
    expect(parse[0]!.location!.line).toBeGreaterThanOrEqual(5);
    expect(parse[0]!.message).toMatch(/could not be parsed as YAML/);
    expect(fails(report, 'DOCKERFILE-001')[0]!.location!.file).toBe(good);
  });

  test('a Dockerfile with no FROM is a LINT-001 finding at line 1', async () => {
    const file = write(dir, 'nofrom/Dockerfile', '# build me\nRUN echo hi\nCMD ["sh"]\n');
    const { code, report } = await lintJson([file]);
    expect(code).toBe(1);
    expect(fails(report, 'LINT-001')[0]!.location).toEqual({ file, line: 1 });
    expect(fails(report, 'LINT-001')[0]!.message).toMatch(/could not be parsed as a Dockerfile: no FROM/);
  });

  test('binary files and YAML that is neither compose nor Kubernetes are skipped with a note (JSON and text)', async () => {
    const sub = path.join(dir, 'mixed');
    const binary = write(sub, 'weights.yaml', Buffer.from([0x00, 0x01, 0x02, 0x7f, 0x45, 0x4c, 0x46, 0x00]));
    const workflow = write(sub, 'ci.yaml', 'name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n');
    const kustomization = write(sub, 'kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n');
    write(sub, 'Dockerfile', 'FROM python:3.11-slim\nUSER 10001\n');

    const { code, report } = await lintJson([sub]);
    expect(code).toBe(0);
    expect(report.lint?.skipped).toEqual(
      expect.arrayContaining([
        { file: binary, reason: 'binary file' },
        { file: workflow, reason: 'document 1 is neither a compose file nor a Kubernetes object' },
        { file: kustomization, reason: expect.stringContaining('kubectl kustomize') },
      ]),
    );
    expect(report.lint?.files).not.toContain(binary);

    const text = await runCli(['lint', sub], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Skipped (3)');
    expect(text.stdout).toContain(`${binary}: binary file`);
    expect(text.stdout).toContain(`${workflow}: document 1 is neither a compose file nor a Kubernetes object`);
  });

  test('a missing path is a usage error: exit 2, one line on stderr, nothing on stdout', async () => {
    const missing = path.join(dir, 'does-not-exist');
    const r = await runCli(['lint', missing], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain('no such file or directory');
    expect(r.stderr).not.toMatch(/\bat .+:\d+:\d+/); // no stack frames
  });

  test('no input at all on stdin is not a crash', async () => {
    const r = await runCli(['lint', '--format', 'json', '-'], { env, input: '' });
    expect([0, 1]).toContain(r.code);
    assertValid('report', JSON.parse(r.stdout));
  });
});
