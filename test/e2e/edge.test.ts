/**
 * Edge and IoT end to end, through the CLI:
 * - `assess` on Jetson facts: the edge profile is chosen by default (arm64, ≤ 8 GiB) and the EDGE-* rules judge
 *   the device (base-image architectures, the L4T release's CUDA, memory and disk for the workload, swap, the
 *   NVIDIA runtime);
 * - `scaffold` with k3s facts (no metrics API) and `--platforms linux/amd64,linux/arm64`: local-path storage,
 *   small requests, no HPA, a bake file — validated by the tools that read the files, and lint-clean.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { baseFacts, tempDir, writeJson } from '../helpers/facts.js';
import { mergePatch } from '../../src/rules/tester.js';
import { assertRestrictedPod, listFiles, loadClientModels, podSpecsOf, validateComposeSpec, validateK8sObject, yamlDoc, yamlDocs } from '../golden/scaffold-helpers.js';
import type { Facts } from '../../src/facts/schema.js';

const env = cliEnv();
let work: string;
beforeAll(async () => {
  await loadClientModels();
  work = tempDir('mlready-edge-e2e-');
  cpSync(path.join(ROOT, 'examples', 'edge-inference'), path.join(work, 'edge-inference'), { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const orin = (): Facts =>
  mergePatch(baseFacts('jetson-orin-edge'), {
    host: { jetson: { status: 'ok', present: true, l4tRelease: 'R36.3.0', model: 'NVIDIA Jetson Orin NX Engineering Reference Developer Kit', evidence: ['/etc/nv_tegra_release: L4T R36.3.0'] } },
  }) as Facts;

/** A Jetson Nano 4 GB on JetPack 4.6 (L4T R32.7.4, CUDA 10.2) without swap, Docker without the NVIDIA runtime. */
const nano = (): Facts =>
  mergePatch(orin(), {
    host: {
      cpu: { model: 'ARM Cortex-A57', cores: 4, threads: 4 },
      memory: { totalBytes: 4156682240, availableBytes: 2936012800, swapBytes: 0, swapFreeBytes: 0 },
      jetson: { l4tRelease: 'R32.7.4', model: 'NVIDIA Jetson Nano Developer Kit' },
    },
    runtime: { docker: { runtimes: ['io.containerd.runc.v2', 'runc'], defaultRuntime: 'runc' } },
  }) as Facts;

type Finding = { ruleId: string; outcome: string; message?: string };
async function assess(facts: Facts, name: string): Promise<{ code: number | null; report: { profile: { name: string; why?: string } | string; findings: Finding[] } }> {
  const file = writeJson(work, name, facts);
  const r = await runCli(['assess', '--facts', file, '--spec', path.join(work, 'edge-inference', 'mlready.yaml'), '--format', 'json'], { cwd: work, env });
  return { code: r.code, report: JSON.parse(r.stdout) };
}
const outcomes = (findings: Finding[]) => Object.fromEntries(findings.filter((f) => f.ruleId.startsWith('EDGE-')).map((f) => [f.ruleId, f.outcome]));

test('an 8 GB Orin on L4T R36.3: the edge profile by default, every EDGE rule passes or does not apply', async () => {
  const { report } = await assess(orin(), 'orin.json');
  expect(JSON.stringify(report.profile)).toMatch(/edge/);
  expect(outcomes(report.findings)).toEqual({ 'EDGE-001': 'pass', 'EDGE-002': 'pass', 'EDGE-003': 'pass', 'EDGE-004': 'pass', 'EDGE-005': 'skipped', 'EDGE-006': 'pass' });
});

test('a 4 GB Nano on L4T R32.7 without swap or the NVIDIA runtime: the EDGE rules say what is wrong', async () => {
  const { code, report } = await assess(nano(), 'nano.json');
  expect(outcomes(report.findings)).toEqual({ 'EDGE-001': 'pass', 'EDGE-002': 'fail', 'EDGE-003': 'pass', 'EDGE-004': 'pass', 'EDGE-005': 'fail', 'EDGE-006': 'fail' });
  const message = (id: string) => report.findings.find((f) => f.ruleId === id)!.message;
  expect(message('EDGE-002')).toBe('L4T R32.7.4 ships CUDA 10.2 (JetPack 4); the edge profile needs CUDA 11.4 or newer.');
  expect(message('EDGE-005')).toMatch(/^This device has 3\.9 GiB of memory and no swap\.$/);
  expect(code).toBe(1); // EDGE-002 is an error
});

