/**
 * `serving: knative`: a service stage becomes one Knative Service (serving.knative.dev/v1) instead of a
 * Deployment, Service, HPA and PDB — validated structurally: apiVersion and kind, the revision template as a
 * core PodTemplateSpec (OpenAPI schema and no unknown field), one serving port named http1, probes on that
 * port, resources, scale bounds from `autoscale`, Pod Security "restricted" at the container level (Knative
 * rejects a pod-level securityContext by default), and a NetworkPolicy open to the queue-proxy.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { loadClientModels, loadSpec, planSpec, SCENARIOS, validateK8sObject } from '../golden/scaffold-helpers.js';
import { loadCompatData } from '../../src/workflow/compat.js';
import { renderAll } from '../../src/generate/index.js';
import { deriveWorkload } from '../../src/workflow/workload.js';
import type { Facts } from '../../src/facts/schema.js';
import type { WorkflowModel } from '../../src/workflow/model.js';

const require = createRequire(import.meta.url);
const data = loadCompatData();
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let dir: string;
beforeAll(async () => {
  await loadClientModels();
  dir = tempDir('mlready-knative-');
  cpSync(path.join(ROOT, 'examples', 'serverless'), path.join(dir, 'serverless'), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function plan(specText?: string, facts?: Facts): Promise<WorkflowModel> {
  const d = path.join(dir, 'serverless');
  if (specText) writeFileSync(path.join(d, 'custom.yaml'), specText);
  return planSpec(path.join(d, specText ? 'custom.yaml' : 'mlready.yaml'), facts ? { facts } : {});
}

function docsOf(model: WorkflowModel, file: string): Obj[] {
  const f = renderAll(model, data).find((x) => x.path === file);
  if (!f) throw new Error(`${file} was not generated`);
  return parseAllDocuments(f.body, { version: '1.1' }).map((d) => d.toJS() as Obj);
}

/** Pod Security "restricted", where each container carries what a pod-level securityContext would. */
function assertRestrictedContainers(pod: Obj): void {
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    expect([c.name, sc.runAsNonRoot, sc.allowPrivilegeEscalation, sc.seccompProfile?.type, sc.capabilities?.drop, sc.readOnlyRootFilesystem])
      .toEqual([c.name, true, false, 'RuntimeDefault', ['ALL'], true]);
    expect(sc.runAsUser).not.toBe(0);
  }
  expect(pod.securityContext).toBeUndefined();
  expect(pod.automountServiceAccountToken).toBe(false);
}

function validatePodTemplate(template: Obj, where: string): void {
  const { PodTemplateSpec } = require('kubernetes-models/v1/PodTemplateSpec') as { PodTemplateSpec: new (o: unknown) => { validate(): void } };
  new PodTemplateSpec(template).validate();
  // The same unknown-field walk as every other object: a Deployment with this template must validate.
  validateK8sObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: { matchLabels: template.metadata.labels }, template } }, where);
}

test('a Knative Service replaces the Deployment, Service, HPA and PDB of the stage', async () => {
  const model = await plan();
  const docs = docsOf(model, 'k8s/base/services/classify.yaml');
  expect(docs.map((d) => `${d.apiVersion}/${d.kind}`)).toEqual(['serving.knative.dev/v1/Service']);
  const ksvc = docs[0]!;
  expect(ksvc.metadata).toMatchObject({ name: 'sentiment-classify', namespace: 'sentiment', labels: { 'app.kubernetes.io/component': 'classify' } });
  const template = ksvc.spec.template;
  expect(Object.keys(ksvc.spec)).toEqual(['template']);
  expect(template.metadata.annotations).toEqual({ 'autoscaling.knative.dev/minScale': '1', 'autoscaling.knative.dev/maxScale': '10' });
  validatePodTemplate(template, 'classify.yaml');
  const pod = template.spec;
  assertRestrictedContainers(pod);
  expect(pod.containers).toHaveLength(1);
  const c = pod.containers[0];
  expect(c.ports).toEqual([{ name: 'http1', containerPort: 8080, protocol: 'TCP' }]);
  expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 8080 } });
  expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 60 });
  expect(c.startupProbe).toBeUndefined();
  expect(c.resources).toEqual({ requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } });
  // The data source: URL from the ConfigMap, credentials from their Secret.
  expect(c.envFrom).toEqual([{ configMapRef: { name: 'sentiment-classify-env' } }, { secretRef: { name: 'models-credentials' } }]);
  expect(c.env).toEqual([{ name: 'DATA_SOURCE_MODELS_URL', valueFrom: { configMapKeyRef: { name: 'sentiment-data-sources', key: 'DATA_SOURCE_MODELS_URL' } } }]);
  // Only what Knative allows without feature flags: emptyDir volumes, no restartPolicy or pod securityContext.
  expect(pod.volumes.every((v: Obj) => 'emptyDir' in v)).toBe(true);
  expect(Object.keys(pod).sort()).toEqual(['automountServiceAccountToken', 'containers', 'enableServiceLinks', 'serviceAccountName', 'volumes']);
  expect(model.decisions.find((d) => d.topic === 'k8s.knative-features:classify')?.choice).toBe('none');
  expect(model.decisions.find((d) => d.topic === 'k8s.serving:classify')?.choice).toBe('Knative Service (serving.knative.dev/v1)');

  const policy = docsOf(model, 'k8s/base/network-policy.yaml').find((d) => d.metadata.name === 'sentiment-classify-ingress')!;
  expect(policy.spec.ingress).toEqual([{ ports: [{ port: 8012, protocol: 'TCP' }, { port: 8013, protocol: 'TCP' }] }]);
  // No Deployment to patch in the dev overlay, and no HPA anywhere.
  const all = renderAll(model, data);
  expect(all.some((f) => /kind: (Deployment|HorizontalPodAutoscaler|PodDisruptionBudget)/.test(f.body))).toBe(false);
  expect(all.find((f) => f.path === 'k8s/overlays/dev/kustomization.yaml')!.body).not.toContain('Deployment');
  // Compose and swarm run the stage as before.
  expect(all.find((f) => f.path === 'compose.yaml')!.body).toMatch(/classify:\n\s+image: sentiment-classify:0\.1\.0/);
});

