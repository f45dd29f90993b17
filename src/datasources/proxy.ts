/**
 * The HTTP proxy a data source's client would go through. Clients that speak HTTP (the AWS, Google and
 * Azure SDKs, requests, curl) honour HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY; database drivers
 * (PostgreSQL, MySQL, MongoDB, Redis, Kafka) do not. Where a proxy applies, the check goes where the client
 * goes: to the proxy, then a CONNECT tunnel to the endpoint — a direct connection would fail on networks
 * whose only way out is the proxy, and succeed where the proxy would refuse.
 *
 * Nothing secret leaves here: the proxy's address is `host:port`, and its credentials (`user:pass@`) are
 * only ever sent to the proxy, in a Proxy-Authorization header.
 */
import { isIP } from 'node:net';
import type { Endpoint } from './url.js';

/** Schemes whose clients speak HTTP(S) to the endpoint. */
const HTTP_SCHEMES = new Set(['https', 'http', 's3', 's3a', 's3n', 'gs', 'gcs', 'bigquery', 'abfs', 'abfss', 'wasb', 'wasbs', 'webhdfs', 'swebhdfs', 'snowflake']);

export interface Proxy {
  host: string;
  port: number;
  /** The variable it came from (HTTPS_PROXY, http_proxy…), for messages. */
  variable: string;
  /** `Basic …` when the proxy URL carries credentials; never shown. */
  authorization?: string;
}

export class ProxyConfigError extends Error {}

function pick(env: NodeJS.ProcessEnv, names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

/** NO_PROXY as curl and Python read it: `*`, host names and domain suffixes (`.corp`, `corp`), IPs, optional `:port`. */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: number | undefined;
    const withPort = /^(.*[^:]):(\d+)$/.exec(entry);
    if (withPort && !isIP(entry)) {
      entry = withPort[1]!;
      entryPort = Number(withPort[2]);
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '.').replace(/\.$/, '');
    if (isIP(h) || isIP(entry)) {
      if (h === entry) return true;
      continue;
    }
    const domain = entry.startsWith('.') ? entry.slice(1) : entry;
    if (h === domain || h.endsWith(`.${domain}`)) return true;
  }
  return false;
}

/**
 * The proxy this endpoint's client would use, or undefined (a driver that ignores proxies, no proxy set,
 * or NO_PROXY matches). Lower-case variables win over upper-case ones, as in curl and Python.
 * Throws ProxyConfigError (naming the variable, never its value) for a proxy the check cannot use.
 */
export function proxyFor(endpoint: Endpoint, env: NodeJS.ProcessEnv): Proxy | undefined {
  if (!HTTP_SCHEMES.has(endpoint.scheme)) return undefined;
  const isTls = endpoint.tls === 'direct';
  const chosen = isTls
    ? pick(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'])
    : pick(env, ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']);
  if (!chosen) return undefined;
  if (bypassesProxy(endpoint.host, endpoint.port, env.no_proxy ?? env.NO_PROXY)) return undefined;
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(chosen.value) ? chosen.value : `http://${chosen.value}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new ProxyConfigError(`${chosen.name} is not a URL`);
  }
  if (u.protocol !== 'http:') {
    throw new ProxyConfigError(`${chosen.name} uses ${u.protocol.replace(/:$/, '')}://, which this check does not speak (http:// proxies only)`);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new ProxyConfigError(`${chosen.name} names no host`);
  const proxy: Proxy = { host, port: u.port ? Number(u.port) : 80, variable: chosen.name };
  if (u.username || u.password) {
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    proxy.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  return proxy;
}

/** `host:port` of a proxy, IPv6 in brackets. */
export function proxyAddress(p: Pick<Proxy, 'host' | 'port'>): string {
  return `${isIP(p.host) === 6 ? `[${p.host}]` : p.host}:${p.port}`;
}
