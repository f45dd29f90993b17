#!/usr/bin/env node
/**
 * bench/cluster: `mlready probe --target k8s` against a simulated 5,000-node, 100,000-pod cluster
 * served by the loopback API server of the tests (HTTPS, own CA, lazily generated pages), compared
 * with a bare script that only pages through nodes and pods with fetch + JSON.parse, and with
 * `kubectl get nodes,pods -A -o json`. Wall time is the median of whole-process runs (probe and
 * bare interleaved, so that noise hits both); peak RSS comes from /usr/bin/time.
 *
 *   npm run build && node bench/cluster/run.mjs [--runs 5] [--nodes 5000] [--pods 100000] [--kubectl-runs 1]
 *
 * Goals (issue "Kubernetes probe"): probe ≤ 1.5 × the bare script; probe peak RSS ≤ 250 MB.
 * Not a test: it takes minutes (kubectl alone needs minutes and gigabytes at this size).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 5);
const NODES = arg('nodes', 5000);
const PODS = arg('pods', 100000);
const KUBECTL_RUNS = arg('kubectl-runs', 1);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

if (!existsSync(path.join(root, 'dist', 'cli.cjs'))) {
  console.error('build first: npm run build');
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-bench-cluster-'));
const server = spawn(process.execPath, [path.join(root, 'bench/cluster/server.mjs'), String(NODES), String(PODS), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
const info = await new Promise((resolve, reject) => {
  const rl = readline.createInterface({ input: server.stdout });
  rl.once('line', (line) => resolve(JSON.parse(line)));
  server.once('exit', (code) => reject(new Error(`the API server exited (${code})`)));
});
const cleanup = () => {
  server.stdin.end();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
const token = 'bench-token-0123456789';
const kubeHome = path.join(dir, 'home');

const commands = {
  'bare: fetch + JSON.parse, nodes and pods': {
    argv: [process.execPath, path.join(root, 'bench/cluster/bare.mjs'), info.url, token],
    env: { NODE_EXTRA_CA_CERTS: info.caFile },
  },
  'mlready probe --target k8s': {
    argv: [process.execPath, path.join(root, 'bin/mlready'), 'probe', '--target', 'k8s', '--kubeconfig', info.kubeconfig, '--timeout', '300'],
    check: (stdout) => {
      const k = JSON.parse(stdout).cluster.kubernetes;
      if (k.status !== 'available' || k.probe?.partial || k.nodes?.total !== info.expected.nodes) throw new Error(`probe did not read the whole cluster: ${k.status} ${k.reason ?? ''} partial=${k.probe?.partial}`);
      if (k.resources?.cpu?.requested * 1000 !== info.expected.cpuRequestedMilli) throw new Error('probe: cpu requested differs from the plan');
    },
  },
  'kubectl get nodes,pods -A -o json': {
    argv: ['kubectl', 'get', 'nodes,pods', '-A', '-o', 'json', '--kubeconfig', info.kubeconfig, '--cache-dir', path.join(dir, 'kubectl-cache')],
    env: { HOME: kubeHome },
    runs: KUBECTL_RUNS,
  },
};

function once(name, c) {
  const rssFile = path.join(dir, 'rss');
  const argv = TIME ? [TIME, '-f', '%M', '-o', rssFile, ...c.argv] : c.argv;
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, ...c.env }, maxBuffer: 1 << 30, stdio: ['ignore', c.check ? 'pipe' : 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr?.toString().slice(-500)}`);
  c.check?.(r.stdout.toString());
  const rssMb = TIME ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : NaN;
  return { ms, rssMb };
}

const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
const interleaved = Object.entries(commands).filter(([, c]) => c.runs === undefined);
// One warm-up of each, then RUNS interleaved rounds.
for (const [name, c] of interleaved) once(name, c);
for (let r = 0; r < RUNS; r++) {
  for (const [name, c] of interleaved) {
    samples[name].push(once(name, c));
    process.stderr.write(`${name}: ${samples[name].at(-1).ms.toFixed(0)} ms, ${samples[name].at(-1).rssMb.toFixed(0)} MB\n`);
  }
}
for (const [name, c] of Object.entries(commands)) {
  if (c.runs === undefined) continue;
  for (let r = 0; r < c.runs; r++) {
    samples[name].push(once(name, c));
    process.stderr.write(`${name}: ${samples[name].at(-1).ms.toFixed(0)} ms, ${samples[name].at(-1).rssMb.toFixed(0)} MB\n`);
  }
}

const stat = (xs, f) => {
  const v = xs.map(f).sort((a, b) => a - b);
  return { median: v[Math.floor(v.length / 2)], p10: v[Math.floor(v.length * 0.1)], p90: v[Math.min(v.length - 1, Math.floor(v.length * 0.9))], max: v.at(-1) };
};
const results = Object.fromEntries(Object.entries(samples).filter(([, s]) => s.length).map(([k, s]) => [k, { time: stat(s, (x) => x.ms), rss: stat(s, (x) => x.rssMb), n: s.length }]));
const probe = results['mlready probe --target k8s'];
const bare = results['bare: fetch + JSON.parse, nodes and pods'];
const goals = [
  ['probe ≤ 1.5 × bare script (median wall time)', probe.time.median / bare.time.median, 1.5, (r, l) => `${r.toFixed(2)}`, (r, l) => r <= l],
  ['probe peak RSS ≤ 250 MB (worst run)', probe.rss.max, 250, (r) => `${r.toFixed(0)} MB`, (r, l) => r <= l],
];
const kubectlV = spawnSync('kubectl', ['version', '--client', '-o', 'json']).stdout?.toString() ?? '';
const lines = [
  `Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, kubectl ${(/"gitVersion":\s*"([^"]+)"/.exec(kubectlV) ?? [])[1] ?? '?'}.`,
  `Cluster: ${NODES} nodes (${info.expected.gpuNodes} with GPUs), ${info.expected.pods} pods, served over HTTPS by test/helpers/k8s-server.ts in its own process; whole-process runs, ${RUNS} interleaved after a warm-up.`,
  '',
  '| Command | runs | median s | p10 | p90 | peak RSS MB (median) | peak RSS MB (max) |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...Object.entries(results).map(([k, v]) => `| ${k} | ${v.n} | ${(v.time.median / 1000).toFixed(2)} | ${(v.time.p10 / 1000).toFixed(2)} | ${(v.time.p90 / 1000).toFixed(2)} | ${v.rss.median.toFixed(0)} | ${v.rss.max.toFixed(0)} |`),
  '',
  '| Goal | measured | limit | |',
  '|---|---:|---:|---|',
  ...goals.map(([name, r, limit, fmt, ok]) => `| ${name} | ${fmt(r, limit)} | ${limit} | ${ok(r, limit) ? 'met' : 'MISSED'} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
