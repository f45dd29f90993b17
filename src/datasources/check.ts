/**
 * Reachability of the workflow's data sources from this host (`assess --spec`): for each one, a DNS
 * lookup, a TCP connect and — where the scheme uses TLS — a TLS handshake (PostgreSQL: its SSLRequest
 * first; MySQL and MariaDB: the server's greeting, then the client's SSLRequest packet). All sources are checked in parallel; each check has its own deadline inside the budget, and a
 * step that runs out of time says so. Nothing is sent beyond what the handshake needs: no query, no
 * login, no HTTP request (through an HTTP proxy: a CONNECT, as the client's own would be).
 *
 * HTTP clients (object stores, https) go through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY says otherwise
 * (see proxy.ts), and so does the check: DNS and TCP are then the proxy's, the tunnel is a CONNECT to the
 * endpoint, and TLS runs through it. Plain http through a proxy is checked as far as the proxy.
 *
 * Facts carry the name, scheme, endpoint host and port and the outcome of each step — never the URL,
 * its path or its query, so credentials cannot leak through them (see url.ts).
 */
import { lookup, resolveSrv } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { DataSourceCheckFacts, DataSourcesFacts } from '../facts/schema.js';
import { describeMs } from '../util/exec.js';
import { connectTunnel, exchange, hostPort, networkReason, proxyAddress, ProxyConfigError, type Proxy, type Step } from '../util/proxy.js';
import { proxyFor } from './proxy.js';
import { DataSourceUrlError, isIpAddress, parseDataSource, type Endpoint } from './url.js';

export interface DataSourceInput {
  name: string;
  url: string;
}

export interface CheckOptions {
  /** Budget of the whole check (every source in parallel), milliseconds. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** A promise that settles as `fallback` when `ms` runs out; the timer never holds the process open. */
function deadline<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    const timer = setTimeout(() => resolve(fallback()), Math.max(1, ms));
    timer.unref?.();
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback());
      },
    );
  });
}

/** Resolves, returning the rejection's reason rather than the fallback when the lookup fails fast. */
async function resolveStep(host: string, ms: number): Promise<Step<string[]>> {
  if (isIpAddress(host)) return { ok: true, value: [host] };
  let failure: string | undefined;
  const work = lookup(host, { all: true, verbatim: true }).then(
    (r): Step<string[]> => ({ ok: true, value: [...new Set(r.map((a) => a.address))] }),
    (e: unknown): Step<string[]> => {
      failure = networkReason(e);
      return { ok: false, reason: failure };
    },
  );
  return deadline(work, ms, () => ({ ok: false, reason: failure ?? `DNS lookup timed out after ${describeMs(ms)}` }));
}

function connect(address: string, port: number, ms: number): Promise<Step<net.Socket>> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    let done = false;
    const finish = (r: Step<net.Socket>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners('error');
      if (!r.ok) socket.destroy();
      else socket.on('error', () => {});
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `TCP connect timed out after ${describeMs(ms)}` }), Math.max(1, ms));
    timer.unref?.();
    socket.once('connect', () => finish({ ok: true, value: socket }));
    socket.once('error', (e) => finish({ ok: false, reason: networkReason(e) }));
  });
}

/** PostgreSQL's SSLRequest: the server answers one byte, S (TLS follows) or N (no TLS on this server). */
function postgresSslRequest(socket: net.Socket, ms: number): Promise<Step<true>> {
  const request = Buffer.alloc(8);
  request.writeInt32BE(8, 0);
  request.writeInt32BE(80877103, 4);
  return exchange(socket, request, ms, { timeout: 'no answer to SSLRequest', closed: 'the server closed the connection after SSLRequest' }, (received) => {
    const answer = String.fromCharCode(received[0]!);
    if (answer === 'S') return { ok: true, value: true };
    if (answer === 'N') return { ok: false, reason: 'the server does not offer TLS (answered N to SSLRequest)' };
    return { ok: false, reason: `not a PostgreSQL server (answered 0x${received[0]!.toString(16)} to SSLRequest)` };
  });
}

/** MySQL capability flags of the handshake (https://dev.mysql.com/doc/dev/mysql-server/latest/group__group__cs__capabilities__flags.html). */
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;

/**
 * MySQL and MariaDB: the server speaks first, with its Initial Handshake packet (protocol 10), whose
 * capability flags say whether it offers SSL; the client then sends an SSLRequest packet (the
 * HandshakeResponse's first 32 bytes, CLIENT_SSL set) and starts TLS on the same connection. An ERR
 * packet instead of the greeting (a host not allowed, too many connections) is the server's refusal.
 */
