#!/usr/bin/env node
/**
 * The floor: page through nodes and pods (in parallel, limit=500) with fetch + JSON.parse and count
 * them, nothing else. Usage: NODE_EXTRA_CA_CERTS=ca.crt node bench/cluster/bare.mjs SERVER TOKEN
 */
const [server, token] = process.argv.slice(2);

async function pageThrough(path) {
  let count = 0;
  let cont;
  do {
    const url = `${server}${path}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    const doc = JSON.parse(await res.text());
    count += doc.items.length;
    cont = doc.metadata?.continue;
  } while (cont);
  return count;
}

const [nodes, pods] = await Promise.all([pageThrough('/api/v1/nodes'), pageThrough('/api/v1/pods')]);
process.stdout.write(`${JSON.stringify({ nodes, pods })}\n`);