test('k3s without a metrics API, two platforms: local-path, small requests, no HPA, a bake file; everything validates and lints clean', async () => {
  const dir = path.join(work, 'edge-inference');
  const k8s = baseFacts('k8s-gpu-cluster').cluster.kubernetes as Record<string, unknown>;
  const facts = mergePatch(orin(), {
    targets: ['local', 'docker', 'k8s'],
    cluster: {
      kubernetes: {
        ...k8s,
        distribution: 'k3s',
        distributionEvidence: 'server version v1.31.4+k3s1',
        metricsApi: { status: 'ok', available: false },
        storage: { status: 'ok', classes: [{ name: 'local-path', provisioner: 'rancher.io/local-path', default: true, bindingMode: 'WaitForFirstConsumer', allowExpansion: false, reclaimPolicy: 'Delete', readWriteMany: false }], defaultCount: 1, defaultClass: 'local-path', readWriteMany: [], csiDrivers: [], volumeSnapshots: false },
      },
    },
  }) as Facts;
  const r = await runCli(['scaffold', '--facts', writeJson(work, 'k3s.json', facts), '--platforms', 'linux/amd64,linux/arm64'], { cwd: dir, env });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/no metrics API in the cluster: detect get a fixed replica count instead of a HorizontalPodAutoscaler/);
  const md = readFileSync(path.join(dir, 'SCAFFOLD.md'), 'utf8');
  expect(md).toMatch(/\| k8s\.lightweight \| k3s\/edge defaults \| the cluster is k3s \(server version v1\.31\.4\+k3s1\)/);

  const pvc = yamlDocs(path.join(dir, 'k8s/base/storage.yaml'))[0]!;
  expect(pvc.spec).toMatchObject({ storageClassName: 'local-path', accessModes: ['ReadWriteOnce'] });
  const detect = yamlDocs(path.join(dir, 'k8s/base/services/detect.yaml'));
  expect(detect.map((d) => d.kind)).toEqual(['Deployment', 'Service', 'PodDisruptionBudget']);
  expect((detect[0]!.spec as { replicas: number }).replicas).toBe(1);
  const containers = (detect[0]!.spec as { template: { spec: { containers: { resources: unknown }[] } } }).template.spec.containers;
  expect(containers[0]!.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } });

  for (const f of listFiles(path.join(dir, 'k8s/base')).filter((f) => !f.endsWith('kustomization.yaml'))) {
    for (const doc of yamlDocs(path.join(dir, 'k8s/base', f))) {
      validateK8sObject(doc, f);
      for (const pod of podSpecsOf(doc)) assertRestrictedPod(pod, f);
    }
  }
  for (const overlay of ['dev', 'prod']) execFileSync('kubectl', ['kustomize', path.join(dir, 'k8s/overlays', overlay)], { stdio: 'pipe' });
  validateComposeSpec(yamlDoc(path.join(dir, 'compose.yaml')), 'compose.yaml');

  const bake = JSON.parse(readFileSync(path.join(dir, 'docker-bake.json'), 'utf8')) as { group: { default: { targets: string[] } }; target: Record<string, { platforms: string[] }> };
  expect(bake.group.default.targets).toEqual(['fetch-model', 'detect']);
  for (const t of Object.values(bake.target)) expect(t.platforms).toEqual(['linux/amd64', 'linux/arm64']);

  const lint = await runCli(['lint', '--format', 'json', dir], { cwd: dir, env });
  const failing = (JSON.parse(lint.stdout) as { findings: { ruleId: string; severity: string; outcome: string; message: string }[] }).findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info');
  expect(failing.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
});
