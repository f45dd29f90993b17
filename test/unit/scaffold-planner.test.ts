/**
 * The planner in process: GPU decisions over every target of the facts, the CUDA ceiling, base
 * images from the compatibility data, storage classes, Kubernetes ordering units — each decision
 * with a reason.
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/facts.js';
import { loadSpec, planSpec, SCENARIOS } from '../golden/scaffold-helpers.js';
import { planWorkflow } from '../../src/workflow/planner.js';
import { compareVersions, cudaForDriver, loadCompatData, matchVersion } from '../../src/workflow/compat.js';
import type { WorkflowModel } from '../../src/workflow/model.js';

const data = loadCompatData();
let dir: string;
beforeAll(() => {
  dir = tempDir('mlready-planner-');
  for (const e of ['iris', 'pytorch-gpu', 'tensorflow', 'huggingface-inference', 'pytorch-distributed']) cpSync(path.join(ROOT, 'examples', e), path.join(dir, e), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function plan(example: string, scenario?: string, extra: { baseImage?: string } = {}): Promise<WorkflowModel> {
  const facts = scenario ? SCENARIOS[scenario]!() : undefined;
  return planSpec(path.join(dir, example, 'mlready.yaml'), { ...(facts ? { facts, factsName: scenario! } : {}), ...extra });
}
const choice = (m: WorkflowModel, topic: string) => m.decisions.find((d) => d.topic === topic)?.choice;

test('compatibility data: a driver gives the highest CUDA it runs; versions compare numerically', () => {
  expect(cudaForDriver('535.54.03', data.drivers)).toBe('12.2');
  expect(cudaForDriver('550.54.15', data.drivers)).toBe('12.4');
  expect(cudaForDriver('470.82.01', data.drivers)).toBe('11.4');
  expect(cudaForDriver('400.1', data.drivers)).toBeUndefined();
  expect(compareVersions('535.104.05', '535.54.03')).toBeGreaterThan(0);
  expect(compareVersions('12.10', '12.9')).toBeGreaterThan(0);
  expect(matchVersion('2.17', ['2.16.1', '2.17.0'])).toBe('2.17.0');
  expect(data.drivers.source).toMatch(/^https:\/\//);
  expect(data.images.frameworks.pytorch!.source).toMatch(/^https:\/\//);
});

test('every decision has a topic, a choice and a one-line reason', async () => {
  for (const [example, scenario] of [['iris', undefined], ['pytorch-distributed', 'laptop-targets-gpu-cluster'], ['huggingface-inference', 'cpu-only']] as const) {
    const m = await plan(example, scenario);
    expect(m.decisions.length).toBeGreaterThan(8);
    for (const d of m.decisions) {
      expect(d.topic).toMatch(/^[a-zA-Z0-9.:-]+$/);
      expect(d.choice.length).toBeGreaterThan(0);
      expect(d.reason.length).toBeGreaterThan(5);
      expect(d.reason).not.toMatch(/\n/);
    }
  }
});

test('the lowest driver among the host and the cluster bounds CUDA; each target gets GPUs only where it has them', async () => {
  const mixed = await plan('pytorch-gpu', 'host-550-cluster-535');
  expect(choice(mixed, 'cuda.ceiling')).toBe('12.2');
  expect(mixed.build.baseImage).toBe('pytorch/pytorch:2.5.1-cuda12.1-cudnn9-runtime');
  expect(mixed.stages.find((s) => s.name === 'train')!.gpu).toEqual({ compose: 1, kubernetes: 1 });

  const laptop = await plan('pytorch-gpu', 'laptop-targets-gpu-cluster');
  expect(laptop.build.accelerator).toBe('nvidia');
  expect(laptop.stages.find((s) => s.name === 'train')!.gpu).toEqual({ compose: 0, kubernetes: 1 });
  expect(laptop.gpu.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
  expect(laptop.gpu.runtimeClassName).toBe('nvidia');
  expect(laptop.warnings.join('\n')).toMatch(/the host has no GPU: compose and swarm run the GPU stages without GPUs/);

  const cpu = await plan('pytorch-gpu', 'cpu-only');
  expect(cpu.build.accelerator).toBe('cpu');
  expect(cpu.build.baseImage).toBe('python:3.11-slim');
  expect(cpu.stages.every((s) => s.gpu.compose === 0 && s.gpu.kubernetes === 0)).toBe(true);
  expect(cpu.warnings.join('\n')).toMatch(/no GPU anywhere in the facts/);
});

test('framework images: TensorFlow pinned above the ceiling warns; sklearn on GPUs gets a CUDA runtime image with Python added', async () => {
  const tf = await plan('tensorflow', 'gpu-host-driver-535');
  expect(tf.build.baseImage).toBe('tensorflow/tensorflow:2.17.0-gpu');
  expect(tf.warnings.join('\n')).toMatch(/tensorflow 2\.17\.0 has no CUDA build the lowest driver runs \(CUDA ≤ 12\.2\)/);
  expect(tf.warnings.join('\n')).toMatch(/upgrade the driver to 545\.23\.06/);
  const hf = await plan('huggingface-inference');
  expect(hf.build.baseImage).toBe('pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime');
  expect(choice(hf, 'framework.version')).toBe('pytorch 2.5.1 image');
  const override = await plan('iris', undefined, { baseImage: 'mlready-ci-base:bookworm' });
  expect(override.build).toMatchObject({ baseImage: 'mlready-ci-base:bookworm', baseKind: 'custom', installPython: false });
});

test('storage: the default class, a ReadWriteMany class for shared volumes, the cluster default without facts', async () => {
  const m = await plan('pytorch-gpu', 'laptop-targets-gpu-cluster');
  expect(m.volumes.map((v) => [v.name, v.storageClass, v.accessMode])).toEqual([
    ['datasets', 'gp3', 'ReadWriteOnce'],
    ['checkpoints', 'efs-sc', 'ReadWriteMany'],
  ]);
  const generic = await plan('pytorch-gpu');
  expect(generic.volumes.every((v) => v.storageClass === undefined)).toBe(true);
  expect(choice(generic, 'storage.class:datasets')).toBe('cluster default');
});

test('Kubernetes ordering: chains of init containers, distributed units gated on markers, services on the last unit they need', async () => {
  const iris = await plan('iris');
  // The marker goes on the shared volume the last stage writes and the service reads.
  const irisDone = [{ path: '/data/.mlready/iris-pipeline.done', volume: 'data' }];
  expect(iris.ordering.units).toEqual([{ kind: 'chain', name: 'iris-pipeline', stages: ['preprocess', 'train', 'evaluate'], waitFor: [], done: irisDone }]);
  expect(iris.ordering.serviceWaits).toEqual({ serve: irisDone });
  expect(iris.ordering.k8sStateVolume).toBeUndefined();
  const dist = await plan('pytorch-distributed');
  expect(dist.ordering.units.map((u) => [u.kind, u.name, u.stages])).toEqual([
    ['chain', 'gpt-pretrain-pipeline-1', ['tokenize']],
    ['indexed-job', 'gpt-pretrain-train', ['train']],
    ['chain', 'gpt-pretrain-pipeline-2', ['evaluate']],
  ]);
  expect(dist.ordering.units[1]!.waitFor).toEqual([{ path: '/data/.mlready/gpt-pretrain-pipeline-1.done', volume: 'corpus' }]);
  expect(dist.ordering.units[2]!.waitFor).toEqual([0, 1, 2, 3].map((i) => ({ path: `/data/.mlready/gpt-pretrain-train.${i}.done`, volume: 'corpus' })));
  // serve mounts only runs: the evaluate chain's marker goes there.
  expect(dist.ordering.serviceWaits.serve).toEqual([{ path: '/runs/.mlready/gpt-pretrain-pipeline-2.done', volume: 'runs' }]);
  const op = await plan('pytorch-distributed', 'laptop-targets-gpu-cluster');
  expect(op.ordering.units[1]!.kind).toBe('pytorchjob');
  // Swarm: each stage waits for the markers of the batch stages it needs.
  expect(iris.ordering.swarm).toEqual({
    preprocess: { waitFor: [], done: '/var/lib/mlready/preprocess.done' },
    train: { waitFor: ['/var/lib/mlready/preprocess.done'], done: '/var/lib/mlready/train.done' },
    evaluate: { waitFor: ['/var/lib/mlready/train.done'], done: '/var/lib/mlready/evaluate.done' },
    serve: { waitFor: ['/var/lib/mlready/evaluate.done'] },
  });
});

test('a unit whose stages mount no volume keeps its markers on a small state PVC of their own', async () => {
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const { toYaml } = await import('../../src/generate/yaml.js');
  const { renderKubernetes } = await import('../../src/generate/kubernetes.js');
  const { loadClientModels, validateK8sObject, assertRestrictedPod, podSpecsOf } = await import('../golden/scaffold-helpers.js');
  const d = path.join(dir, 'novolumes');
  mkdirSync(d);
  writeFileSync(path.join(d, 'mlready.yaml'), toYaml({
    apiVersion: 'mlready.dev/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'tiny' },
    spec: {
      framework: 'sklearn',
      python: '3.11',
      stages: [
        { name: 'fetch', type: 'batch', command: ['python', 'fetch.py'] },
        { name: 'api', type: 'service', needs: ['fetch'], command: ['python', 'api.py'], port: 8000 },
      ],
    },
  }));
  const spec = await loadSpec(path.join(d, 'mlready.yaml'));
  const m = planWorkflow({ spec, factsOrigin: { source: 'none', targets: [], summary: 'generic' }, outDir: d, emit: ['k8s'], data, toolVersion: 'test' });
  expect(m.ordering.units[0]!.done).toEqual([{ path: '/var/lib/mlready/tiny-pipeline.done' }]);
  expect(m.ordering.k8sStateVolume).toMatchObject({ claimName: 'tiny-mlready-state', accessMode: 'ReadWriteOnce' });
  await loadClientModels();
  const docs = renderKubernetes(m).flatMap((f) => f.docs);
  for (const doc of docs.filter((x) => x.kind !== 'Kustomization')) {
    validateK8sObject(doc, 'tiny');
    for (const pod of podSpecsOf(doc)) assertRestrictedPod(pod, 'tiny');
  }
  const deployment = docs.find((x) => x.kind === 'Deployment') as { spec: { template: { spec: { initContainers: { volumeMounts: { name: string }[] }[]; volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] } } } };
  expect(deployment.spec.template.spec.initContainers[0]!.volumeMounts.map((v) => v.name)).toEqual(['tmp', 'mlready-state']);
  expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'mlready-state', persistentVolumeClaim: { claimName: 'tiny-mlready-state' } });
  expect(docs.some((x) => x.kind === 'PersistentVolumeClaim' && (x.metadata as { name: string }).name === 'tiny-mlready-state')).toBe(true);
});

describe('GPU tolerations', () => {
  test('the GPU taints found are tolerated, the system taints of draining or unready nodes are not', async () => {
    const spec = await loadSpec(path.join(dir, 'pytorch-gpu', 'mlready.yaml'));
    const facts = SCENARIOS['laptop-targets-gpu-cluster']!();
    const gpuNodes = facts.cluster.kubernetes.gpuNodes;
    if (gpuNodes?.status !== 'ok') throw new Error('scenario without GPU nodes');
    gpuNodes.taints = [
      ...gpuNodes.taints,
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' },
    ];
    const m = await planWorkflow({
      spec,
      facts,
      factsOrigin: { source: 'file', targets: facts.targets, summary: 'facts with system taints' },
      outDir: path.join(dir, 'pytorch-gpu'),
      emit: ['k8s'],
      data,
      toolVersion: 'test',
    });
    const keys = m.gpu.tolerations.map((t) => t.key);
    expect(keys).toContain('nvidia.com/gpu');
    expect(keys).not.toContain('node.kubernetes.io/unschedulable');
    expect(keys).not.toContain('karpenter.sh/disrupted');
  });

  test('which taint keys are the system\'s', async () => {
    const { isSystemTaint } = await import('../../src/workflow/planner.js');
    for (const key of ['node.kubernetes.io/unschedulable', 'node.kubernetes.io/not-ready', 'karpenter.sh/disrupted', 'ToBeDeletedByClusterAutoscaler', 'node.cloudprovider.kubernetes.io/uninitialized']) {
      expect(isSystemTaint(key)).toBe(true);
    }
    for (const key of ['nvidia.com/gpu', 'sku', 'dedicated', 'amd.com/gpu']) expect(isSystemTaint(key)).toBe(false);
  });
});
