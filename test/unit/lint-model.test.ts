/**
 * The artifact facts lint rules read, beyond what the examples need: stage lineage and the USER in effect in
 * Dockerfiles, and containers with their own lines, key lines and Kubeflow job templates in manifests.
 */
import { parseDockerfile } from '../../src/lint/dockerfile.js';
import { parseYamlArtifacts } from '../../src/lint/yaml-artifacts.js';
import type { ComposeServiceArtifact, KubernetesArtifact } from '../../src/lint/model.js';

describe('Dockerfile facts', () => {
  const text = [
    'ARG CUDA=12.4.1', // 1
    'ARG BUILD_IMAGE=nvidia/cuda:${CUDA}-devel-ubuntu22.04', // 2
    'FROM ${BUILD_IMAGE} AS build', // 3
    'RUN make', // 4
    'FROM nvidia/cuda:${CUDA}-runtime-ubuntu22.04 AS base', // 5
    'USER 10001', // 6
    'FROM base AS app', // 7
    'COPY --from=build /out /app', // 8
    'FROM app', // 9
    'CMD ["/app/serve"]', // 10
    '',
  ].join('\n');
  const df = parseDockerfile('Dockerfile', text, false);

  test('ARG defaults that use earlier ARGs are expanded in FROM', () => {
    expect(df.stages[0]!.image).toBe('nvidia/cuda:12.4.1-devel-ubuntu22.04');
    expect(df.stages[0]!.tag).toBe('12.4.1-devel-ubuntu22.04');
  });

  test('each stage knows the stage it is built FROM, its root image, and whether it reaches the final image', () => {
    expect(df.stages.map((s) => [s.index, s.base, s.baseImage, s.inFinalImage])).toEqual([
      [0, undefined, 'nvidia/cuda:12.4.1-devel-ubuntu22.04', false],
      [1, undefined, 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', true],
      [2, 1, 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', true],
      [3, 2, 'nvidia/cuda:12.4.1-runtime-ubuntu22.04', true],
    ]);
    expect(df.final.baseImage).toBe('nvidia/cuda:12.4.1-runtime-ubuntu22.04');
  });

  test('the USER in effect follows FROM <stage> chains; `user` stays the final stage’s own', () => {
    expect(df.final.user).toBeUndefined();
    expect(df.final.effectiveUser).toBe('10001');
    expect(df.final.effectiveUserLine).toBe(6);
    expect(df.stages[0]!.effectiveUser).toBeUndefined();
  });

  test('a later USER in the final stage wins', () => {
    const d = parseDockerfile('Dockerfile', 'FROM python:3.11-slim AS base\nUSER app\nFROM base\nUSER root\n', false);
    expect(d.final.effectiveUser).toBe('root');
    expect(d.final.effectiveUserLine).toBe(4);
  });
});

describe('Kubernetes facts', () => {
  const text = [
    'apiVersion: apps/v1', // 1
    'kind: Deployment', // 2
    'metadata:', // 3
    '  name: llm', // 4
    'spec:', // 5
    '  replicas: 2', // 6
    '  selector:', // 7
    '    matchLabels: {app: llm}', // 8
    '  template:', // 9
    '    metadata:', // 10
    '      labels: {app: llm}', // 11
    '    spec:', // 12
    '      initContainers:', // 13
    '        - name: fetch', // 14
    '          image: busybox:1.36', // 15
    '      containers:', // 16
    '        - name: vllm', // 17
    '          image: vllm/vllm-openai:v0.5.3', // 18
    '          resources:', // 19
    '            limits:', // 20
    '              nvidia.com/gpu: 1', // 21
    '      volumes:', // 22
    '        - name: dshm', // 23
    '          emptyDir: {medium: Memory}', // 24
    '        - name: cache', // 25
    '          emptyDir: {}', // 26
    '',
  ].join('\n');
  const [deploy] = parseYamlArtifacts('deploy.yaml', text).artifacts as KubernetesArtifact[];

  test('containers, init containers included, with their group, index, image and lines', () => {
    expect(deploy!.pod!.containers.map((c) => [c.group, c.index, c.name, c.image, c.line])).toEqual([
      ['containers', 0, 'vllm', 'vllm/vllm-openai:v0.5.3', 17],
      ['initContainers', 0, 'fetch', 'busybox:1.36', 14],
    ]);
    expect(deploy!.pod!.containers[0]!.lines).toEqual({ name: 17, image: 18, resources: 19 });
    expect(deploy!.pod!.containers[0]!.spec).toMatchObject({ resources: { limits: { 'nvidia.com/gpu': 1 } } });
    expect(deploy!.pod!.line).toBe(13);
  });

  test('lines point at keys: spec, every spec key, every pod spec key, each volume', () => {
    expect(deploy!.lines).toMatchObject({
      spec: 5,
      'spec.replicas': 6,
      'spec.template': 9,
      'pod.spec.containers': 16,
      'pod.spec.containers.0.resources': 19,
      'pod.spec.volumes': 22,
      'pod.spec.volumes.0': 23,
      'pod.spec.volumes.1': 25,
    });
  });

  test("a CronJob's job spec keys have lines", () => {
    const [cron] = parseYamlArtifacts(
      'cron.yaml',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  schedule: "0 * * * *"\n  jobTemplate:\n    spec:\n      backoffLimit: 1\n      template:\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: "busybox:1.36"}]\n',
    ).artifacts as KubernetesArtifact[];
    expect(cron!.lines['spec.jobTemplate.spec.backoffLimit']).toBe(8);
    expect(cron!.lines['pod.spec.restartPolicy']).toBe(11);
    expect(cron!.pod!.containers.map((c) => c.name)).toEqual(['c']);
  });

  test('Kubeflow jobs other than PyTorchJob: the Worker template of any *ReplicaSpecs', () => {
    const [tfjob] = parseYamlArtifacts(
      'tfjob.yaml',
      'apiVersion: kubeflow.org/v1\nkind: TFJob\nmetadata: {name: mnist}\nspec:\n  tfReplicaSpecs:\n    Chief:\n      template:\n        spec:\n          containers: [{name: tensorflow, image: "chief:1"}]\n    Worker:\n      template:\n        spec:\n          containers: [{name: tensorflow, image: "worker:1"}]\n',
    ).artifacts as KubernetesArtifact[];
    expect(tfjob!.pod!.containers.map((c) => c.image)).toEqual(['worker:1']);
  });

  test('a kustomization with no apiVersion/kind is skipped with the kustomize hint, not as unknown YAML', () => {
    const parsed = parseYamlArtifacts('overlays/prod/kustomization.yaml', 'resources:\n  - ../../base\nnamespace: ml\n');
    expect(parsed.artifacts).toEqual([]);
    expect(parsed.skipped).toEqual([expect.stringContaining('kubectl kustomize')]);
  });
});

describe('compose facts', () => {
  test('a service and its keys are located at the keys', () => {
    const [svc] = parseYamlArtifacts('compose.yaml', 'services:\n  train:\n    image: x:1\n    deploy:\n      resources: {}\n', 'compose')
      .artifacts as ComposeServiceArtifact[];
    expect(svc!.line).toBe(2);
    expect(svc!.lines).toEqual({ image: 3, deploy: 4 });
  });
});
