#!/usr/bin/env node
/**
 * bench/probe: whole-process wall time of `mlready probe` and `mlready --version` against their peers,
 * medians of repeated runs after warm-up. Usage: `npm run bench:probe [-- --runs 30]`.
 *
 * Goals (issue "The spine"): probe --target local,docker ≤ 0.7 × envinfo --system --binaries and
 * ≤ 5 × the serial shell script; --version ≤ 1.6 × node -e 0.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const WARMUP = 3;
const node = process.execPath;
const here = (...p) => path.join(root, ...p);

if (!existsSync(here('dist', 'cli.cjs'))) {
  console.error('build first: npm run build');
  process.exit(2);
}

const commands = {
  'node -e 0': [node, ['-e', '0']],
  'serial shell (docker info, lscpu, free, df, ip, meminfo, nvidia-smi)': ['/bin/sh', [here('bench/probe/serial.sh')]],
  'bare node (/proc + statfs + docker socket)': [node, [here('bench/probe/bare.mjs')]],
  'naive dockerode + systeminformation': [node, [here('bench/probe/naive.mjs')]],
  'envinfo --system --binaries': [node, [here('node_modules/envinfo/dist/cli.js'), '--system', '--binaries']],
  'mlready --version': [node, [here('bin/mlready'), '--version']],
  'mlready probe --target local,docker': [node, [here('bin/mlready'), 'probe', '--target', 'local,docker']],
  'mlready probe --target local': [node, [here('bin/mlready'), 'probe', '--target', 'local']],
};

function time([cmd, args]) {
  const samples = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0 && r.status !== null && !cmd.endsWith('sh')) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    if (i >= WARMUP) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], p10: samples[Math.floor(samples.length * 0.1)], p90: samples[Math.floor(samples.length * 0.9)] };
}

const results = {};
for (const [name, c] of Object.entries(commands)) {
  results[name] = time(c);
  process.stderr.write(`${name}: ${results[name].median.toFixed(1)} ms\n`);
}
const m = (k) => results[k].median;
const probe = m('mlready probe --target local,docker');
const goals = [
  ['probe ≤ 0.7 × envinfo', probe / m('envinfo --system --binaries'), 0.7],
  ['probe ≤ 5 × serial shell', probe / m('serial shell (docker info, lscpu, free, df, ip, meminfo, nvidia-smi)'), 5],
  ['--version ≤ 1.6 × node -e 0', m('mlready --version') / m('node -e 0'), 1.6],
];

const lines = [
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${RUNS} runs after ${WARMUP} warm-up, whole process.`,
  '',
  '| Command | median ms | p10 | p90 |',
  '|---|---:|---:|---:|',
  ...Object.entries(results).map(([k, v]) => `| ${k} | ${v.median.toFixed(1)} | ${v.p10.toFixed(1)} | ${v.p90.toFixed(1)} |`),
  '',
  '| Goal | ratio | limit | |',
  '|---|---:|---:|---|',
  ...goals.map(([name, ratio, limit]) => `| ${name} | ${ratio.toFixed(2)} | ${limit} | ${ratio <= limit ? 'met' : 'MISSED'} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
