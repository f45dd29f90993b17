/**
 * `--redact`: replaces identifiers (hostnames, IP and MAC addresses, GPU UUIDs and serial numbers)
 * with stable keyed hashes, for facts that will be shared in bug reports or tickets.
 *
 * - Stable: the same value gives the same hash on every run on this machine, so two redacted
 *   documents still diff. The hash is an HMAC keyed by `MLREADY_REDACT_KEY`, or by a random key kept
 *   in `~/.config/mlready/redact.key` (created 0600 on first use): an IPv4 address has only 2^32
 *   values, so an unkeyed hash would be reversible by anyone.
 * - Verdict-preserving: loopback addresses, `localhost` and cluster-local suffixes in NO_PROXY are
 *   kept, so rules give the same outcomes on redacted and plain facts.
 * - Thorough: after the known fields, every identifier found is also replaced wherever else it
 *   appears in the document (reasons, evidence, URLs), and any remaining IPv4/MAC-looking text in any
 *   string is hashed too.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Facts } from './schema.js';

type Kind = 'host' | 'ip' | 'mac' | 'uuid' | 'serial' | 'id';

const KEEP_HOSTS = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback', '*', '']);
const KEEP_SUFFIXES = ['.svc', '.cluster.local', '.local', '.localhost'];

function isLoopbackOrUnspecified(value: string): boolean {
  const bare = value.replace(/^\[|\]$/g, '').replace(/\/\d+$/, '');
  if (isIP(bare) === 4) return bare.startsWith('127.') || bare === '0.0.0.0' || bare === '169.254.169.254';
  if (isIP(bare) === 6) return bare === '::1' || bare === '::';
  return false;
}

export function loadRedactionKey(env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.MLREADY_REDACT_KEY) return Buffer.from(env.MLREADY_REDACT_KEY, 'utf8');
  const dir = path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'mlready');
  const file = path.join(dir, 'redact.key');
  try {
    return readFileSync(file);
  } catch {
    const key = randomBytes(32);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
      return key;
    } catch {
      // Another process may have created it meanwhile; if nothing is readable, hashes are only stable
      // within this run.
      try {
        return readFileSync(file);
      } catch {
        return key;
      }
    }
  }
}

export class Redactor {
  private readonly seen = new Map<string, string>();
  /** Raw values distinctive enough to be searched for in free text (a short host name like "gpu" is not). */
  private readonly distinctive = new Set<string>();

  constructor(private readonly key: Buffer) {}

  hash(kind: Kind, value: string): string {
    const existing = this.seen.get(value);
    if (existing) return existing;
    const digest = createHmac('sha256', this.key).update(`${kind}\0${value.toLowerCase()}`).digest('hex').slice(0, 12);
    const out = `${kind}-${digest}`;
    this.seen.set(value, out);
    if (kind !== 'host' || value.length >= 8 || value.includes('.')) this.distinctive.add(value);
    return out;
  }

  ip(value: string): string {
    if (isLoopbackOrUnspecified(value)) return value;
    const [addr, prefix] = value.split('/');
    const hashed = this.hash('ip', addr!);
    return prefix !== undefined ? `${hashed}/${prefix}` : hashed;
  }

  /** A host name or address, kept when it is loopback or cluster-local. */
  host(value: string): string {
    const bare = value.replace(/^\[|\]$/g, '');
    if (isIP(bare) || /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(bare) || bare.includes(':')) return this.ip(bare);
    const lower = bare.toLowerCase();
    if (KEEP_HOSTS.has(lower) || KEEP_SUFFIXES.some((s) => lower === s.slice(1) || lower.endsWith(s))) return value;
    return this.hash('host', bare);
  }

  /** A URL's host (proxy, registry mirror, Docker endpoint); credentials are already gone. */
  url(value: string): string {
    try {
      const u = new URL(value);
      if (!u.hostname) return value;
      const redacted = this.host(u.hostname);
      if (redacted === u.hostname) return value;
      return value.replace(u.hostname, redacted.includes(':') ? `[${redacted}]` : redacted);
    } catch {
      return this.host(value);
    }
  }

  /** Replaces every identifier seen so far, and any IPv4/MAC-looking token, inside free text. */
  text(value: string): string {
    let out = value;
    for (const raw of [...this.distinctive].sort((a, b) => b.length - a.length)) {
      if (out.includes(raw)) out = out.split(raw).join(this.seen.get(raw)!);
    }
    out = out.replace(/\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b/gi, (m) => (m === '00:00:00:00:00:00' ? m : this.hash('mac', m)));
    out = out.replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, (m) => (isIP(m) ? this.ip(m) : m));
    return out;
  }
}

/**
 * Applies `fn` to every string in a JSON value, in place, except under keys that hold versions
 * ("535.54.03", "1.6.20.1" would otherwise look like addresses).
 */
