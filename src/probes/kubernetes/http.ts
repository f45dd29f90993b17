/**
 * Requests to the API server with node:http(s): bounded concurrency, the probe's deadline on every
 * request, retries with backoff for 429 (honouring Retry-After) and 5xx, and lists read page by page
 * (limit + continue), each page handed to its aggregator and dropped; an expired continue token
 * (410 Gone) restarts the list once. Errors are one-line reasons; nothing here ever prints a header.
 */
import http from 'node:http';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { describeMs } from '../../util/exec.js';
import type { Connection } from './kubeconfig.js';

export type ErrorKind = 'refused' | 'dns' | 'unreachable' | 'tls' | 'timeout' | 'http' | 'parse' | 'network';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ApiResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Stats {
  requests: number;
  pages: number;
  retries: number;
}

/** A FIFO semaphore. */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'INVALID_CA',
]);

/** A network or TLS error as a one-line reason and its kind. */
export function describeNetworkError(e: unknown, server: string): ApiError {
  const err = e as NodeJS.ErrnoException & { reason?: string };
  const code = err?.code ?? '';
  if (code === 'ECONNREFUSED') return new ApiError('refused', `connection refused by ${server}`);
  // A CONNECT tunnel through HTTPS_PROXY that did not open: the message names the proxy and its answer.
  if (code === 'EPROXY') return new ApiError('unreachable', `${server} through ${err.message}`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return new ApiError('dns', `DNS lookup failed for ${hostOf(server)} (${code})`);
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') return new ApiError('unreachable', `${server} is unreachable (${code})`);
  if (TLS_CODES.has(code)) {
    const what =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `does not name ${hostOf(server)}`
        : code === 'CERT_HAS_EXPIRED'
          ? 'has expired'
          : code === 'CERT_NOT_YET_VALID'
            ? 'is not valid yet'
            : 'is not signed by a trusted CA (the kubeconfig names no certificate-authority that signed it)';
    return new ApiError('tls', `certificate of ${server} ${what} (${code})`);
  }
  if (code.startsWith('ERR_OSSL') || /^(PEM|DECODER|ASN1) routines/.test(err?.message?.replace(/^error:[0-9A-F]+:/, '') ?? '')) {
    // Raised while building the TLS context: a client key, certificate or CA that is not what it says.
    return new ApiError('tls', `the client certificate, client key or certificate-authority from the kubeconfig cannot be used (${code || 'bad PEM'})`);
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/.test(code) || /ssl|tls/i.test(err?.message ?? '')) {
    return new ApiError('tls', `TLS handshake with ${server} failed (${code || 'TLS error'}): certificate or protocol mismatch`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || err?.message === 'socket hang up') {
    return new ApiError('network', `connection to ${server} was closed mid-request (${code || 'socket hang up'})`);
  }
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_HTTP_INVALID_HEADER_VALUE') return new ApiError('network', 'a request header from the kubeconfig is not valid HTTP');
  return new ApiError('network', `request to ${server} failed (${code || 'network error'})`);
}

function hostOf(server: string): string {
  try {
    return new URL(server).hostname;
  } catch {
    return server;
  }
}

/** Seconds or an HTTP date → milliseconds to wait. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/** A one-line reason for an HTTP status from the API server ("forbidden: list pods"). */
export function statusReason(status: number, what: string, body?: Buffer): string {
  if (status === 401) return 'unauthorized';
  if (status === 403) return `forbidden: ${what}`;
  if (status === 404) return `not found: ${what}`;
  if (status === 429) return `rate limited (429): ${what}`;
  if (status >= 500) return `server error ${status}: ${what}`;
  let message = '';
  try {
    const s = JSON.parse(body?.toString('utf8') ?? '') as { message?: unknown };
    if (typeof s.message === 'string') message = `: ${s.message.split('\n')[0]!.slice(0, 120)}`;
  } catch {
    /* not a Status */
  }
  return `HTTP ${status}${message}: ${what}`;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  accept?: string;
  /** For reasons: "list pods", "get namespace ml". */
  what: string;
}

/** Requests in flight at once (and sockets kept open to the API server). */
export const CONCURRENCY = 6;

const MAX_BODY = 512 * 1024 * 1024;
const MAX_ATTEMPTS = 4;

export interface ListSink {
  page(items: unknown[]): void;
  reset(): void;
}

export interface ListOptions {
  limit?: number;
  /** Ask for metadata only (PartialObjectMetadataList): names of CRDs, Deployments. */
  metadataOnly?: boolean;
  /** 404 means the API is not served: an empty list. */
  notFoundIsEmpty?: boolean;
}

export class ApiClient {
  readonly stats: Stats = { requests: 0, pages: 0, retries: 0 };
  private readonly limiter: Limiter;
  private readonly basePath: string;
  private readonly transport: typeof https | typeof http;

  constructor(
    private readonly conn: Pick<Connection, 'url' | 'server' | 'agent' | 'headers'>,
    private readonly signal: AbortSignal,
    /** performance.now() at which the probe must stop. */
    private readonly deadline: number,
    /** The whole budget, for "timed out after 5 s". */
    private readonly budgetMs: number,
    private readonly log: (line: string) => void,
    concurrency = CONCURRENCY,
  ) {
    this.limiter = new Limiter(concurrency);
    this.basePath = conn.url.pathname.replace(/\/$/, '');
    this.transport = conn.url.protocol === 'http:' ? http : https;
  }

  timedOut(what: string): ApiError {
    return new ApiError('timeout', `timed out after ${describeMs(this.budgetMs)}: ${what}`);
  }

  private once(method: string, path: string, body: string | undefined, accept: string | undefined): Promise<ApiResponse> {
    if (this.signal.aborted) return Promise.reject(new ApiError('timeout', 'aborted'));
    return new Promise<ApiResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...this.conn.headers, 'Accept-Encoding': 'gzip' };
      if (accept) headers.Accept = accept;
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(body));
      }
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        this.signal.removeEventListener('abort', onAbort);
        fn();
      };
      let req: http.ClientRequest;
      const onAbort = () => {
        req?.destroy();
        finish(() => reject(new ApiError('timeout', 'aborted')));
      };
      try {
        req = this.transport.request(
          {
            protocol: this.conn.url.protocol,
            hostname: this.conn.url.hostname.replace(/^\[|\]$/g, ''),
            port: this.conn.url.port || (this.conn.url.protocol === 'http:' ? 80 : 443),
            path: this.basePath + path,
            method,
            headers,
            agent: this.conn.agent,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              size += c.length;
              if (size > MAX_BODY) {
                req.destroy();
                finish(() => reject(new ApiError('network', `response larger than ${MAX_BODY / 2 ** 20} MiB`)));
                return;
              }
              chunks.push(c);
            });
            res.on('end', () => {
              if (!res.complete) {
                finish(() => reject(new ApiError('network', `connection to ${this.conn.server} was closed mid-response`)));
                return;
              }
              let buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
              if (res.headers['content-encoding'] === 'gzip') {
                try {
                  buf = gunzipSync(buf);
                } catch {
                  finish(() => reject(new ApiError('parse', 'response is not valid gzip')));
                  return;
                }
              }
              finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf }));
            });
            res.on('aborted', () => finish(() => reject(new ApiError('network', `connection to ${this.conn.server} was closed mid-response`))));
            res.on('error', (e) => finish(() => reject(describeNetworkError(e, this.conn.server))));
          },
        );
      } catch (e) {
        finish(() => reject(describeNetworkError(e, this.conn.server)));
        return;
      }
      this.signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => finish(() => reject(this.signal.aborted ? new ApiError('timeout', 'aborted') : describeNetworkError(e, this.conn.server))));
      req.end(body);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * One request with retries: 429 (after Retry-After), 5xx and dropped connections, with exponential
   * backoff, while the budget allows. Resolves with the final response whatever its status.
   */
  async request(path: string, opts: RequestOptions): Promise<ApiResponse> {
    const method = opts.method ?? 'GET';
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    for (let attempt = 1; ; attempt++) {
      await this.limiter.acquire();
      const started = performance.now();
      let res: ApiResponse | undefined;
      let error: ApiError | undefined;
      try {
        this.stats.requests++;
        res = await this.once(method, path, body, opts.accept);
      } catch (e) {
        error = e instanceof ApiError ? e : describeNetworkError(e, this.conn.server);
      } finally {
        this.limiter.release();
      }
      const ms = performance.now() - started;
      const shown = path.replace(/continue=[^&]*/, 'continue=…');
      if (res) this.log(`${method} ${shown} → ${res.status} (${ms.toFixed(0)} ms, ${(res.body.length / 1024).toFixed(0)} KiB)`);
      else this.log(`${method} ${shown} → ${error!.message} (${ms.toFixed(0)} ms)`);
      if (this.signal.aborted) throw this.timedOut(opts.what);
      if (error?.kind === 'timeout') throw this.timedOut(opts.what);

      const retryable = error ? error.kind === 'network' : res!.status === 429 || res!.status >= 500;
      if (!retryable || attempt >= MAX_ATTEMPTS) {
        if (error) throw error;
        return res!;
      }
      let wait = Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      const after = res ? retryAfterMs(res.headers['retry-after']) : undefined;
      if (after !== undefined) wait = Math.max(wait, after);
      // Give up when the wait would outlive the budget: the caller reports what the server said.
      if (performance.now() + wait >= this.deadline) {
        if (error) throw error;
        return res!;
      }
      this.stats.retries++;
      await this.sleep(wait);
      if (this.signal.aborted) throw this.timedOut(opts.what);
    }
  }

  /** GET or POST a JSON document; non-2xx statuses become ApiError('http') with a one-line reason. */
  async json<T>(path: string, opts: RequestOptions): Promise<T> {
    const res = await this.request(path, opts);
    if (res.status < 200 || res.status > 299) throw new ApiError('http', statusReason(res.status, opts.what, res.body), res.status);
    return parseJson<T>(res.body, opts.what);
  }

  /**
   * Reads a list page by page into `sink`. Resolves with the number of items; rejects with an
   * ApiError whose message says how far it got.
   */
  async list(path: string, what: string, sink: ListSink, opts: ListOptions = {}): Promise<number> {
    const limit = opts.limit ?? 500;
    const accept = opts.metadataOnly ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json' : undefined;
    let token: string | undefined;
    let restarted = false;
    let count = 0;
    for (;;) {
      const query = `limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
      let res: ApiResponse;
      try {
        res = await this.request(`${path}${path.includes('?') ? '&' : '?'}${query}`, { what, ...(accept ? { accept } : {}) });
      } catch (e) {
        if (e instanceof ApiError && e.kind === 'timeout' && count > 0) throw new ApiError('timeout', `${e.message} (${count} read)`);
        throw e;
      }
      if (res.status === 410 && token && !restarted) {
        // The continue token expired (the list took longer than etcd's compaction window): start over once.
        restarted = true;
        this.stats.retries++;
        this.log(`${what}: continue token expired (410), restarting the list`);
        token = undefined;
        count = 0;
        sink.reset();
        continue;
      }
      if (res.status === 404 && opts.notFoundIsEmpty && !token) return 0;
      if (res.status !== 200) {
        const reason = res.status === 410 ? `the list expired twice (410 Gone): ${what}` : statusReason(res.status, what, res.body);
        throw new ApiError('http', count ? `${reason} (${count} read)` : reason, res.status);
      }
      const doc = parseJson<{ items?: unknown; metadata?: { continue?: unknown } }>(res.body, what);
      if (!doc || typeof doc !== 'object' || (doc.items !== undefined && doc.items !== null && !Array.isArray(doc.items))) {
        throw new ApiError('parse', `unexpected response (not a list): ${what}`);
      }
      const items = (doc.items ?? []) as unknown[];
      this.stats.pages++;
      sink.page(items);
      count += items.length;
      const next = doc.metadata?.continue;
      if (typeof next !== 'string' || !next) return count;
      token = next;
      if (this.signal.aborted) throw new ApiError('timeout', `${this.timedOut(what).message} (${count} read)`);
    }
  }
}

export function parseJson<T>(body: Buffer, what: string): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new ApiError('parse', `invalid JSON in the response (truncated or not JSON, ${body.length} bytes): ${what}`);
  }
}
