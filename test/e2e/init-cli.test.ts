/**
 * `mlready init` as a process: defaults from the facts and the directory, flags, --yes, refusing to
 * replace a spec, and a spec that `scaffold` accepts as it is.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { cliEnv, runCli } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/facts.js';
import { SCENARIOS } from '../golden/scaffold-helpers.js';

const env = cliEnv();
let work: string;
let n = 0;
beforeAll(() => {
  work = tempDir('mlready-init-');
  for (const [name, build] of Object.entries(SCENARIOS)) writeJson(work, `${name}.json`, build());
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function project(name: string, files: Record<string, string> = {}): string {
  const dir = path.join(work, `${name}-${++n}`);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}
type Spec = { metadata: { name: string; namespace?: string }; spec: { framework: string; python: string; requirements?: string; volumes: { storageClass?: string }[]; stages: { name: string; resources?: { gpu?: number } }[] } };
const readSpec = (dir: string) => parse(readFileSync(path.join(dir, 'mlready.yaml'), 'utf8')) as Spec;

test('--yes: defaults from the facts (GPU cluster, default StorageClass) and requirements.txt; scaffold accepts the result', async () => {
  const dir = project('Fraud Detector', { 'requirements.txt': 'torch==2.5.1\nnumpy\n' });
  const r = await runCli(['init', '--yes', '--facts', path.join(work, 'laptop-targets-gpu-cluster.json')], { env, cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/wrote mlready\.yaml \(pytorch, python 3\.11, 1 GPU, storage class gp3\)/);
  const spec = readSpec(dir);
  expect(spec.metadata.name).toBe(`fraud-detector-${n}`);
  expect(spec.spec).toMatchObject({ framework: 'pytorch', python: '3.11', requirements: 'requirements.txt' });
  expect(spec.spec.stages.find((s) => s.name === 'train')!.resources!.gpu).toBe(1);
  expect(spec.spec.volumes.every((v) => v.storageClass === 'gp3')).toBe(true);
  const scaffold = await runCli(['scaffold', '--dry-run'], { env, cwd: dir });
  expect(scaffold.code).toBe(0);
});

test('no GPU in the facts and no requirements: sklearn on CPU', async () => {
  const dir = project('tabular');
  expect((await runCli(['init', '--yes', '--facts', path.join(work, 'cpu-only.json')], { env, cwd: dir })).code).toBe(0);
  const spec = readSpec(dir);
  expect(spec.spec.framework).toBe('sklearn');
  expect(spec.spec.stages.find((s) => s.name === 'train')!.resources!.gpu).toBeUndefined();
});

test('every prompt is also a flag', async () => {
  const dir = project('flags');
  const r = await runCli(['init', '--yes', '--facts', path.join(work, 'cpu-only.json'), '--name', 'churn', '--framework', 'xgboost', '--python', '3.12', '--gpu', '2', '--namespace', 'ml-prod', '--out', 'spec/mlready.yaml'], { env, cwd: dir });
  expect(r.code).toBe(0);
  const spec = parse(readFileSync(path.join(dir, 'spec', 'mlready.yaml'), 'utf8')) as Spec;
  expect(spec.metadata).toEqual({ name: 'churn', namespace: 'ml-prod' });
  expect(spec.spec).toMatchObject({ framework: 'xgboost', python: '3.12' });
  expect(spec.spec.stages.find((s) => s.name === 'train')!.resources!.gpu).toBe(2);
  const noGpu = project('nogpu');
  expect((await runCli(['init', '--yes', '--facts', path.join(work, 'gpu-host-driver-535.json'), '--no-gpu'], { env, cwd: noGpu })).code).toBe(0);
  expect(readSpec(noGpu).spec.stages.find((s) => s.name === 'train')!.resources!.gpu).toBeUndefined();
});

test('refuses to replace an existing spec without --force', async () => {
  const dir = project('existing', { 'mlready.yaml': 'mine\n' });
  const r = await runCli(['init', '--yes', '--facts', path.join(work, 'cpu-only.json')], { env, cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr).toBe('mlready: mlready.yaml already exists: pass --force to replace it\n');
  expect(readFileSync(path.join(dir, 'mlready.yaml'), 'utf8')).toBe('mine\n');
  expect((await runCli(['init', '--yes', '--force', '--facts', path.join(work, 'cpu-only.json')], { env, cwd: dir })).code).toBe(0);
  expect(readSpec(dir).spec.framework).toBe('sklearn');
});

test('bad flags are usage errors and write nothing', async () => {
  const dir = project('bad');
  for (const args of [['--name', 'Bad_Name'], ['--framework', 'jax'], ['--python', '2.7'], ['--gpu', 'many']]) {
    const r = await runCli(['init', '--yes', '--facts', path.join(work, 'cpu-only.json'), ...args], { env, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }
  expect(existsSync(path.join(dir, 'mlready.yaml'))).toBe(false);
});