function mapStrings(value: unknown, fn: (s: string) => string, key = ''): unknown {
  if (typeof value === 'string') return /version$/i.test(key) ? value : fn(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = mapStrings(value[i], fn, key);
    return value;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = mapStrings(obj[k], fn, k);
    return obj;
  }
  return value;
}

export function redactFacts(input: Facts, key: Buffer = loadRedactionKey()): Facts {
  const facts = structuredClone(input);
  const r = new Redactor(key);

  facts.host.hostname = r.host(facts.host.hostname);

  for (const d of facts.gpu.devices) {
    if (d.uuid) d.uuid = r.hash('uuid', d.uuid);
    if (d.serial) d.serial = r.hash('serial', d.serial);
    for (const m of d.migDevices) if (m.uuid) m.uuid = r.hash('uuid', m.uuid);
  }

  const net = facts.network;
  if (net.interfaces.status === 'ok') {
    for (const i of net.interfaces.items) {
      if (i.mac) i.mac = r.hash('mac', i.mac);
      for (const a of i.addresses) a.address = r.ip(a.address);
    }
  }
  if (net.defaultRoute.status === 'ok' && net.defaultRoute.gateway) net.defaultRoute.gateway = r.ip(net.defaultRoute.gateway);
  if (net.dns.status === 'ok') {
    net.dns.resolvers = net.dns.resolvers.map((x) => r.host(x));
    net.dns.search = net.dns.search.map((x) => r.host(x));
  }
  for (const k of ['httpProxy', 'httpsProxy', 'allProxy'] as const) {
    const v = net.proxy[k];
    if (v) net.proxy[k] = r.url(v);
  }
  net.proxy.noProxy = net.proxy.noProxy.map((x) => (x.startsWith('.') ? `.${r.host(x.slice(1))}`.replace(/^\.\./, '.') : r.host(x)));

  const docker = facts.runtime.docker;
  if (docker.endpoint) docker.endpoint.host = r.url(docker.endpoint.host);
  if (docker.swarm?.nodeId) docker.swarm.nodeId = r.hash('id', docker.swarm.nodeId);
  if (docker.swarm?.nodeAddr) docker.swarm.nodeAddr = r.host(docker.swarm.nodeAddr);
  for (const k of ['httpProxy', 'httpsProxy'] as const) {
    const v = docker[k];
    if (v) docker[k] = r.url(v);
  }
  if (docker.noProxy) docker.noProxy = docker.noProxy.split(',').map((x) => r.host(x.trim())).join(',');
  if (docker.registryMirrors) docker.registryMirrors = docker.registryMirrors.map((x) => r.url(x));
  if (docker.insecureRegistries) docker.insecureRegistries = docker.insecureRegistries.map((x) => r.host(x));
  if (docker.daemonConfig?.hosts) docker.daemonConfig.hosts = docker.daemonConfig.hosts.map((x) => r.url(x));

  const k8s = facts.cluster?.kubernetes;
  if (k8s) {
    if (k8s.server) k8s.server = r.url(k8s.server);
    if (k8s.proxy) k8s.proxy = r.url(`http://${k8s.proxy}`).slice('http://'.length);
    if (k8s.nodes?.status === 'ok') k8s.nodes.notReady = k8s.nodes.notReady.map((n) => r.hash('host', n));
    if (k8s.gpuNodes?.status === 'ok') for (const n of k8s.gpuNodes.items) n.name = r.hash('host', n.name);
    if (k8s.gpuSoftware?.status === 'ok') {
      for (const ds of [k8s.gpuSoftware.devicePlugin, k8s.gpuSoftware.dcgmExporter, k8s.gpuSoftware.amdDevicePlugin]) {
        if (ds.gpuNodesMissing) ds.gpuNodesMissing = ds.gpuNodesMissing.map((n) => r.hash('host', n));
      }
    }
  }
  const swarm = facts.cluster?.swarm;
  if (swarm?.nodes) {
    for (const n of swarm.nodes.items) {
      n.id = r.hash('id', n.id);
      n.hostname = r.hash('host', n.hostname);
    }
  }

  // The spec's data sources (assess): their hosts, the addresses they resolved to, the proxy used.
  if (facts.dataSources?.status === 'ok') {
    for (const d of facts.dataSources.items) {
      d.host = r.host(d.host);
      if (d.proxy) d.proxy = r.url(`http://${d.proxy}`).slice('http://'.length);
      if (d.dns.ok) d.dns.addresses = d.dns.addresses.map((a) => r.ip(a));
    }
  }

  // Whatever else mentions an identifier (reasons, evidence, kernel-reported names) gets the same hash.
  mapStrings(facts, (s) => r.text(s));
  facts.redacted = true;
  return facts;
}