test('the workload tells the RBAC rule (K8S-017) it creates a Knative Service, not a Deployment', async () => {
  const spec = await loadSpec(path.join(dir, 'serverless', 'mlready.yaml'));
  const creates = deriveWorkload(spec.doc).creates;
  expect(creates).toContain('KnativeService');
  expect(creates).not.toContain('Deployment');
  expect(creates).not.toContain('PodDisruptionBudget');
  expect(creates).toContain('Job');
});

test('without autoscale the scale bounds are the replica count; a long start extends the progress deadline', async () => {
  const model = await plan([
    'apiVersion: mlready.dev/v1alpha1',
    'kind: Workflow',
    'metadata: { name: chat }',
    'spec:',
    '  framework: huggingface',
    '  python: "3.11"',
    '  stages:',
    '    - { name: chat, type: service, command: ["python", "serve.py"], port: 8000, replicas: 2, serving: knative }',
    '',
  ].join('\n'));
  const ksvc = docsOf(model, 'k8s/base/services/chat.yaml')[0]!;
  expect(ksvc.spec.template.metadata.annotations).toEqual({
    'autoscaling.knative.dev/minScale': '2',
    'autoscaling.knative.dev/maxScale': '2',
    'serving.knative.dev/progress-deadline': '660s',
  });
  // No healthPath: TCP probes on the serving port.
  expect(ksvc.spec.template.spec.containers[0].readinessProbe).toMatchObject({ tcpSocket: { port: 8000 } });
});

test('what needs Knative feature flags is decided and warned about: PVCs, init containers (waits), GPU placement', async () => {
  const model = await plan([
    'apiVersion: mlready.dev/v1alpha1',
    'kind: Workflow',
    'metadata: { name: llm }',
    'spec:',
    '  framework: pytorch',
    '  python: "3.11"',
    '  volumes: [ { name: weights, mountPath: /weights, size: 20Gi } ]',
    '  stages:',
    '    - { name: fetch, type: batch, command: ["python", "fetch.py"], volumes: [weights] }',
    '    - { name: serve, type: service, needs: [fetch], command: ["python", "serve.py"], port: 8000, volumes: [weights], serving: knative, resources: { gpu: 1 } }',
    '',
  ].join('\n'), SCENARIOS['laptop-targets-gpu-cluster']!());
  expect(model.decisions.find((d) => d.topic === 'k8s.knative-features:serve')?.choice).toBe(
    'kubernetes.podspec-persistent-volume-claim, kubernetes.podspec-persistent-volume-write, kubernetes.podspec-init-containers, kubernetes.podspec-tolerations, kubernetes.podspec-nodeselector, kubernetes.podspec-runtimeclassname',
  );
  expect(model.warnings.join('\n')).toMatch(/the Knative Service serve needs Knative features that are off by default/);
  // The EKS fixture has no Knative Serving.
  expect(model.warnings.join('\n')).toMatch(/stage serve asks for serving: knative, but the cluster facts show no Knative Serving/);
  const ksvc = docsOf(model, 'k8s/base/services/serve.yaml')[0]!;
  const pod = ksvc.spec.template.spec;
  validatePodTemplate(ksvc.spec.template, 'serve.yaml');
  assertRestrictedContainers(pod);
  expect(pod.initContainers.map((c: Obj) => c.name)).toEqual(['mlready-wait']);
  expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
  expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
  expect(pod.runtimeClassName).toBe('nvidia');
  expect(pod.volumes.map((v: Obj) => Object.keys(v).filter((k) => k !== 'name')[0])).toEqual(expect.arrayContaining(['persistentVolumeClaim', 'emptyDir']));
});

test('serving: knative on a batch stage is a spec error naming the line', async () => {
  const { checkSemantics } = await import('../../src/workflow/load.js');
  const { parseYaml } = await import('../../src/util/yaml-source.js');
  const text = 'apiVersion: mlready.dev/v1alpha1\nkind: Workflow\nmetadata: { name: x }\nspec:\n  framework: none\n  python: "3.11"\n  stages:\n    - name: a\n      type: batch\n      command: [run]\n      serving: knative\n';
  const source = parseYaml('x.yaml', text);
  let error: { message: string; where?: { line?: number; path?: string } } | undefined;
  try {
    checkSemantics(source.value as never, source);
  } catch (e) {
    error = e as typeof error;
  }
  expect(error?.message).toMatch(/serving applies to service stages only \("a" is a batch stage\)/);
  expect(error?.where).toMatchObject({ file: 'x.yaml', line: 11 });
  expect(readFileSync(path.join(ROOT, 'examples', 'serverless', 'mlready.yaml'), 'utf8')).toContain('serving: knative');
});