function mysqlSslRequest(socket: net.Socket, ms: number): Promise<Step<true>> {
  const texts = { timeout: 'no greeting from the server', closed: 'the server closed the connection before its greeting' };
  return exchange(socket, Buffer.alloc(0), ms, texts, (received) => {
    if (received.length < 4) return undefined;
    const length = received.readUIntLE(0, 3);
    // A greeting is the first packet (sequence 0) and small; a banner of another protocol is not.
    if (received[3] !== 0 || length > 16384) return { ok: false, reason: 'not a MySQL server (its first bytes are not a MySQL packet)' };
    if (received.length < 4 + length) return undefined;
    const packet = received.subarray(4, 4 + length);
    if (packet[0] === 0xff) {
      // ERR: code, then (protocol 4.1) '#' and a five-character SQL state, then the message.
      const text = packet.subarray(packet[3] === 0x23 ? 9 : 3).toString('utf8').replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
      return { ok: false, reason: `the server refused the connection: ${text} (error ${packet.readUInt16LE(1)})` };
    }
    const end = packet.indexOf(0, 1);
    const flagsAt = end + 1 + 4 + 8 + 1; // thread id, scramble part 1, filler
    if (packet[0] !== 10 || end < 0 || packet.length < flagsAt + 2) {
      return { ok: false, reason: `not a MySQL server (its first packet is not a protocol-10 greeting)` };
    }
    if (!(packet.readUInt16LE(flagsAt) & CLIENT_SSL)) {
      return { ok: false, reason: `the server does not offer TLS (${packet.subarray(1, end).toString('latin1')} greets without the SSL capability)` };
    }
    const request = Buffer.alloc(4 + 32);
    request.writeUIntLE(32, 0, 3);
    request[3] = 1; // sequence id: the reply to the greeting
    request.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 4);
    request.writeUInt32LE(16 * 1024 * 1024, 8); // max packet size
    request[12] = 45; // utf8mb4_general_ci; the remaining 23 bytes stay zero
    socket.write(request);
    return { ok: true, value: true };
  });
}

interface TlsOutcome {
  ok: boolean;
  protocol?: string;
  authorized?: boolean;
  reason?: string;
}

function handshake(socket: net.Socket, endpoint: Endpoint, ms: number): Promise<TlsOutcome> {
  return new Promise((resolve) => {
    let ca: Buffer | undefined;
    let caNote: string | undefined;
    if (endpoint.caFile) {
      try {
        ca = readFileSync(endpoint.caFile);
      } catch (e) {
        caNote = `the CA file could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): verified against the system CAs`;
      }
    }
    const secure = tls.connect({
      socket,
      ...(isIpAddress(endpoint.host) ? {} : { servername: endpoint.host }),
      host: endpoint.host,
      // Verification is judged and reported, not enforced: the handshake itself is what is checked.
      rejectUnauthorized: false,
      ...(ca ? { ca } : {}),
    });
    let done = false;
    const finish = (r: TlsOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      secure.removeAllListeners();
      secure.on('error', () => {});
      secure.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: `TLS handshake timed out after ${describeMs(ms)}` }), Math.max(1, ms));
    timer.unref?.();
    secure.once('secureConnect', () => {
      const authorized = secure.authorized;
      const err = secure.authorizationError as unknown;
      const why = err === undefined || err === null ? undefined : typeof err === 'string' ? err : ((err as { code?: string }).code ?? String((err as Error).message ?? err));
      const protocol = secure.getProtocol() ?? undefined;
      finish({
        ok: true,
        ...(protocol ? { protocol } : {}),
        authorized,
        ...(!authorized && why ? { reason: `certificate not verified: ${why}${caNote ? `; ${caNote}` : ''}` } : caNote ? { reason: caNote } : {}),
      });
    });
    secure.once('error', (e) => finish({ ok: false, reason: `TLS handshake failed: ${networkReason(e)}` }));
    secure.once('close', () => finish({ ok: false, reason: 'the server closed the connection during the TLS handshake' }));
  });
}

