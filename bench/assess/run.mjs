#!/usr/bin/env node
/**
 * bench/assess: what `assess` adds to `probe` (goal: at most 15% more wall time), whole process,
 * interleaved medians. Also `assess --facts` (no probing). Usage: `npm run bench:assess [-- --runs 30]`.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { table, timeInterleaved } from '../lib/timing.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 30;
const bin = path.join(root, 'bin', 'mlready');
const node = process.execPath;
const facts = path.join(root, 'rules', 'fixtures', 'gpu-server.json');

const results = timeInterleaved(
  {
    'mlready probe': [node, [bin, 'probe']],
    'mlready assess --format json': [node, [bin, 'assess', '--format', 'json']],
    'mlready assess (text)': [node, [bin, 'assess']],
    'mlready assess --facts gpu-server.json': [node, [bin, 'assess', '--facts', facts, '--format', 'json']],
  },
  { runs },
);
const overhead = results['mlready assess --format json'].median / results['mlready probe'].median - 1;
process.stdout.write(
  [
    `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}; ${runs} interleaved runs after warm-up; targets local,docker.`,
    '',
    table(results),
    '',
    `assess adds ${(overhead * 100).toFixed(1)}% to probe (goal ≤ 15%): ${overhead <= 0.15 ? 'met' : 'MISSED'}`,
    '',
  ].join('\n'),
);
