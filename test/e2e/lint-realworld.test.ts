/**
 * `mlready lint` on real Dockerfiles, compose files and manifests from public repositories
 * (test/fixtures/lint, see PROVENANCE.md): it never crashes, its JSON report is valid, it finds what a
 * reviewer would point at (rule and line), and it stays quiet where a rule would be wrong.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { assertValid } from '../helpers/schema.js';
import type { Report } from '../../src/report/schema.js';

const FIXTURES = 'test/fixtures/lint';
const env = cliEnv({ GITHUB_ACTIONS: undefined, FORCE_COLOR: undefined });

type Finding = Report['findings'][number];

async function lint(dir: string): Promise<Report> {
  const r = await runCli(['lint', '--format', 'json', path.join(FIXTURES, dir)], { env });
  expect(r.stderr).toBe('');
  expect([0, 1]).toContain(r.code);
  const report = JSON.parse(r.stdout) as Report;
  assertValid('report', report);
  expect(report.kind).toBe('lint');
  // Nothing in these files should make a rule stumble.
  expect(report.findings.filter((f) => f.outcome === 'unknown')).toEqual([]);
  return report;
}

const failing = (report: Report): Finding[] => report.findings.filter((f) => f.outcome === 'fail');

/** `[rule, file name, line]` of every failing finding, for readable assertion diffs. */
const located = (report: Report): string[] =>
  failing(report).map((f) => `${f.ruleId} ${path.basename(f.location?.file ?? '')}:${f.location?.line ?? '?'}`);

function expectFindings(report: Report, expected: string[]): void {
  expect(located(report)).toEqual(expect.arrayContaining(expected));
}

function expectQuiet(report: Report, ruleIds: string[]): void {
  expect(failing(report).filter((f) => ruleIds.includes(f.ruleId)).map((f) => `${f.ruleId}: ${f.message ?? ''}`)).toEqual([]);
}

