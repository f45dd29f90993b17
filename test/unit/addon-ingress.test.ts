/**
 * `scaffold --with ingress` in process: one TLS Ingress per service stage, the IngressClass from the
 * facts, cert-manager Certificates when the facts show cert-manager (else the Secrets to provide, in
 * SCAFFOLD.md), and the NetworkPolicy that lets the controller reach the pods. Objects are checked
 * against the Kubernetes OpenAPI models; Certificates against cert-manager's v1 shape.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { baseFacts, patchedFacts, tempDir } from '../helpers/facts.js';
import { loadClientModels, renderSpec, SCENARIOS, validateK8sObject } from '../golden/scaffold-helpers.js';
import type { GeneratedFile } from '../../src/generate/index.js';
import type { Facts } from '../../src/facts/schema.js';
import type { WorkflowModel } from '../../src/workflow/model.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dir: string;
const DNS1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

beforeAll(async () => {
  await loadClientModels();
  dir = tempDir('mlready-ingress-');
  for (const e of ['iris', 'pytorch-distributed']) cpSync(path.join(ROOT, 'examples', e), path.join(dir, e), { recursive: true });
  const spec = (name: string, stages: string[]) =>
    ['apiVersion: mlready.dev/v1alpha1', 'kind: Workflow', `metadata: {name: ${name}, namespace: ml-serving}`, 'spec:', '  framework: none', '  python: "3.11"', '  stages:', ...stages.map((s) => `    - ${s}`), ''].join('\n');
  mkdirSync(path.join(dir, 'two-services'));
  writeFileSync(
    path.join(dir, 'two-services', 'mlready.yaml'),
    spec('ranker', ['{name: api, type: service, command: [python, api.py], port: 8080, healthPath: /healthz}', '{name: embed, type: service, command: [python, embed.py], port: 9000}']),
  );
  mkdirSync(path.join(dir, 'batch-only'));
  writeFileSync(path.join(dir, 'batch-only', 'mlready.yaml'), spec('nightly', ['{name: train, type: batch, command: [python, train.py]}']));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scaffold = (example: string, facts?: Facts) => renderSpec(path.join(dir, example, 'mlready.yaml'), { ...(facts ? { facts } : {}), with: ['ingress'] });
const docsOf = (f: GeneratedFile | undefined): Obj[] => {
  if (!f) throw new Error('file not generated');
  return parseAllDocuments(f.body, { version: '1.1' }).map((d) => d.toJS() as Obj);
};
const decision = (m: WorkflowModel, topic: string) => m.decisions.find((d) => d.topic === topic);
const withCluster = (patch: Record<string, unknown>) => patchedFacts({ targets: ['local', 'docker', 'k8s'], cluster: { kubernetes: patch } }, 'k8s-gpu-cluster');

/** cert-manager.io/v1 Certificate: the fields this scaffold relies on, and nothing unknown at the top. */
function validateCertificate(doc: Obj): void {
  expect(doc.apiVersion).toBe('cert-manager.io/v1');
  expect(Object.keys(doc).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  expect(Object.keys(doc.spec).every((k) => ['secretName', 'dnsNames', 'issuerRef', 'privateKey', 'duration', 'renewBefore', 'commonName', 'usages'].includes(k))).toBe(true);
  expect(doc.spec.secretName).toMatch(DNS1123_SUBDOMAIN);
  expect(doc.spec.issuerRef).toEqual({ name: expect.any(String), kind: expect.stringMatching(/^(Cluster)?Issuer$/), group: 'cert-manager.io' });
  expect(doc.spec.privateKey).toEqual({ algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' });
}

test('a TLS Ingress per service stage, the default IngressClass, a Certificate per host when cert-manager runs', async () => {
  const { model, files } = await scaffold('two-services', withCluster({}));
  const docs = docsOf(files.get('k8s/base/ingress.yaml'));
  const ingresses = docs.filter((d) => d.kind === 'Ingress');
  const certificates = docs.filter((d) => d.kind === 'Certificate');
  expect(ingresses.map((i) => i.metadata.name)).toEqual(['ranker-api', 'ranker-embed']);
  for (const ing of ingresses) {
    validateK8sObject(ing, 'ingress.yaml');
    const stage = ing.metadata.labels['app.kubernetes.io/component'];
    const host = `${stage}.ranker.example.com`;
    expect(host).toMatch(DNS1123_SUBDOMAIN);
    expect(ing.metadata.namespace).toBe('ml-serving');
    expect(ing.spec.ingressClassName).toBe('alb');
    expect(ing.spec.tls).toEqual([{ hosts: [host], secretName: `ranker-${stage}-tls` }]);
    expect(ing.spec.rules).toEqual([{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: `ranker-${stage}`, port: { name: 'http' } } } }] } }]);
    // The backend is the stage's Service, which names its port http.
    const svc = docsOf(files.get(`k8s/base/services/${stage}.yaml`)).find((d) => d.kind === 'Service')!;
    expect(svc.metadata.name).toBe(`ranker-${stage}`);
    expect(svc.spec.ports[0].name).toBe('http');
    const cert = certificates.find((c) => c.spec.secretName === ing.spec.tls[0].secretName)!;
    validateCertificate(cert);
    expect(cert.spec.dnsNames).toEqual([host]);
    expect(cert.metadata).toMatchObject({ name: ing.metadata.name, namespace: 'ml-serving' });
  }
  expect(decision(model, 'ingress.class')).toMatchObject({ choice: 'alb', reason: expect.stringContaining("cluster's default IngressClass (controller ingress.k8s.aws/alb)") });
  expect(decision(model, 'ingress.tls')!.choice).toMatch(/^cert-manager Certificate per host/);
  // The kustomize base lists the new file.
  expect(docsOf(files.get('k8s/base/kustomization.yaml'))[0]!.resources).toContain('ingress.yaml');
  // Compose is not touched.
  expect(files.get('compose.yaml')!.body).not.toContain('ingress');
});

