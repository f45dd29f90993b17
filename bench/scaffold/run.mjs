#!/usr/bin/env node
/**
 * bench/scaffold: `mlready scaffold` on a 100-stage spec, every kind (Dockerfile, compose, swarm,
 * Kubernetes), as a whole process (goal: ≤ 1 s wall on the project's 2-core machine).
 * Usage: `npm run build && node bench/scaffold/run.mjs [runs]` (default 10 runs per row; medians).
 *
 * Rows: a first run into an empty directory (everything created), a rerun over its own output (every
 * file read back, hashed and found unchanged), a --dry-run --json, and the same with a facts file
 * (a GPU cluster: tolerations, storage classes, the CUDA ceiling). `node -e 0` is the floor.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'mlready');
const runs = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-bench-scaffold-'));

// 100 stages: 70 batch stages in 7 chains of 10 (each chain after the previous one's 5th stage),
// 10 GPU training stages, 20 services with autoscaling; 6 volumes; a few env variables each.
const stages = [];
for (let c = 0; c < 7; c++) {
  for (let i = 0; i < 10; i++) {
    const name = `c${c}-step${i}`;
    const needs = i > 0 ? [`c${c}-step${i - 1}`] : c > 0 ? [`c${c - 1}-step5`] : [];
    stages.push({ name, type: 'batch', ...(needs.length ? { needs } : {}), command: ['python', 'step.py', '--chain', String(c), '--step', String(i)], env: { STEP: String(i), CHAIN: `c${c}`, NOTE: 'a "quoted" $value # not a comment' }, volumes: ['data', `work${c % 4}`], resources: { cpu: '2', memory: '4Gi' } });
  }
}
for (let g = 0; g < 10; g++) {
  stages.push({ name: `train-${g}`, type: 'batch', needs: [`c${g % 7}-step9`], command: ['python', 'train.py', '--variant', String(g)], env: { VARIANT: String(g) }, volumes: ['data', 'models'], resources: { cpu: '8', memory: '32Gi', gpu: 1 } });
}
for (let s = 0; s < 20; s++) {
  stages.push({ name: `serve-${s}`, type: 'service', needs: [`train-${s % 10}`], command: ['python', 'serve.py', '--model', `/models/${s % 10}`], env: { PORT: String(8000 + s) }, volumes: ['models'], port: 8000 + s, healthPath: '/healthz', resources: { cpu: '2', memory: '8Gi', gpu: s % 2 }, autoscale: { min: 1, max: 4 } });
}
const spec = {
  apiVersion: 'mlready.dev/v1alpha1',
  kind: 'Workflow',
  metadata: { name: 'bench' },
  spec: {
    framework: 'pytorch',
    python: '3.11',
    volumes: [
      { name: 'data', mountPath: '/data', size: '500Gi', shared: true },
      { name: 'models', mountPath: '/models', size: '100Gi', shared: true },
      ...[0, 1, 2, 3].map((i) => ({ name: `work${i}`, mountPath: `/work/${i}`, size: '50Gi' })),
    ],
    stages,
  },
};
const specFile = path.join(dir, 'mlready.yaml');
writeFileSync(specFile, stringify(spec));
const base = JSON.parse(readFileSync(path.join(root, 'rules/fixtures/cpu-laptop-macos.json'), 'utf8'));
const cluster = JSON.parse(readFileSync(path.join(root, 'rules/fixtures/k8s-gpu-cluster.json'), 'utf8'));
const factsFile = path.join(dir, 'facts.json');
writeFileSync(factsFile, JSON.stringify({ ...base, targets: ['local', 'docker', 'k8s'], cluster: { ...base.cluster, kubernetes: cluster.cluster.kubernetes } }));

function wall(cmd, args, prepare) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    prepare?.();
    const t = performance.now();
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

const out = path.join(dir, 'out');
const fresh = () => rmSync(out, { recursive: true, force: true });
const scaffold = (...extra) => [bin, 'scaffold', '--spec', specFile, '--out', out, '--emit', 'all', ...extra];
const rows = [
  ['`node -e 0` (floor)', wall(process.execPath, ['-e', '0'])],
  ['scaffold, generic defaults, empty --out (everything created)', wall(process.execPath, scaffold(), fresh)],
  ['scaffold again over its own output (all read back, unchanged)', wall(process.execPath, scaffold())],
  ['scaffold --dry-run --json', wall(process.execPath, scaffold('--dry-run', '--json'))],
  ['scaffold --facts (GPU cluster), empty --out', wall(process.execPath, scaffold('--facts', factsFile), fresh)],
];
fresh();
execFileSync(process.execPath, scaffold('--facts', factsFile), { cwd: dir });
const files = execFileSync('find', [out, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
const bytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
mkdirSync(out, { recursive: true });

const ms = (x) => x.toFixed(0);
const lines = [
  `100-stage spec (70 batch in 7 chains, 10 GPU training, 20 autoscaled services, 6 volumes): ${files.length} files, ${(bytes / 1024).toFixed(0)} KiB.`,
  `Whole process (\`node bin/mlready …\`), ${runs} runs each, on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}; Node ${process.version}.`,
  '',
  '| Run | median ms | min | max | goal |',
  '|---|---:|---:|---:|---|',
  ...rows.map(([name, t], i) => `| ${name} | ${ms(t.median)} | ${ms(t.min)} | ${ms(t.max)} | ${i === 0 ? '' : '≤ 1000'} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (process.env.MLREADY_BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
else rmSync(dir, { recursive: true, force: true });
const worst = Math.max(...rows.slice(1).map(([, t]) => t.median));
if (worst > 1000) {
  process.stderr.write(`bench/scaffold: a median of ${worst.toFixed(0)} ms is over the 1 s goal\n`);
  process.exitCode = 1;
}
