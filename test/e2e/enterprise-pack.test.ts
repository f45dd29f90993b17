/**
 * The example organisation policy (examples/rule-packs/enterprise-baseline) used as a user would: its
 * fixtures pass `mlready rules check`; `mlready lint --rules` reports its findings on bad manifests; a
 * waiver in the config file silences one; `assess --rules` runs its environment rules; and what
 * `mlready scaffold --with ingress,logging` writes meets it.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { patchedFacts, tempDir, writeJson } from '../helpers/facts.js';
import { SCENARIOS } from '../golden/scaffold-helpers.js';

const env = cliEnv({ GITHUB_ACTIONS: undefined });
const PACK = path.join('examples', 'rule-packs', 'enterprise-baseline');
const PACK_ABS = path.join(ROOT, PACK);

interface Finding {
  ruleId: string;
  severity: string;
  outcome: string;
  message: string;
  waiver?: { reason: string };
  location?: { file: string; line?: number };
}

const BAD = `apiVersion: apps/v1
kind: Deployment
metadata: {name: chat, namespace: llm}
spec:
  selector: {matchLabels: {app: chat}}
  template:
    metadata: {labels: {app: chat}}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:latest
          env:
            - {name: MODEL_REGISTRY, value: "http://models.acme.com/v1"}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: chat, namespace: llm}
spec:
  rules:
    - host: chat.acme.com
      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: chat, port: {number: 80}}}}]}
`;

let dir: string;
beforeAll(() => {
  dir = tempDir('mlready-enterprise-');
  mkdirSync(path.join(dir, 'manifests'));
  writeFileSync(path.join(dir, 'manifests', 'chat.yaml'), BAD);
});

async function lintJson(args: string[]): Promise<{ code: number | null; findings: Finding[]; stderr: string }> {
  const r = await runCli(['lint', '--format', 'json', ...args], { env, cwd: dir });
  return { code: r.code, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings, stderr: r.stderr };
}
const failing = (findings: Finding[]) => [...new Set(findings.filter((f) => f.outcome === 'fail').map((f) => f.ruleId))].sort();

test('mlready rules check passes the pack (relative and absolute paths)', async () => {
  const relative = await runCli(['rules', 'check', PACK], { env, cwd: ROOT });
  expect(relative.stdout).toMatch(/^10 rules, \d+ cases: (\d+) passed, 0 failed, 0 rules untested$/m);
  expect(relative.code).toBe(0);
  const absolute = await runCli(['rules', 'check', PACK_ABS], { env, cwd: dir });
  expect(absolute.code).toBe(0);
  const list = await runCli(['rules', 'list', '--json', '--rules', PACK_ABS], { env, cwd: dir });
  const ids = (JSON.parse(list.stdout) as { rules: { id: string }[] }).rules.map((r) => r.id);
  expect(ids).toEqual(expect.arrayContaining(['ENT-001', 'ENT-004', 'ENT-010', 'SECURITY-001']));
});

test('mlready lint --rules reports the pack\'s findings on a bad manifest (exit 1), with file and line', async () => {
  const { code, findings } = await lintJson(['--rules', PACK_ABS, 'manifests']);
  expect(code).toBe(1);
  expect(failing(findings)).toEqual(expect.arrayContaining(['ENT-001', 'ENT-003', 'ENT-004', 'ENT-005', 'ENT-007']));
  const tls = findings.find((f) => f.ruleId === 'ENT-004' && f.outcome === 'fail')!;
  expect(tls).toMatchObject({ severity: 'error', location: { file: 'manifests/chat.yaml', line: 18 } });
  expect(tls.message).toBe('Ingress chat serves chat.acme.com over plain HTTP: no tls entry lists that host.');
  expect(findings.find((f) => f.ruleId === 'ENT-003' && f.outcome === 'fail')!.message).toBe('chat: images without a pinned version: vllm/vllm-openai:latest.');
  // Values are not printed, only keys.
  expect(findings.find((f) => f.ruleId === 'ENT-005' && f.outcome === 'fail')!.message).toBe('Deployment chat points at endpoints over plain HTTP: vllm (MODEL_REGISTRY).');
});

test('a waiver in the config file silences one finding, with its reason; the others still fail', async () => {
  const config = path.join(dir, 'policy.yaml');
  writeFileSync(
    config,
    [
      'rulePacks: [' + JSON.stringify(PACK_ABS) + ']',
      'waivers:',
      '  - rule: ENT-003',
      '    scope: "manifests/*"',
      '    reason: vLLM tracks upstream on purpose in the sandbox namespace (SECEX-42)',
      '    expires: 2099-12-31',
      '',
    ].join('\n'),
  );
  const { code, findings } = await lintJson(['--config', config, 'manifests']);
  const ent003 = findings.filter((f) => f.ruleId === 'ENT-003');
  expect(ent003.map((f) => f.outcome)).toEqual(['waived']);
  expect(ent003[0]!.waiver?.reason).toMatch(/SECEX-42/);
  expect(failing(findings)).toEqual(expect.arrayContaining(['ENT-001', 'ENT-004', 'ENT-005', 'ENT-007']));
  expect(failing(findings)).not.toContain('ENT-003');
  expect(code).toBe(1);
  // A waiver scoped to another path does not apply.
  writeFileSync(config, ['rulePacks: [' + JSON.stringify(PACK_ABS) + ']', 'waivers:', '  - {rule: ENT-003, scope: "vendor/**", reason: vendored}', ''].join('\n'));
  expect(failing((await lintJson(['--config', config, 'manifests'])).findings)).toContain('ENT-003');
});

test('assess --rules runs the pack\'s environment rules on facts; a waiver silences ECC on one host', async () => {
  const eccOff = writeJson(dir, 'ecc-off.json', patchedFacts({
    gpu: { count: 1, devices: [{ vendor: 'nvidia', index: 0, model: 'NVIDIA L4', memoryMiB: 23034, eccEnabled: false, migMode: 'unsupported', migDevices: [] }] },
  }));
  const r = await runCli(['assess', '--format', 'json', '--profile', 'inference-gpu', '--rules', PACK_ABS, '--facts', eccOff], { env, cwd: dir });
  expect(r.stderr).toBe('');
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  expect(findings.find((f) => f.ruleId === 'ENT-008')).toMatchObject({ outcome: 'fail', severity: 'error', message: 'ECC is not on for GPU 0 NVIDIA L4 (ECC off) on gpu-node-01.' });
  expect(findings.find((f) => f.ruleId === 'ENT-009')?.outcome).toBe('skipped');
  expect(r.code).toBe(1);
  const config = path.join(dir, 'ecc-waiver.yaml');
  writeFileSync(config, ['waivers:', '  - {rule: ENT-008, scope: "gpu-node-*", reason: "L4 inference nodes: ECC off by design (INC-1234)"}', ''].join('\n'));
  const waived = await runCli(['assess', '--format', 'json', '--profile', 'inference-gpu', '--rules', PACK_ABS, '--config', config, '--facts', eccOff], { env, cwd: dir });
  expect((JSON.parse(waived.stdout) as { findings: Finding[] }).findings.find((f) => f.ruleId === 'ENT-008')?.outcome).toBe('waived');
});

test('what scaffold --with ingress,logging writes meets the baseline', async () => {
  const out = path.join(dir, 'scaffolded');
  cpSync(path.join(ROOT, 'examples', 'huggingface-inference'), out, { recursive: true });
  const facts = writeJson(dir, 'cluster.json', SCENARIOS['laptop-targets-gpu-cluster']!());
  const s = await runCli(['scaffold', '--with', 'ingress,logging', '--facts', facts], { env, cwd: out });
  expect(s.code).toBe(0);
  const r = await runCli(['lint', '--format', 'json', '--rules', PACK_ABS, out], { env, cwd: out });
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
  expect(findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info').map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  for (const id of ['ENT-001', 'ENT-002', 'ENT-003', 'ENT-004', 'ENT-007']) expect(findings.some((f) => f.ruleId === id && f.outcome === 'pass')).toBe(true);
  expect(r.code).toBe(0);
});