test('no cert-manager: no Certificate, and SCAFFOLD.md names the Secrets to create', async () => {
  const { model, files } = await scaffold('two-services', withCluster({ addons: { certManager: false } }));
  const docs = docsOf(files.get('k8s/base/ingress.yaml'));
  expect(docs.map((d) => d.kind)).toEqual(['Ingress', 'Ingress']);
  expect(decision(model, 'ingress.tls')!.reason).toBe('the facts show no cert-manager: nothing in the cluster issues certificates');
  const scaffoldMd = files.get('SCAFFOLD.md')!.body;
  expect(scaffoldMd).toContain('kubectl -n ml-serving create secret tls ranker-api-tls --cert=api.ranker.example.com.crt --key=api.ranker.example.com.key');
  expect(scaffoldMd).toContain('ranker-embed-tls');
});

test('IngressClass choices: the only class, several without a default, none at all, not probed', async () => {
  const only = await scaffold('iris', withCluster({ networking: { ingressClasses: [{ name: 'nginx', controller: 'k8s.io/ingress-nginx', default: false }] } }));
  expect(docsOf(only.files.get('k8s/base/ingress.yaml'))[0]!.spec.ingressClassName).toBe('nginx');
  expect(decision(only.model, 'ingress.class')!.reason).toMatch(/only IngressClass/);

  const several = await scaffold('iris', withCluster({ networking: { ingressClasses: [{ name: 'nginx', controller: 'k8s.io/ingress-nginx', default: false }, { name: 'traefik', controller: 'traefik.io/ingress-controller', default: false }] } }));
  expect(docsOf(several.files.get('k8s/base/ingress.yaml'))[0]!.spec.ingressClassName).toBeUndefined();
  expect(several.model.warnings.join('\n')).toMatch(/choose the IngressClass: the cluster has nginx, traefik and no default/);

  const none = await scaffold('iris', withCluster({ networking: { ingressClasses: [] } }));
  expect(none.model.warnings.join('\n')).toMatch(/has no IngressClass/);

  const generic = await scaffold('iris');
  const ing = docsOf(generic.files.get('k8s/base/ingress.yaml'))[0]!;
  validateK8sObject(ing, 'ingress.yaml');
  expect(ing.spec.ingressClassName).toBeUndefined();
  expect(decision(generic.model, 'ingress.class')!.reason).toMatch(/^the cluster was not probed/);
  expect(generic.model.warnings.join('\n')).toMatch(/create the TLS Secrets/);

  const laptop = await scaffold('iris', baseFacts('cpu-laptop-macos'));
  expect(decision(laptop.model, 'ingress.class')!.reason).toMatch(/^the cluster was not probed/);
});

test('the stage\'s NetworkPolicy admits its port from any namespace, so the controller reaches it', async () => {
  const { model, files } = await scaffold('pytorch-distributed', SCENARIOS['laptop-targets-gpu-cluster']!());
  const policies = docsOf(files.get('k8s/base/network-policy.yaml'));
  const serve = model.stages.find((s) => s.name === 'serve')!;
  const policy = policies.find((p) => p.metadata.name === 'gpt-pretrain-serve-ingress')!;
  expect(policy.spec.ingress).toEqual([{ ports: [{ port: serve.port, protocol: 'TCP' }] }]);
  expect(decision(model, 'ingress.network')!.choice).toMatch(/admit their ports from any namespace/);
});

test('a workflow without service stages gets no Ingress, and says why', async () => {
  const { model, files } = await scaffold('batch-only');
  expect(files.has('k8s/base/ingress.yaml')).toBe(false);
  expect(decision(model, 'ingress')).toEqual({ topic: 'ingress', choice: 'no Ingress', reason: 'no service stage listens on a port' });
});
