/**
 * `mlready scaffold` as a process: decisions from facts (GPU placement, CUDA ceilings, storage),
 * generic defaults, byte-identical reruns, --emit, --dry-run [--json], --diff, safe writes (kept
 * edited and foreign files, --force, path traversal through symbolic links), and bad input.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/facts.js';
import { listFiles, SCENARIOS, yamlDoc, yamlDocs } from '../golden/scaffold-helpers.js';

const env = cliEnv();
let work: string;
let factsDir: string;
const facts = (scenario: string) => path.join(factsDir, `${scenario}.json`);

beforeAll(() => {
  work = tempDir('mlready-scaffold-cli-');
  factsDir = path.join(work, 'facts');
  mkdirSync(factsDir);
  for (const [name, build] of Object.entries(SCENARIOS)) writeJson(factsDir, `${name}.json`, build());
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh copy of an example directory. */
function example(name: string): string {
  const dir = path.join(work, `${name}-${++n}`);
  cpSync(path.join(ROOT, 'examples', name), dir, { recursive: true });
  return dir;
}

interface Plan {
  files: { path: string; action: string; reason?: string }[];
  decisions: { topic: string; choice: string; reason: string }[];
  warnings: string[];
  facts: { source: string };
}
async function plan(dir: string, args: string[] = []): Promise<Plan> {
  const r = await runCli(['scaffold', '--dry-run', '--json', ...args], { env, cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Plan;
}
const decision = (p: Plan, topic: string) => p.decisions.find((d) => d.topic === topic);

describe('GPU decisions look at every target in the facts', () => {
  test('the CUDA image runs on the lowest driver among the host and the cluster GPU nodes', async () => {
    const p = await plan(example('pytorch-gpu'), ['--facts', facts('host-550-cluster-535')]);
    expect(decision(p, 'cuda.ceiling')?.choice).toBe('12.2');
    expect(decision(p, 'base-image')?.choice).toBe('pytorch/pytorch:2.5.1-cuda12.1-cudnn9-runtime');
    const host = await plan(example('pytorch-gpu'), ['--facts', facts('gpu-host-driver-535')]);
    expect(decision(host, 'base-image')?.choice).toBe('pytorch/pytorch:2.5.1-cuda12.1-cudnn9-runtime');
    const generic = await plan(example('pytorch-gpu'));
    expect(decision(generic, 'base-image')?.choice).toBe('pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime');
  });

  test('a laptop without a GPU that targets a GPU cluster gets GPU images and GPU scheduling on Kubernetes only', async () => {
    const dir = example('pytorch-gpu');
    const r = await runCli(['scaffold', '--facts', facts('laptop-targets-gpu-cluster')], { env, cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toContain('ARG BASE_IMAGE=pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime');
    const compose = yamlDoc(path.join(dir, 'compose.yaml')) as { services: Record<string, { deploy: { resources: { reservations: Record<string, unknown> } } }> };
    expect(compose.services.train!.deploy.resources.reservations.devices).toBeUndefined();
    const [job] = yamlDocs(path.join(dir, 'k8s/base/batch/resnet-finetune-pipeline.yaml')) as { spec: { template: { spec: Record<string, unknown> & { containers: { resources: { limits: Record<string, string> } }[] } } } }[];
    const pod = job!.spec.template.spec;
    expect(pod.containers[0]!.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(pod.runtimeClassName).toBe('nvidia');
    const md = readFileSync(path.join(dir, 'SCAFFOLD.md'), 'utf8');
    expect(md).toContain('| gpu.tolerations | nvidia.com/gpu=true:NoSchedule | the taints found on the cluster\'s GPU nodes |');
    expect(md).toMatch(/\| storage\.class:checkpoints \| efs-sc \| shared volume: the default class gp3 does not support ReadWriteMany, efs-sc does \|/);
  });

  test('without cluster facts: the conventional nvidia.com/gpu toleration; a GPU host gets compose device reservations', async () => {
    const dir = example('pytorch-gpu');
    expect((await runCli(['scaffold', '--facts', facts('gpu-host-driver-535')], { env, cwd: dir })).code).toBe(0);
    const [job] = yamlDocs(path.join(dir, 'k8s/base/batch/resnet-finetune-pipeline.yaml')) as { spec: { template: { spec: Record<string, unknown> } } }[];
    expect(job!.spec.template.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(job!.spec.template.spec.runtimeClassName).toBeUndefined();
    const compose = yamlDoc(path.join(dir, 'compose.yaml')) as { services: Record<string, Record<string, unknown> & { deploy: { resources: { reservations: Record<string, unknown> } } }> };
    expect(compose.services.train!.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    expect(compose.services.train!.shm_size).toBe('8192m');
    const stack = yamlDoc(path.join(dir, 'docker-stack.yml')) as { services: Record<string, { deploy: { resources: { reservations: Record<string, unknown> } } }> };
    expect(stack.services.train!.deploy.resources.reservations.generic_resources).toEqual([{ discrete_resource_spec: { kind: 'NVIDIA-GPU', value: 1 } }]);
  });

  test('no GPU anywhere in the facts: a CPU image and a warning', async () => {
    const p = await plan(example('pytorch-gpu'), ['--facts', facts('cpu-only')]);
    expect(decision(p, 'base-image')?.choice).toBe('python:3.11-slim');
    expect(p.warnings.join('\n')).toMatch(/no GPU anywhere in the facts/);
    const tf = await plan(example('tensorflow'), ['--facts', facts('cpu-only')]);
    expect(decision(tf, 'base-image')?.choice).toBe('tensorflow/tensorflow:2.17.0');
  });

  test('distributed PyTorch: a PyTorchJob with the Training Operator, else an Indexed Job and a headless Service', async () => {
    const op = example('pytorch-distributed');
    expect((await runCli(['scaffold', '--emit', 'k8s', '--facts', facts('laptop-targets-gpu-cluster')], { env, cwd: op })).code).toBe(0);
    const [pj] = yamlDocs(path.join(op, 'k8s/base/batch/gpt-pretrain-train.yaml'));
    expect(pj).toMatchObject({ apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', spec: { nprocPerNode: '8', pytorchReplicaSpecs: { Master: { replicas: 1 }, Worker: { replicas: 3 } } } });
    const plain = example('pytorch-distributed');
    expect((await runCli(['scaffold', '--emit', 'k8s', '--facts', facts('cluster-without-training-operator')], { env, cwd: plain })).code).toBe(0);
    const [svc, job] = yamlDocs(path.join(plain, 'k8s/base/batch/gpt-pretrain-train.yaml')) as Record<string, any>[];
    expect(svc).toMatchObject({ kind: 'Service', spec: { clusterIP: 'None', publishNotReadyAddresses: true } });
    expect(job).toMatchObject({ kind: 'Job', spec: { completionMode: 'Indexed', completions: 4, parallelism: 4 } });
    const c = job!.spec.template.spec.containers[0];
    expect(c.args).toEqual(['torchrun', 'train.py', '--data', '/data/tokens', '--out', '/runs/latest']);
    expect(job!.spec.template.spec.subdomain).toBe(svc!.metadata.name);
    const envNames = (c.env as { name: string }[]).map((e) => e.name);
    expect(envNames).toEqual(expect.arrayContaining(['PET_NNODES', 'PET_NODE_RANK', 'PET_MASTER_ADDR', 'PET_MASTER_PORT', 'PET_NPROC_PER_NODE', 'MASTER_ADDR', 'WORLD_SIZE', 'RANK']));
    // Units run in order without API access: the job waits for the tokenize chain's marker.
    expect(job!.spec.template.spec.initContainers[0]).toMatchObject({
      name: 'mlready-wait',
      env: [{ name: 'MLREADY_WAIT_FOR', value: '/data/.mlready/gpt-pretrain-pipeline-1.done' }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'vol-corpus', mountPath: '/data', readOnly: true }],
    });
    expect(c.env).toContainEqual({ name: 'MLREADY_DONE', value: '/data/.mlready/gpt-pretrain-train.$(PET_NODE_RANK).done' });
  });
});

describe('generic defaults and reproducibility', () => {
  test('without facts SCAFFOLD.md says the output uses generic defaults', async () => {
    const dir = example('iris');
    expect((await runCli(['scaffold'], { env, cwd: dir })).code).toBe(0);
    const md = readFileSync(path.join(dir, 'SCAFFOLD.md'), 'utf8');
    expect(md).toMatch(/^<!-- Generated by mlready \S+ from mlready\.yaml — sha256:[0-9a-f]{64} -->\n/);
    expect(md).toContain('**Generic defaults.**');
    expect(md).toContain('| facts | generic defaults |');
  });

  test('the same spec and facts file give byte-identical output', async () => {
    const a = example('huggingface-inference');
    const b = example('huggingface-inference');
    for (const dir of [a, b]) expect((await runCli(['scaffold', '--facts', facts('laptop-targets-gpu-cluster')], { env, cwd: dir })).code).toBe(0);
    const files = listFiles(a);
    expect(files).toEqual(listFiles(b));
    for (const f of files) expect(readFileSync(path.join(b, f), 'utf8')).toBe(readFileSync(path.join(a, f), 'utf8'));
    const again = await runCli(['scaffold', '--facts', facts('laptop-targets-gpu-cluster')], { env, cwd: a });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/: 0 created, 0 updated, 15 unchanged/);
  });

  test('--emit limits what is generated; --out writes elsewhere and points compose at the build context', async () => {
    const dir = example('iris');
    const out = path.join(work, `out-${++n}`);
    const r = await runCli(['scaffold', '--emit', 'dockerfile,compose', '--out', out], { env, cwd: dir });
    expect(r.code).toBe(0);
    expect(listFiles(out)).toEqual(['.dockerignore', 'Dockerfile', 'SCAFFOLD.md', 'compose.yaml']);
    const compose = yamlDoc(path.join(out, 'compose.yaml')) as { services: Record<string, { build: { context: string; dockerfile: string } }> };
    expect(path.resolve(out, compose.services.train!.build.context)).toBe(dir);
    expect(path.resolve(dir, compose.services.train!.build.dockerfile)).toBe(path.join(out, 'Dockerfile'));
    expect(r.stderr).toMatch(/not the build context/);
  });
});

describe('safe writes', () => {
  test('--dry-run lists files and decisions and writes nothing; --json is machine-readable', async () => {
    const dir = example('iris');
    const before = listFiles(dir);
    const text = await runCli(['scaffold', '--dry-run'], { env, cwd: dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/create\s+Dockerfile/);
    expect(text.stdout).toMatch(/base-image: python:3\.11-slim — /);
    const p = await plan(dir);
    expect(p.files.map((f) => f.action)).toEqual(p.files.map(() => 'create'));
    expect(p.facts.source).toBe('none');
    expect(listFiles(dir)).toEqual(before);
  });

  test('an edited file is kept (exit 1, named) until --force; an unedited one is updated; --diff shows the change and writes nothing', async () => {
    const dir = example('iris');
    expect((await runCli(['scaffold'], { env, cwd: dir })).code).toBe(0);
    const composeFile = path.join(dir, 'compose.yaml');
    const edited = readFileSync(composeFile, 'utf8').replace('restart: unless-stopped', 'restart: always');
    writeFileSync(composeFile, edited);
    writeFileSync(path.join(dir, 'mlready.yaml'), readFileSync(path.join(dir, 'mlready.yaml'), 'utf8').replace('MIN_ACCURACY: "0.85"', 'MIN_ACCURACY: "0.9"'));

    const diff = await runCli(['scaffold', '--diff'], { env, cwd: dir });
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('--- a/k8s/base/config.yaml');
    expect(diff.stdout).toContain('-  MIN_ACCURACY: "0.85"');
    expect(diff.stdout).toContain('+  MIN_ACCURACY: "0.9"');
    expect(diff.stdout).toContain('# compose.yaml: kept (edited since mlready generated it); with --force:');
    expect(readFileSync(composeFile, 'utf8')).toBe(edited);

    const r = await runCli(['scaffold'], { env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kept compose.yaml (edited since mlready generated it)');
    expect(readFileSync(composeFile, 'utf8')).toBe(edited);
    expect(readFileSync(path.join(dir, 'k8s/base/config.yaml'), 'utf8')).toContain('MIN_ACCURACY: "0.9"');

    const forced = await runCli(['scaffold', '--force'], { env, cwd: dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(composeFile, 'utf8')).toContain('MIN_ACCURACY: "0.9"');
  });

  test('a file mlready did not generate is never overwritten without --force', async () => {
    const dir = example('iris');
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const r = await runCli(['scaffold'], { env, cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('kept Dockerfile (not generated by mlready)');
    expect(readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    expect(existsSync(path.join(dir, 'compose.yaml'))).toBe(true);
  });

  test('nothing is written outside --out: a symbolic link leading out is refused', async () => {
    const dir = example('iris');
    const outside = path.join(work, `outside-${++n}`);
    mkdirSync(outside);
    symlinkSync(outside, path.join(dir, 'k8s'));
    const r = await runCli(['scaffold'], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mlready: .*refusing to write k8s\/base\/namespace\.yaml: k8s leads outside the output directory\n$/);
    expect(listFiles(outside)).toEqual([]);
    expect(existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
  });
});

describe('bad input', () => {
  test('a spec error is one line with file, line and path, exit 2, and nothing is written', async () => {
    const dir = example('iris');
    const spec = path.join(dir, 'mlready.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('needs: [train]', 'needs: [trian]'));
    const r = await runCli(['scaffold'], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mlready: .*mlready\.yaml:\d+ at spec\.stages\[2\]\.needs\[0\]: stage "evaluate" needs "trian", which is not a stage/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
  });

  test('a requirements file outside the build context names its line', async () => {
    const dir = example('iris');
    const spec = path.join(dir, 'mlready.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('  framework: sklearn', '  framework: sklearn\n  requirements: ../requirements.txt'));
    const r = await runCli(['scaffold'], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mlready\.yaml:\d+ at spec\.requirements: requirements \.\.\/requirements\.txt is outside the build context/);
  });

  test('usage errors: --facts with --probe, an unknown --emit kind, a bad --base-image', async () => {
    const dir = example('iris');
    for (const [args, message] of [
      [['--facts', facts('cpu-only'), '--probe'], /--facts and --probe exclude each other/],
      [['--emit', 'helm'], /--emit: unknown kind "helm"/],
      [['--base-image', 'bad image'], /--base-image "bad image" is not an image reference/],
    ] as const) {
      const r = await runCli(['scaffold', ...args], { env, cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
    }
  });

  test('--probe local tailors the output to this machine', async () => {
    const p = await plan(example('iris'), ['--probe', 'local']);
    expect(p.facts.source).toBe('probe');
    expect(decision(p, 'facts')?.choice).toBe('probed now (local)');
  });

  test('--data DIR replaces a compatibility table', async () => {
    const data = path.join(work, `data-${++n}`);
    mkdirSync(data);
    const images = JSON.parse(readFileSync(path.join(ROOT, 'data', 'base-images.json'), 'utf8')) as { cpu: { image: string } };
    images.cpu.image = 'mirror.example.com/python:{python}-slim-bookworm';
    writeJson(data, 'base-images.json', images);
    const p = await plan(example('iris'), ['--data', data]);
    expect(decision(p, 'base-image')?.choice).toBe('mirror.example.com/python:3.11-slim-bookworm');
  });
});
