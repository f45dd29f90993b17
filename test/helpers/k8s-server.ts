/**
 * A loopback Kubernetes API server for tests and benchmarks. It speaks HTTPS with its own CA (made
 * with the openssl CLI once per process, into a temp dir), and serves real-shaped objects: discovery
 * (/version, /api, /apis, /api/v1, /apis/<g>/<v>), lists with `limit`/`continue` (opaque tokens that
 * can expire → 410), single objects, PartialObjectMetadataList when asked for, and
 * SelfSubjectAccessReviews. Faults are injected per path: a status (with Retry-After), a delay,
 * a truncated body, a dropped connection, an expired continue token. Collections can be lazy — an
 * item is generated when its page is served — so a 100,000-pod cluster costs the server no memory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';

/** Items generated on demand: `json(i)` is the i-th object as JSON text; `meta(i)` its name and namespace. */
export interface LazyItems {
  count: number;
  json(i: number): string;
  meta(i: number): { name: string; namespace?: string };
}

export interface ResourceSpec {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural, lower case: pods, storageclasses. */
  resource: string;
  kind: string;
  namespaced: boolean;
  items: object[] | LazyItems;
  shortNames?: string[];
}

/** A group served in discovery only (metrics.k8s.io, snapshot.storage.k8s.io…). */
export interface DiscoveryGroup {
  group: string;
  version: string;
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

export interface Fault {
  /** Matched against the path without the query: exact string, or a RegExp. */
  path: string | RegExp;
  method?: string;
  /** How many matching requests it affects (default: all). */
  times?: number;
  /** Answer with this status (a Kubernetes Status body unless `body`). */
  status?: number;
  retryAfter?: string;
  body?: string;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Serve only the first part of the body (true: half), ending the response cleanly. */
  truncate?: boolean | number;
  /** Drop the connection after sending headers and part of the body. */
  destroy?: boolean;
  /** Answer 410 Gone to requests that carry a continue token. */
  expireContinue?: boolean;
}

export interface K8sServerOptions {
  resources?: ResourceSpec[];
  groups?: DiscoveryGroup[];
  version?: object;
  /** Require `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** Resources ("pods", "customresourcedefinitions.apiextensions.k8s.io") that answer 403. */
  forbidden?: string[];
  /** SelfSubjectAccessReview keys answered allowed: false ("create networkpolicies.networking.k8s.io"). */
  deny?: string[];
  faults?: Fault[];
  /** Continue tokens older than this answer 410. */
  continueTtlMs?: number;
  /** Largest page served, whatever `limit` asks (like a server that caps it); default none. */
  maxLimit?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: string;
  accept?: string;
  authorization?: string;
  clientCertCN?: string;
  status?: number;
}

export interface TlsMaterial {
  dir: string;
  caFile: string;
  caPem: string;
  serverCert: string;
  serverKey: string;
  clientCertFile: string;
  clientKeyFile: string;
  clientCertPem: string;
  clientKeyPem: string;
}

let material: TlsMaterial | undefined;

/** A CA, a server certificate for 127.0.0.1/localhost/k8s.mlready-test.invalid (a name only the test proxy resolves) and a client certificate, made once per process. */
export function tlsMaterial(): TlsMaterial {
  if (material) return material;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-k8s-ca-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=mlready-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=kube-apiserver');
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:k8s.mlready-test.invalid\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext'));
  openssl('req', ...ec, '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=mlready-test-user/O=system:masters');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl('x509', '-req', '-in', f('client.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('client.crt'), '-days', '2', '-extfile', f('client.ext'));
  material = {
    dir,
    caFile: f('ca.crt'),
    caPem: readFileSync(f('ca.crt'), 'utf8'),
    serverCert: readFileSync(f('server.crt'), 'utf8'),
    serverKey: readFileSync(f('server.key'), 'utf8'),
    clientCertFile: f('client.crt'),
    clientKeyFile: f('client.key'),
    clientCertPem: readFileSync(f('client.crt'), 'utf8'),
    clientKeyPem: readFileSync(f('client.key'), 'utf8'),
  };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return material;
}

export interface KubeconfigOptions {
  server: string;
  /** How the CA is named: a file, inline data, or not at all. */
  ca?: 'file' | 'data' | 'none';
  caFile?: string;
  caPem?: string;
  insecure?: boolean;
  token?: string;
  clientCert?: { certPem?: string; keyPem?: string; certFile?: string; keyFile?: string };
  exec?: { command: string; args?: string[]; env?: { name: string; value: string }[] };
  authProvider?: { name: string; config: Record<string, string> };
  namespace?: string;
  context?: string;
  /** More contexts (same cluster and user) with their namespaces. */
  extraContexts?: { name: string; namespace?: string }[];
}

/** A kubeconfig for `server`, written as JSON (which is YAML) into `dir`; returns its path. */
export function writeKubeconfig(dir: string, options: KubeconfigOptions, file = 'kubeconfig'): string {
  const cluster: Record<string, unknown> = { server: options.server };
  const ca = options.ca ?? 'file';
  if (ca === 'file') cluster['certificate-authority'] = options.caFile ?? tlsMaterial().caFile;
  if (ca === 'data') cluster['certificate-authority-data'] = Buffer.from(options.caPem ?? tlsMaterial().caPem).toString('base64');
  if (options.insecure) cluster['insecure-skip-tls-verify'] = true;
  const user: Record<string, unknown> = {};
  if (options.token) user.token = options.token;
  if (options.clientCert) {
    const c = options.clientCert;
    if (c.certFile) user['client-certificate'] = c.certFile;
    if (c.certPem) user['client-certificate-data'] = Buffer.from(c.certPem).toString('base64');
    if (c.keyFile) user['client-key'] = c.keyFile;
    if (c.keyPem) user['client-key-data'] = Buffer.from(c.keyPem).toString('base64');
  }
  if (options.exec) user.exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: options.exec.command, args: options.exec.args ?? [], env: options.exec.env ?? null, interactiveMode: 'Never' };
  if (options.authProvider) user['auth-provider'] = options.authProvider;
  const name = options.context ?? 'test';
  const contexts = [
    { name, context: { cluster: 'test-cluster', user: 'test-user', ...(options.namespace ? { namespace: options.namespace } : {}) } },
    ...(options.extraContexts ?? []).map((c) => ({ name: c.name, context: { cluster: 'test-cluster', user: 'test-user', ...(c.namespace ? { namespace: c.namespace } : {}) } })),
  ];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test-cluster', cluster }],
    users: [{ name: 'test-user', user }],
    contexts,
    'current-context': name,
    preferences: {},
  };
  const out = path.join(dir, file);
  writeFileSync(out, JSON.stringify(doc, null, 2), { mode: 0o600 });
  return out;
}

export interface K8sServer {
  url: string;
  port: number;
  tls: TlsMaterial;
  requests: RequestRecord[];
  faults: Fault[];
  options: K8sServerOptions;
  /** A kubeconfig for this server (token and CA file unless told otherwise) in `dir`. */
  kubeconfig(dir: string, options?: Partial<KubeconfigOptions>, file?: string): string;
  close(): Promise<void>;
}

const DEFAULT_VERSION = {
  major: '1',
  minor: '29',
  gitVersion: 'v1.29.3',
  gitCommit: '6813625b7cd706db5bc7388921be03071e1a492d',
  gitTreeState: 'clean',
  buildDate: '2024-03-14T23:58:36Z',
  goVersion: 'go1.21.8',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const isLazy = (items: ResourceSpec['items']): items is LazyItems => !Array.isArray(items);

function metaOf(item: object): { name: string; namespace?: string } {
  const m = (item as { metadata?: { name?: string; namespace?: string } }).metadata ?? {};
  return { name: m.name ?? '', ...(m.namespace ? { namespace: m.namespace } : {}) };
}

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable' };

export async function startK8sServer(options: K8sServerOptions = {}): Promise<K8sServer> {
  const tls = tlsMaterial();
  const resources = options.resources ?? [];
  const faults = options.faults ?? [];
  const faultHits = new Map<Fault, number>();
  const requests: RequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let rv = 1000;

  const key = (r: ResourceSpec) => `${r.group}/${r.version}/${r.resource}`;
  const byPath = new Map<string, ResourceSpec>(resources.map((r) => [key(r), r]));

  const groups = new Map<string, Map<string, { name: string; kind: string; namespaced: boolean; shortNames?: string[] }[]>>();
  const addGroupResource = (group: string, version: string, res?: { name: string; kind: string; namespaced: boolean; shortNames?: string[] }) => {
    let versions = groups.get(group);
    if (!versions) groups.set(group, (versions = new Map()));
    let list = versions.get(version);
    if (!list) versions.set(version, (list = []));
    if (res && !list.some((x) => x.name === res.name)) list.push(res);
  };
  addGroupResource('', 'v1', { name: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'] });
  addGroupResource('authorization.k8s.io', 'v1', { name: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false });
  for (const r of resources) addGroupResource(r.group, r.version, { name: r.resource, kind: r.kind, namespaced: r.namespaced, ...(r.shortNames ? { shortNames: r.shortNames } : {}) });
  for (const g of options.groups ?? []) {
    addGroupResource(g.group, g.version);
    for (const r of g.resources ?? []) addGroupResource(g.group, g.version, r);
  }

  const isForbidden = (r: { group: string; resource: string }) =>
    (options.forbidden ?? []).some((f) => f === r.resource || f === `${r.resource}.${r.group}` || f === '*');

  function matchFault(method: string, pathname: string, query: URLSearchParams): Fault | undefined {
    for (const f of faults) {
      if (f.method && f.method !== method) continue;
      if (typeof f.path === 'string' ? f.path !== pathname : !f.path.test(pathname)) continue;
      if (f.expireContinue && !query.get('continue')) continue;
      const hits = faultHits.get(f) ?? 0;
      if (f.times !== undefined && hits >= f.times) continue;
      faultHits.set(f, hits + 1);
      return f;
    }
    return undefined;
  }

  function send(req: IncomingMessage, res: ServerResponse, record: RequestRecord, status: number, body: string, fault?: Fault, contentType = 'application/json'): void {
    record.status = status;
    if (res.destroyed) return;
    const headers: Record<string, string> = { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private' };
    if (fault?.retryAfter) headers['Retry-After'] = fault.retryAfter;
    if (fault?.destroy) {
      res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
      setImmediate(() => res.destroy());
      return;
    }
    if (fault?.truncate) {
      const n = typeof fault.truncate === 'number' ? fault.truncate : Math.floor(body.length / 2);
      res.writeHead(status, headers);
      res.end(body.slice(0, n));
      return;
    }
    headers['Content-Length'] = String(Buffer.byteLength(body));
    res.writeHead(status, headers);
    res.end(body);
    void req;
  }

  function discoveryGroups(): object {
    const list = [...groups.entries()]
      .filter(([g]) => g !== '')
      .map(([name, versions]) => {
        const vs = [...versions.keys()].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
        return { name, versions: vs, preferredVersion: vs[0] };
      });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
  }

  function resourceList(group: string, version: string): object | undefined {
    const list = groups.get(group)?.get(version);
    if (!list) return undefined;
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: list.map((r) => ({
        name: r.name,
        singularName: r.kind.toLowerCase(),
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.name === 'selfsubjectaccessreviews' ? ['create'] : ['get', 'list', 'watch'],
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      })),
    };
  }

  interface Token {
    k: string;
    o: number;
    t: number;
    rv: number;
  }

  function listPage(spec: ResourceSpec, ns: string | undefined, query: URLSearchParams, metadataOnly: boolean): { status: number; body: string } {
    let offset = 0;
    let listRv = rv++;
    const cont = query.get('continue');
    const listKey = `${key(spec)}|${ns ?? ''}`;
    if (cont) {
      let t: Token;
      try {
        t = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as Token;
        if (t.k !== listKey || typeof t.o !== 'number') throw new Error('bad token');
      } catch {
        return { status: 400, body: statusBody(400, 'BadRequest', 'continue key is not valid') };
      }
      if (options.continueTtlMs !== undefined && Date.now() - t.t > options.continueTtlMs) {
        return { status: 410, body: statusBody(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.') };
      }
      offset = t.o;
      listRv = t.rv;
    }
    let limit = Number(query.get('limit') ?? '0');
    if (!Number.isInteger(limit) || limit <= 0) limit = Infinity;
    if (options.maxLimit) limit = Math.min(limit, options.maxLimit);
    const total = isLazy(spec.items) ? spec.items.count : spec.items.length;
    const parts: string[] = [];
    let i = offset;
    const matches = (idx: number) => {
      if (!ns) return true;
      const m = isLazy(spec.items) ? spec.items.meta(idx) : metaOf(spec.items[idx]!);
      return m.namespace === ns;
    };
    for (; i < total && parts.length < limit; i++) {
      if (!matches(i)) continue;
      let text = isLazy(spec.items) ? spec.items.json(i) : JSON.stringify(spec.items[i]);
      if (metadataOnly) {
        const obj = JSON.parse(text) as { metadata?: object };
        text = JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} });
      }
      parts.push(text);
    }
    // Is there anything left (in this namespace)?
    let more = false;
    for (let j = i; j < total; j++) {
      if (matches(j)) {
        more = true;
        break;
      }
      if (!ns) break;
    }
    const meta: Record<string, unknown> = { resourceVersion: String(listRv) };
    if (more) {
      meta.continue = Buffer.from(JSON.stringify({ k: listKey, o: i, t: Date.now(), rv: listRv } satisfies Token)).toString('base64url');
      if (!ns) meta.remainingItemCount = total - i;
    }
    const kind = metadataOnly ? 'PartialObjectMetadataList' : `${spec.kind}List`;
    const apiVersion = metadataOnly ? 'meta.k8s.io/v1' : spec.group ? `${spec.group}/${spec.version}` : spec.version;
    return { status: 200, body: `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(meta)},"items":[${parts.join(',')}]}` };
  }

  function getOne(spec: ResourceSpec, ns: string | undefined, name: string): string | undefined {
    const total = isLazy(spec.items) ? spec.items.count : spec.items.length;
    for (let i = 0; i < total; i++) {
      const m = isLazy(spec.items) ? spec.items.meta(i) : metaOf(spec.items[i]!);
      if (m.name === name && (m.namespace ?? undefined) === ns) return isLazy(spec.items) ? spec.items.json(i) : JSON.stringify(spec.items[i]);
    }
    return undefined;
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const method = req.method ?? 'GET';
    const peer = (req.socket as Socket & { getPeerCertificate?: () => { subject?: { CN?: string } } }).getPeerCertificate?.();
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query: url.search,
      ...(req.headers.accept ? { accept: req.headers.accept } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(peer?.subject?.CN ? { clientCertCN: peer.subject.CN } : {}),
    };
    requests.push(record);
    const fault = matchFault(method, url.pathname, url.searchParams);
    if (fault?.delayMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, fault.delayMs);
        timers.add(t);
        res.once('close', () => {
          clearTimeout(t);
          timers.delete(t);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
    }
    if (fault?.status) {
      const code = fault.status;
      send(req, res, record, code, fault.body ?? statusBody(code, REASONS[code] ?? 'Failure', `injected fault ${code}`), fault);
      return;
    }
    // Authenticated by the bearer token, or by a client certificate our CA signed.
    const certOk = (req.socket as TLSSocket).authorized === true && Boolean(peer?.subject?.CN);
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}` && !certOk) {
      send(req, res, record, 401, statusBody(401, 'Unauthorized', 'Unauthorized'), fault);
      return;
    }
    const segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (url.pathname === '/version') return send(req, res, record, 200, fault?.body ?? JSON.stringify(options.version ?? DEFAULT_VERSION), fault);
    if (url.pathname === '/api') return send(req, res, record, 200, JSON.stringify({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] }), fault);
    if (url.pathname === '/apis') return send(req, res, record, 200, JSON.stringify(discoveryGroups()), fault);
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 2) [group, version, rest] = ['', segs[1]!, segs.slice(2)];
    else if (segs[0] === 'apis' && segs.length >= 3) [group, version, rest] = [segs[1]!, segs[2]!, segs.slice(3)];
    else return send(req, res, record, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'), fault);

    if (rest.length === 0) {
      const list = resourceList(group, version);
      return list ? send(req, res, record, 200, JSON.stringify(list), fault) : send(req, res, record, 404, statusBody(404, 'NotFound', 'not found'), fault);
    }
    if (group === 'authorization.k8s.io' && rest[0] === 'selfsubjectaccessreviews' && method === 'POST') {
      if (isForbidden({ group, resource: 'selfsubjectaccessreviews' })) return send(req, res, record, 403, statusBody(403, 'Forbidden', 'selfsubjectaccessreviews is forbidden'), fault);
      let review: { spec?: { resourceAttributes?: { verb?: string; group?: string; resource?: string; namespace?: string } } };
      try {
        review = JSON.parse(await readBody(req)) as typeof review;
      } catch {
        return send(req, res, record, 400, statusBody(400, 'BadRequest', 'invalid JSON'), fault);
      }
      const a = review.spec?.resourceAttributes ?? {};
      const k = `${a.verb} ${a.resource}${a.group ? `.${a.group}` : ''}`;
      const allowed = !(options.deny ?? []).includes(k);
      return send(req, res, record, 201, JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: review.spec, status: { allowed, ...(allowed ? { reason: 'RBAC: allowed' } : {}) } }), fault);
    }
    let ns: string | undefined;
    let resource: string;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) [ns, resource, name] = [rest[1]!, rest[2]!, rest[3]];
    else [resource, name] = [rest[0]!, rest[1]];
    if (isForbidden({ group, resource })) {
      const verb = name ? 'get' : 'list';
      const scope = ns ? `in the namespace "${ns}"` : 'at the cluster scope';
      return send(req, res, record, 403, statusBody(403, 'Forbidden', `${resource}${group ? `.${group}` : ''} is forbidden: User "test-user" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`), fault);
    }
    const spec = byPath.get(`${group}/${version}/${resource}`);
    if (!spec) return send(req, res, record, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'), fault);
    if (name) {
      const one = getOne(spec, spec.namespaced ? ns : undefined, name);
      return one ? send(req, res, record, 200, one, fault) : send(req, res, record, 404, statusBody(404, 'NotFound', `${resource} "${name}" not found`), fault);
    }
    if (fault?.expireContinue) {
      return send(req, res, record, 410, statusBody(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.'), fault);
    }
    const metadataOnly = /as=PartialObjectMetadataList/.test(req.headers.accept ?? '');
    const page = listPage(spec, spec.namespaced ? ns : undefined, url.searchParams, metadataOnly);
    send(req, res, record, page.status, page.body, fault, metadataOnly && page.status === 200 ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1' : 'application/json');
  }

  const server = https.createServer({ key: tls.serverKey, cert: tls.serverCert, ca: tls.caPem, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 30000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(statusBody(500, 'InternalError', `test server error: ${(e as Error).message}`));
      } else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;

  return {
    url,
    port,
    tls,
    requests,
    faults,
    options,
    kubeconfig: (dir, o = {}, file) => writeKubeconfig(dir, { server: url, ...(options.token ? { token: options.token } : {}), ...o }, file),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
