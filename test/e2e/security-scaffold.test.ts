/**
 * What `mlready scaffold` writes for security, as a user gets it (the CLI as a process): the
 * least-privilege Role and RoleBinding of the workflow's ServiceAccount, and with `--with ingress` a TLS
 * Ingress per service stage with cert-manager Certificates where the facts show cert-manager — checked
 * with the Kubernetes OpenAPI models, `kubectl kustomize` and `mlready lint`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { patchedFacts, tempDir, writeJson } from '../helpers/facts.js';
import { loadClientModels, podSpecsOf, SCENARIOS, validateK8sObject, yamlDocs } from '../golden/scaffold-helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const env = cliEnv();
let work: string;

beforeAll(async () => {
  await loadClientModels();
  work = tempDir('mlready-security-scaffold-');
  mkdirSync(path.join(work, 'facts'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function scaffold(example: string, name: string, args: string[]): Promise<string> {
  const dir = path.join(work, name);
  cpSync(path.join(ROOT, 'examples', example), dir, { recursive: true });
  const r = await runCli(['scaffold', ...args], { env, cwd: dir });
  if (r.code !== 0) throw new Error(`scaffold ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return dir;
}
const kustomize = (dir: string, overlay: string): Obj[] =>
  parseAllDocuments(execFileSync('kubectl', ['kustomize', path.join(dir, 'k8s', 'overlays', overlay)], { encoding: 'utf8' })).map((d) => d.toJS() as Obj);

test('the workflow ServiceAccount is bound to a Role that grants nothing, and no pod mounts its token', async () => {
  const dir = await scaffold('iris', 'rbac', []);
  const [role, binding] = yamlDocs(path.join(dir, 'k8s/base/rbac.yaml')) as Obj[];
  for (const d of [role!, binding!]) validateK8sObject(d, 'rbac.yaml');
  expect(role).toMatchObject({ kind: 'Role', metadata: { name: 'iris', namespace: 'iris' }, rules: [] });
  expect(binding).toMatchObject({
    kind: 'RoleBinding',
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'iris' },
    subjects: [{ kind: 'ServiceAccount', name: 'iris', namespace: 'iris' }],
  });
  const sa = yamlDocs(path.join(dir, 'k8s/base/namespace.yaml')).find((d) => d.kind === 'ServiceAccount')!;
  expect(sa.metadata).toMatchObject({ name: 'iris' });
  for (const f of ['k8s/base/batch/iris-pipeline.yaml', 'k8s/base/services/serve.yaml']) {
    for (const doc of yamlDocs(path.join(dir, f))) {
      for (const pod of podSpecsOf(doc)) expect(pod).toMatchObject({ serviceAccountName: 'iris', automountServiceAccountToken: false });
    }
  }
  const docs = kustomize(dir, 'prod');
  expect(docs.filter((d) => d.kind === 'Role' || d.kind === 'RoleBinding').map((d) => d.metadata.namespace)).toEqual(['iris', 'iris']);
  expect(readFileSync(path.join(dir, 'SCAFFOLD.md'), 'utf8')).toMatch(/\| k8s\.rbac \| Role and RoleBinding for the workflow ServiceAccount, with no rules \|/);
});

test('--with ingress on a cluster with cert-manager: TLS Ingress and Certificate per service stage, through kustomize, lint-clean', async () => {
  const facts = writeJson(path.join(work, 'facts'), 'cluster.json', SCENARIOS['laptop-targets-gpu-cluster']!());
  const dir = await scaffold('huggingface-inference', 'ingress-cert-manager', ['--with', 'ingress', '--facts', facts]);
  const base = yamlDocs(path.join(dir, 'k8s/base/ingress.yaml')) as Obj[];
  expect(base.map((d) => d.kind)).toEqual(['Ingress', 'Certificate']);
  validateK8sObject(base[0]!, 'ingress.yaml');
  for (const overlay of ['dev', 'prod']) {
    const docs = kustomize(dir, overlay);
    const ing = docs.find((d) => d.kind === 'Ingress')!;
    const cert = docs.find((d) => d.kind === 'Certificate')!;
    expect(ing.metadata.namespace).toBe('llm-chat');
    expect(ing.metadata.labels['mlready.dev/environment']).toBe(overlay);
    expect(ing.spec).toMatchObject({ ingressClassName: 'alb', tls: [{ hosts: ['chat.llm-chat.example.com'], secretName: 'llm-chat-chat-tls' }] });
    expect(cert).toMatchObject({ apiVersion: 'cert-manager.io/v1', metadata: { namespace: 'llm-chat' }, spec: { secretName: 'llm-chat-chat-tls', dnsNames: ['chat.llm-chat.example.com'] } });
    const svc = docs.find((d) => d.kind === 'Service' && d.metadata.name === ing.spec.rules[0].http.paths[0].backend.service.name)!;
    expect(svc.spec.ports.map((p: Obj) => p.name)).toContain('http');
  }
  const lint = await runCli(['lint', '--format', 'json', dir], { env, cwd: dir });
  const findings = (JSON.parse(lint.stdout) as { findings: Obj[] }).findings;
  expect(findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  expect(lint.code).toBe(0);
});

test('--with ingress without cert-manager: SCAFFOLD.md and stderr say which TLS Secrets to create', async () => {
  const facts = writeJson(
    path.join(work, 'facts'),
    'no-cert-manager.json',
    patchedFacts({ targets: ['local', 'docker', 'k8s'], cluster: { kubernetes: { addons: { certManager: false } } } }, 'k8s-gpu-cluster'),
  );
  const dir = path.join(work, 'ingress-secrets');
  cpSync(path.join(ROOT, 'examples', 'pytorch-gpu'), dir, { recursive: true });
  const r = await runCli(['scaffold', '--with', 'ingress', '--facts', facts], { env, cwd: dir });
  expect(r.code).toBe(0);
  const secret = 'kubectl -n vision create secret tls resnet-finetune-serve-tls --cert=serve.resnet-finetune.example.com.crt --key=serve.resnet-finetune.example.com.key';
  expect(r.stderr).toContain(secret);
  expect(readFileSync(path.join(dir, 'SCAFFOLD.md'), 'utf8')).toContain(secret);
  expect((yamlDocs(path.join(dir, 'k8s/base/ingress.yaml')) as Obj[]).map((d) => d.kind)).toEqual(['Ingress']);
});
