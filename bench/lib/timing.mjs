/**
 * Whole-process timing for benchmarks: runs commands interleaved (A, B, C, A, B, C…) so that drift in
 * the machine's load affects every command alike, and reports medians and percentiles.
 */
import { spawnSync } from 'node:child_process';

export function timeInterleaved(commands, { runs = 30, warmup = 3, allowExit = [0, 1] } = {}) {
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const [name, [cmd, args, options]] of Object.entries(commands)) {
      const start = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'], ...(options ?? {}) });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== null && !allowExit.includes(r.status) && !cmd.endsWith('sh')) throw new Error(`${name} exited ${r.status}`);
      if (i >= warmup) samples[name].push(ms);
    }
  }
  const out = {};
  for (const [name, xs] of Object.entries(samples)) {
    xs.sort((a, b) => a - b);
    const at = (q) => xs[Math.min(xs.length - 1, Math.floor(xs.length * q))];
    out[name] = { median: at(0.5), p10: at(0.1), p90: at(0.9) };
  }
  return out;
}

export function table(results) {
  return [
    '| Command | median ms | p10 | p90 |',
    '|---|---:|---:|---:|',
    ...Object.entries(results).map(([k, v]) => `| ${k} | ${v.median.toFixed(1)} | ${v.p10.toFixed(1)} | ${v.p90.toFixed(1)} |`),
  ].join('\n');
}
