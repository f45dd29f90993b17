#!/usr/bin/env node
/**
 * Runs the simulated cluster's API server in its own process (so that the measured commands and the
 * server do not share an event loop). Prints {url, kubeconfig, expected} as one JSON line on stdout
 * and serves until stdin closes. Usage: node bench/cluster/server.mjs NODES PODS DIR
 */
import { importSrc } from '../../scripts/lib/import-src.mjs';

const [nodes, pods, dir] = [Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 100000), process.argv[4]];
const { startSimulatedServer } = await importSrc('bench/cluster/entry.ts');
const { server, sim, kubeconfig } = await startSimulatedServer(nodes, pods, dir);
process.stdout.write(`${JSON.stringify({ url: server.url, kubeconfig, expected: sim.expected, caFile: server.tls.caFile })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.close();
  process.exit(0);
});
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