/** One data source, within `budgetMs` from `started`. */
export async function checkDataSource(source: DataSourceInput, budgetMs: number, environment: NodeJS.ProcessEnv): Promise<DataSourceCheckFacts> {
  const started = performance.now();
  const left = () => Math.max(1, budgetMs - (performance.now() - started));
  let endpoint: Endpoint;
  try {
    endpoint = parseDataSource(source.name, source.url, environment).endpoint;
  } catch (e) {
    const reason = e instanceof DataSourceUrlError ? e.message : 'the URL cannot be parsed';
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(source.url)?.[1]?.toLowerCase() ?? 'unknown';
    return { name: source.name, scheme, host: '', port: 0, tlsExpected: false, dns: { ok: false, reason } };
  }
  const endpointFacts = { name: source.name, scheme: endpoint.scheme, host: endpoint.host, port: endpoint.port, tlsExpected: endpoint.tlsExpected };
  let proxy: Proxy | undefined;
  try {
    proxy = proxyFor(endpoint, environment);
  } catch (e) {
    if (!(e instanceof ProxyConfigError)) throw e;
    return { ...endpointFacts, dns: { ok: false, reason: e.message } };
  }
  const base = { ...endpointFacts, ...(proxy ? { proxy: proxyAddress(proxy) } : {}) };
  // Through a proxy, the client resolves and connects to the proxy; the proxy reaches the endpoint.
  const via = proxy ? `proxy ${proxyAddress(proxy)} (${proxy.variable}): ` : '';

  // mongodb+srv: the SRV records name the host and port actually connected to.
  let host = proxy ? proxy.host : endpoint.host;
  let port = proxy ? proxy.port : endpoint.port;
  const t0 = performance.now();
  if (endpoint.srv) {
    const srvName = endpoint.srv;
    let failure: string | undefined;
    const srv = await deadline(
      resolveSrv(srvName).then(
        (r) => r,
        (e: unknown) => {
          failure = networkReason(e);
          return undefined;
        },
      ),
      left(),
      () => undefined,
    );
    if (!srv?.length) return { ...base, dns: { ok: false, reason: failure ? `SRV lookup failed: ${failure}` : `SRV lookup timed out after ${describeMs(budgetMs)}` } };
    host = srv[0]!.name;
    port = srv[0]!.port;
  }
  const dns = await resolveStep(host, left());
  if (!dns.ok) return { ...base, dns: { ok: false, reason: via + dns.reason } };
  const facts: DataSourceCheckFacts = { ...base, dns: { ok: true, addresses: dns.value, ms: round(performance.now() - t0) } };

  // TCP: the first address that accepts, in resolver order.
  const t1 = performance.now();
  let socket: net.Socket | undefined;
  let tcpReason = '';
  for (const address of dns.value) {
    const r = await connect(address, port, left());
    if (r.ok) {
      socket = r.value;
      break;
    }
    tcpReason = dns.value.length > 1 ? `${address}: ${r.reason}` : r.reason;
    if (performance.now() - started >= budgetMs) break;
  }
  if (!socket) {
    facts.tcp = { ok: false, reason: via + (tcpReason || 'no address to connect to') };
    return facts;
  }
  if (proxy && endpoint.tls === 'direct') {
    const target = hostPort(endpoint.host, endpoint.port);
    const tunnel = await connectTunnel(socket, proxy, target, left());
    if (!tunnel.ok) {
      socket.destroy();
      facts.tcp = { ok: false, reason: via + tunnel.reason };
      return facts;
    }
  }
  facts.tcp = { ok: true, ms: round(performance.now() - t1) };

  try {
    if (endpoint.tls !== 'none') {
      const negotiate = { postgres: postgresSslRequest, mysql: mysqlSslRequest, direct: undefined }[endpoint.tls];
      const ssl = negotiate ? await negotiate(socket, left()) : undefined;
      if (ssl && !ssl.ok) {
        facts.tls = { ok: false, reason: ssl.reason };
        return facts;
      }
      const t = await handshake(socket, endpoint, left());
      facts.tls = t.ok
        ? { ok: true, ...(t.protocol ? { protocol: t.protocol } : {}), authorized: t.authorized ?? false, ...(t.reason ? { reason: t.reason } : {}) }
        : { ok: false, reason: t.reason ?? 'TLS handshake failed' };
    }
  } finally {
    socket.destroy();
  }
  return facts;
}

/** Every data source, in parallel, within the budget; the section in spec order. */
export async function checkDataSources(sources: DataSourceInput[], options: CheckOptions): Promise<DataSourcesFacts> {
  const environment = options.env ?? process.env;
  const items = await Promise.all(sources.map((s) => checkDataSource(s, options.timeoutMs, environment)));
  return { status: 'ok', items };
}