describe('mlready lint on real-world files', () => {
  test('every fixture directory is covered by a test below', () => {
    const dirs = readdirSync(path.join(ROOT, FIXTURES)).filter((d) => statSync(path.join(ROOT, FIXTURES, d)).isDirectory());
    expect(dirs.sort()).toEqual(
      [
        'awesome-compose-fastapi-ollama',
        'dcgm-exporter-compose',
        'kubeflow-elastic-imagenet',
        'kubeflow-mnist-dockerfile',
        'kubeflow-pytorchjob-simple',
        'mlflow-compose',
        'nvidia-device-plugin-daemonset',
        'nvidia-tensorflow-notebook',
        'tensorflow-serving-gpu',
        'tgi-dockerfile',
        'torchserve-mnist-k8s',
      ].sort(),
    );
  });

  test('NVIDIA device plugin DaemonSet: hostPath, no resources, root; its hardening is recognised', async () => {
    const report = await lint('nvidia-device-plugin-daemonset');
    expectFindings(report, ['MANIFEST-015 nvidia-device-plugin.yml:53', 'MANIFEST-012 nvidia-device-plugin.yml:41', 'MANIFEST-009 nvidia-device-plugin.yml:46']);
    expect(failing(report).find((f) => f.ruleId === 'MANIFEST-015')?.message).toContain('/var/lib/kubelet/device-plugins');
    // It tolerates the GPU taint, requests no GPU, drops ALL and disables escalation.
    expectQuiet(report, ['MANIFEST-001', 'MANIFEST-002', 'MANIFEST-010', 'MANIFEST-022', 'MANIFEST-011', 'MANIFEST-014']);
  });

  test('NVIDIA TensorFlow notebook: a GPU Deployment with no toleration, no probes, surging rollout', async () => {
    const report = await lint('nvidia-tensorflow-notebook');
    expectFindings(report, ['MANIFEST-001 tensorflow-notebook.yml:28', 'MANIFEST-006 tensorflow-notebook.yml:26', 'MANIFEST-028 tensorflow-notebook.yml:12']);
    expect(failing(report).find((f) => f.ruleId === 'MANIFEST-001')?.message).toContain('tf-notebook');
    // A pinned TensorFlow image, GPUs in limits only, and no PyTorch.
    expectQuiet(report, ['MANIFEST-011', 'MANIFEST-013', 'MANIFEST-002', 'MANIFEST-024']);
  });

  test('Kubeflow simple PyTorchJob: no /dev/shm and no resources on the worker', async () => {
    const report = await lint('kubeflow-pytorchjob-simple');
    expectFindings(report, ['MANIFEST-002 simple.yaml:27', 'MANIFEST-012 simple.yaml:27']);
    // A tagged image with Always is not a mismatch; a PyTorchJob is not a batch/v1 Job.
    expectQuiet(report, ['MANIFEST-011', 'MANIFEST-024', 'MANIFEST-003', 'MANIFEST-005', 'LINT-001']);
  });

  test('Kubeflow elastic ImageNet: the image and the PyTorchJob that runs it', async () => {
    const report = await lint('kubeflow-elastic-imagenet');
    expectFindings(report, [
      'DOCKERFILE-002 Dockerfile:21',
      'DOCKERFILE-004 Dockerfile:5',
      'DOCKERFILE-005 Dockerfile:5',
      'DOCKERFILE-007 Dockerfile:10',
      'DOCKERFILE-010 Dockerfile:13',
      'MANIFEST-002 imagenet.yaml:25',
      'MANIFEST-012 imagenet.yaml:28',
    ]);
    expect(failing(report).find((f) => f.ruleId === 'DOCKERFILE-004')?.message).toContain('classy-vision');
    expect(failing(report).find((f) => f.ruleId === 'DOCKERFILE-002')?.message).toContain('USER root at line 21');
    expect(failing(report).find((f) => f.ruleId === 'MANIFEST-012')?.message).toContain('no memory limit');
    // The base image comes from a pinned ARG default; the entrypoint is exec form.
    expectQuiet(report, ['DOCKERFILE-001', 'DOCKERFILE-011', 'DOCKERFILE-003']);
  });

  test('Kubeflow MNIST image: root and pip cache, but its pinned pip install and local ADD are fine', async () => {
    const report = await lint('kubeflow-mnist-dockerfile');
    expectFindings(report, ['DOCKERFILE-002 Dockerfile:1', 'DOCKERFILE-005 Dockerfile:3']);
    expectQuiet(report, ['DOCKERFILE-004', 'DOCKERFILE-009', 'DOCKERFILE-011', 'DOCKERFILE-001', 'DOCKERFILE-010']);
  });

  test('TensorFlow Serving GPU image: latest-devel build image via nested ARGs, root, apt lists, no HEALTHCHECK', async () => {
    const report = await lint('tensorflow-serving-gpu');
    expectFindings(report, ['DOCKERFILE-001 Dockerfile.gpu:18', 'DOCKERFILE-002 Dockerfile.gpu:19', 'DOCKERFILE-007 Dockerfile.gpu:33', 'DOCKERFILE-012 Dockerfile.gpu:19']);
    expect(failing(report).find((f) => f.ruleId === 'DOCKERFILE-001')?.message).toContain('tensorflow/serving:latest-devel-gpu');
    // It serves from a CUDA base (not devel) image, installs without recommends, uses exec form.
    expectQuiet(report, ['DOCKERFILE-006', 'DOCKERFILE-008', 'DOCKERFILE-011', 'DOCKERFILE-003']);
  });

  test('TorchServe MNIST on Kubernetes: nightly image, hostPath model store, no probes, no NetworkPolicy', async () => {
    const report = await lint('torchserve-mnist-k8s');
    expectFindings(report, ['MANIFEST-011 deployment.yaml:23', 'MANIFEST-015 deployment.yaml:17', 'MANIFEST-006 deployment.yaml:22', 'MANIFEST-017 deployment.yaml:1']);
    expect(failing(report).find((f) => f.ruleId === 'MANIFEST-011')?.message).toContain('pytorch/torchserve-nightly:latest-cpu');
    // The Service's selector does match the pod template.
    expectQuiet(report, ['MANIFEST-018', 'MANIFEST-001', 'MANIFEST-013']);
  });

  test('Text Generation Inference: an unpinned pip install in the runtime stage, root, no HEALTHCHECK', async () => {
    const report = await lint('tgi-dockerfile');
    expectFindings(report, ['DOCKERFILE-004 Dockerfile:144', 'DOCKERFILE-002 Dockerfile:171', 'DOCKERFILE-012 Dockerfile:171']);
    expect(failing(report).find((f) => f.ruleId === 'DOCKERFILE-004')?.message).toContain('einops');
    // Devel images and conda only in builder stages; apt lists cleaned; exec form; pip cache disabled in the final lineage.
    expectQuiet(report, ['DOCKERFILE-008', 'DOCKERFILE-016', 'DOCKERFILE-007', 'DOCKERFILE-011', 'DOCKERFILE-015', 'DOCKERFILE-009']);
  });

  test('awesome-compose FastAPI + Ollama: latest image, build without image, root image', async () => {
    const report = await lint('awesome-compose-fastapi-ollama');
    expectFindings(report, ['COMPOSE-001 compose.yaml:3', 'COMPOSE-006 compose.yaml:12', 'DOCKERFILE-002 Dockerfile:3', 'DOCKERFILE-012 Dockerfile:3']);
    // pip uses -r and a cache mount; Ollama is a server, not a pipeline stage; no PyTorch image.
    expectQuiet(report, ['DOCKERFILE-004', 'DOCKERFILE-005', 'DOCKERFILE-010', 'DOCKERFILE-011', 'COMPOSE-004', 'COMPOSE-005', 'COMPOSE-009']);
  });

  test('DCGM exporter stack: runtime nvidia, pid host, untagged images, build without image', async () => {
    const report = await lint('dcgm-exporter-compose');
    expectFindings(report, [
      'COMPOSE-010 docker-compose.yml:32',
      'COMPOSE-008 docker-compose.yml:14',
      'COMPOSE-001 docker-compose.yml:12',
      'COMPOSE-001 docker-compose.yml:22',
      'COMPOSE-006 docker-compose.yml:5',
    ]);
    // dcgm-exporter:1.4.3 is pinned; nothing reserves devices.
    expect(located(report)).not.toContain('COMPOSE-001 docker-compose.yml:31');
    expectQuiet(report, ['COMPOSE-002', 'COMPOSE-003', 'COMPOSE-004']);
  });

  test('MLflow stack: only its latest tags; the pipeline stage, healthchecks and ${…} credentials are right', async () => {
    const report = await lint('mlflow-compose');
    expectFindings(report, ['COMPOSE-001 docker-compose.yml:24', 'COMPOSE-001 docker-compose.yml:42', 'COMPOSE-001 docker-compose.yml:56']);
    expect(located(report)).not.toContain('COMPOSE-001 docker-compose.yml:7'); // postgres:15
    expectQuiet(report, ['COMPOSE-005', 'COMPOSE-007', 'COMPOSE-009', 'COMPOSE-008', 'LINT-001']);
    const passed = (id: string) => report.findings.filter((f) => f.ruleId === id && f.outcome === 'pass').length;
    expect(passed('COMPOSE-005')).toBe(2); // create-bucket and mlflow both have depends_on
    expect(passed('COMPOSE-007')).toBe(2); // postgres and minio are waited on with service_healthy
  });

  test('all fixtures at once: one report, every file read, nothing skipped, every rule as the build compiled it', async () => {
    const r = await runCli(['lint', '--format', 'json', FIXTURES], { env: { ...env, MLREADY_TRACE: '1' } });
    expect([0, 1]).toContain(r.code);
    expect(r.stderr).toMatch(/loaded builtin-code-artifact\.cjs/);
    expect(r.stderr).not.toMatch(/CEL library/);
    const report = JSON.parse(r.stdout) as Report;
    assertValid('report', report);
    expect(report.lint?.files).toHaveLength(14);
    expect(report.lint?.skipped).toEqual([]);
    expect(report.summary.unknown).toBe(0);
  });
});
