/**
 * HTTP proxies from the environment (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY, read as curl,
 * Python and Go read them), and CONNECT tunnels through them: used where mlready goes where a client
 * would — the data-source checks (src/datasources/proxy.ts) and the Kubernetes probe (kubeconfig.ts).
 * A direct connection would fail on networks whose only way out is the proxy, and succeed where the
 * proxy would refuse.
 *
 * Nothing secret leaves here: the proxy's address is `host:port`, and its credentials (`user:pass@`) are
 * only ever sent to the proxy, in a Proxy-Authorization header.
 */
import net, { isIP } from 'node:net';
import { describeMs } from './exec.js';

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
 * The proxy for an HTTP(S) request to host:port from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY and NO_PROXY, or
 * undefined. `loopbackDirect` keeps localhost and loopback addresses off the proxy whatever NO_PROXY says
 * (Go's rule, which kubectl follows). Throws ProxyConfigError for a proxy that cannot be used.
 */
export function envProxy(to: { tls: boolean; host: string; port: number; loopbackDirect?: boolean }, env: NodeJS.ProcessEnv): Proxy | undefined {
  const chosen = to.tls
    ? pick(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'])
    : pick(env, ['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']);
  if (!chosen) return undefined;
  if (to.loopbackDirect && isLoopback(to.host)) return undefined;
  if (bypassesProxy(to.host, to.port, env.no_proxy ?? env.NO_PROXY)) return undefined;
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

function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** `host:port` of a proxy, IPv6 in brackets. */
export const proxyAddress = (p: Pick<Proxy, 'host' | 'port'>): string => hostPort(p.host, p.port);

/** `host:port` as a CONNECT target, IPv6 in brackets. */
export const hostPort = (host: string, port: number) => `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;

export type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A Node network error in one line. */
export function networkReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  switch (code) {
    case 'ENOTFOUND':
      return 'the name does not resolve (NXDOMAIN)';
    case 'EAI_AGAIN':
      return 'the DNS server did not answer (temporary failure)';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'EHOSTUNREACH':
      return 'no route to host';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ECONNRESET':
      return 'connection reset by the server';
    case 'EPIPE':
      return 'the server closed the connection';
    default: {
      const message = (err?.message ?? String(e)).split(/\r?\n/)[0]!.trim();
      return code && !message.includes(code) ? `${code}: ${message}` : message || 'unknown error';
    }
  }
}

/**
 * Writes `request` and reads the answer until `onAnswer` decides (a Step) or returns undefined to read on.
 * On success the socket is paused with nothing consumed beyond the answer, ready for TLS.
 */
export function exchange(
  socket: net.Socket,
  request: string | Buffer,
  ms: number,
  texts: { timeout: string; closed: string },
  onAnswer: (received: Buffer) => Step<true> | undefined,
): Promise<Step<true>> {
  return new Promise((resolve) => {
    let done = false;
    let received: Buffer = Buffer.alloc(0);
    const finish = (r: Step<true>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (r.ok) socket.pause();
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      received = received.length ? Buffer.concat([received, chunk]) : chunk;
      const r = onAnswer(received);
      if (r) finish(r);
    };
    const onError = (e: Error) => finish({ ok: false, reason: networkReason(e) });
    const onClose = () => finish({ ok: false, reason: texts.closed });
    const timer = setTimeout(() => finish({ ok: false, reason: `${texts.timeout} within ${describeMs(ms)}` }), Math.max(1, ms));
    timer.unref?.();
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(request);
  });
}

/** An HTTP CONNECT on a socket connected to the proxy; the answer's status decides. */
export function connectTunnel(socket: net.Socket, proxy: Proxy, target: string, ms: number): Promise<Step<true>> {
  const request = `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${proxy.authorization ? `Proxy-Authorization: ${proxy.authorization}\r\n` : ''}\r\n`;
  return exchange(socket, request, ms, { timeout: `no answer to CONNECT ${target}`, closed: `the proxy closed the connection after CONNECT ${target}` }, (received) => {
    const end = received.indexOf('\r\n\r\n');
    if (end < 0) return received.length > 16384 ? { ok: false, reason: 'the proxy answered CONNECT with more than 16 KiB of headers' } : undefined;
    const statusLine = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
    const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/.exec(statusLine);
    if (!m) return { ok: false, reason: 'the proxy did not answer CONNECT with HTTP' };
    const status = Number(m[1]);
    const text = m[2]!.trim().slice(0, 80);
    if (status >= 200 && status < 300) {
      const rest = received.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      return { ok: true, value: true };
    }
    if (status === 407) {
      return { ok: false, reason: `the proxy asks for credentials (407${text ? ` ${text}` : ''})${proxy.authorization ? ' and refused the ones in the proxy URL' : ': the proxy URL carries none'}` };
    }
    return { ok: false, reason: `the proxy answered ${status}${text ? ` ${text}` : ''} to CONNECT ${target}` };
  });
}

/** A tunnel failure, as a Node-style error (code EPROXY) whose message is the one-line reason. */
export class ProxyTunnelError extends Error {
  readonly code = 'EPROXY';
}

/** Connects to the proxy and opens a CONNECT tunnel to target; rejects with ProxyTunnelError. */
export function openTunnel(proxy: Proxy, target: string, ms: number): Promise<net.Socket> {
  const started = performance.now();
  const via = `proxy ${proxyAddress(proxy)} (${proxy.variable})`;
  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: proxy.host, port: proxy.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ProxyTunnelError(`${via}: connect timed out after ${describeMs(ms)}`));
    }, Math.max(1, ms));
    timer.unref?.();
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(new ProxyTunnelError(`${via}: ${networkReason(e)}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      void connectTunnel(socket, proxy, target, Math.max(1, ms - (performance.now() - started))).then((r) => {
        if (r.ok) resolve(socket);
        else {
          socket.destroy();
          reject(new ProxyTunnelError(`${via}: ${r.reason}`));
        }
      });
    });
  });
}
