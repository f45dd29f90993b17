/**
 * Where the cluster is and who we are: the kubeconfig (--kubeconfig, else KUBECONFIG's list, else
 * ~/.kube/config, else the in-cluster service account), the context, the namespace, and the TLS and
 * authentication material, which @kubernetes/client-node (imported here, and only when the k8s
 * target runs) turns into agent options and headers: tokens, client certificates, exec credential
 * plugins, auth providers. The requests themselves are ours (see http.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import type { KubernetesFacts } from '../../facts/cluster-schema.js';
import type { ProbeContext } from '../context.js';
import type { KubernetesOptions } from './options.js';
import { CONCURRENCY } from './http.js';
import { displayServer, type Scrubber } from './sanitize.js';
import { envProxy, hostPort, openTunnel, proxyAddress, ProxyConfigError, type Proxy } from '../../util/proxy.js';

export type AuthMethod = NonNullable<KubernetesFacts['authMethod']>;
export type NamespaceSource = NonNullable<KubernetesFacts['namespaceSource']>;

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface Connection {
  /** Base URL of the API server (a path prefix is kept: Rancher-style proxies). */
  url: URL;
  server: string;
  context: string;
  namespace: string;
  namespaceSource: NamespaceSource;
  authMethod: AuthMethod;
  insecureSkipTlsVerify: boolean;
  agent: http.Agent;
  /** host:port of the HTTPS_PROXY the requests go through (CONNECT), when one applies. */
  proxy?: string;
  headers: Record<string, string>;
  /** Where the configuration came from, for --debug. */
  source: string;
  close(): void;
}

export type ConnectResult =
  | { ok: true; conn: Connection }
  | { ok: false; status: 'unavailable' | 'unknown'; reason: string; partial: Partial<KubernetesFacts> };

/** The namespace workloads run in: --namespace, else the spec's, else the context's, else default. */
export function resolveNamespace(input: { flag?: string | undefined; spec?: string | undefined; context?: string | undefined }): {
  namespace: string;
  source: NamespaceSource;
} {
  const clean = (s: string | undefined) => (typeof s === 'string' && s.trim() ? s.trim() : undefined);
  const flag = clean(input.flag);
  if (flag) return { namespace: flag, source: 'flag' };
  const spec = clean(input.spec);
  if (spec) return { namespace: spec, source: 'spec' };
  const ctx = clean(input.context);
  if (ctx) return { namespace: ctx, source: 'context' };
  return { namespace: 'default', source: 'default' };
}

/** How the user authenticates, named without a secret. */
export function authMethodOf(user: Partial<User> | null | undefined, inCluster = false): AuthMethod {
  if (inCluster) return 'in-cluster';
  if (!user) return 'none';
  if (user.exec || user.authProvider?.name === 'exec' || user.authProvider?.config?.exec) return 'exec';
  if (user.authProvider) return 'auth-provider';
  if (user.token) return 'token';
  if (user.certData || user.certFile || user.keyData || user.keyFile) return 'client-certificate';
  if (user.username) return 'basic';
  return 'none';
}

type KubeConfigClass = typeof KubeConfig;

interface Source {
  files: string[];
  label: string;
  inCluster?: { host: string; port: string; root: string };
}

function findSource(ctx: ProbeContext, options: KubernetesOptions): Source | { missing: string } {
  if (options.kubeconfig) {
    const file = path.resolve(ctx.cwd, options.kubeconfig);
    return existsSync(file) ? { files: [file], label: `--kubeconfig ${file}` } : { missing: `kubeconfig ${file} does not exist` };
  }
  const list = ctx.env.KUBECONFIG;
  if (list && list.trim()) {
    const files = list
      .split(path.delimiter)
      .filter(Boolean)
      .map((f) => path.resolve(ctx.cwd, f));
    const present = files.filter((f) => existsSync(f));
    if (!present.length) return { missing: `no kubeconfig: none of the KUBECONFIG files exist (${files.join(', ')})` };
    return { files: present, label: `KUBECONFIG ${present.join(path.delimiter)}` };
  }
  const home = ctx.env.HOME || os.homedir();
  const def = path.join(home, '.kube', 'config');
  if (existsSync(def)) return { files: [def], label: def };
  const root = path.join(ctx.fsRoot, SERVICE_ACCOUNT);
  const host = ctx.env.KUBERNETES_SERVICE_HOST;
  const port = ctx.env.KUBERNETES_SERVICE_PORT;
  if (host && port && existsSync(path.join(root, 'token'))) return { files: [], label: `in-cluster service account (${root})`, inCluster: { host, port, root } };
  return { missing: 'no kubeconfig: set KUBECONFIG, pass --kubeconfig or create ~/.kube/config (and not running in a pod)' };
}

/** A kubeconfig file read by client-node, with an error that never quotes the file. */
function loadFile(KC: KubeConfigClass, file: string): KubeConfig {
  const kc = new KC();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    const err = e as { name?: string; mark?: { line?: number }; message?: string; code?: string };
    if (err.name === 'YAMLException') throw new Error(`kubeconfig ${file} is not valid YAML${err.mark?.line !== undefined ? ` (line ${err.mark.line + 1})` : ''}`);
    if (err.code === 'EACCES') throw new Error(`kubeconfig ${file} is not readable (permission denied)`);
    if (e instanceof TypeError) throw new Error(`kubeconfig ${file} is empty or not a kubeconfig`);
    // client-node's own validation: "clusters[0].cluster.server is missing" and the like.
    const msg = typeof err.message === 'string' && /^(clusters|users|contexts)\[\d+\][\w.]* is missing$/.test(err.message) ? err.message : 'cannot be read';
    throw new Error(`kubeconfig ${file}: ${msg}`);
  }
  return kc;
}

/** KUBECONFIG's merge rule: the first file to define a name wins; current-context from the first file that sets one. */
function merge(configs: KubeConfig[]): KubeConfig {
  const [first, ...rest] = configs;
  for (const kc of rest) {
    if (!first!.currentContext && kc.currentContext) first!.currentContext = kc.currentContext;
    for (const c of kc.clusters) if (!first!.clusters.some((x) => x.name === c.name)) first!.clusters.push(c);
    for (const u of kc.users) if (!first!.users.some((x) => x.name === u.name)) first!.users.push(u);
    for (const c of kc.contexts) if (!first!.contexts.some((x) => x.name === c.name)) first!.contexts.push(c);
  }
  return first!;
}

/**
 * Exec plugins are spawned by client-node; we hand it a spawn that remembers the children (to end
 * them when the budget runs out) and how they exited (for a reason that quotes nothing they printed).
 */
class ExecWatch {
  readonly children = new Set<ChildProcess>();
  command?: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null; error?: string };

  install(kc: KubeConfig): void {
    const authenticators = (kc as unknown as { authenticators?: { execFn?: unknown }[] }).authenticators ?? [];
    for (const a of authenticators) {
      if (!a || !('execFn' in a)) continue;
      a.execFn = (command: string, args: string[], opts: object) => {
        this.command = command;
        const child = spawn(command, args ?? [], { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
        this.children.add(child);
        child.on('error', (e: NodeJS.ErrnoException) => (this.exit = { code: null, signal: null, error: e.code ?? 'error' }));
        child.on('exit', (code, signal) => {
          this.children.delete(child);
          this.exit ??= { code, signal };
        });
        return child;
      };
    }
  }

  killAll(): void {
    for (const c of this.children) c.kill('SIGKILL');
    this.children.clear();
  }

  describeFailure(): string {
    const name = this.command ? `"${path.basename(this.command)}"` : '';
    if (this.exit?.error === 'ENOENT') return `exec credential plugin ${name} not found`;
    if (this.exit?.error) return `exec credential plugin ${name} could not run (${this.exit.error})`;
    if (this.exit && this.exit.code !== 0) {
      return `exec credential plugin ${name} failed (${this.exit.code !== null ? `exit code ${this.exit.code}` : `signal ${this.exit.signal}`})`;
    }
    return `exec credential plugin ${name} returned no usable ExecCredential`;
  }
}

function inClusterConfig(KC: KubeConfigClass, ic: { host: string; port: string; root: string }): { kc: KubeConfig; namespace?: string } {
  const kc = new KC();
  const scheme = ['80', '8080', '8001'].includes(ic.port) ? 'http' : 'https';
  const host = ic.host.includes(':') && !ic.host.startsWith('[') ? `[${ic.host}]` : ic.host;
  const cluster = { name: 'inCluster', server: `${scheme}://${host}:${ic.port}`, caFile: path.join(ic.root, 'ca.crt'), skipTLSVerify: false };
  const user = { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: path.join(ic.root, 'token') } } };
  let namespace: string | undefined;
  try {
    namespace = readFileSync(path.join(ic.root, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    /* no namespace file */
  }
  kc.loadFromOptions({
    clusters: [cluster],
    users: [user],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', ...(namespace ? { namespace } : {}) }],
    currentContext: 'inClusterContext',
  });
  return { kc, ...(namespace ? { namespace } : {}) };
}

function raceSignal<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort();
    return Promise.reject(new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

export async function connect(
  ctx: ProbeContext,
  options: KubernetesOptions,
  scrub: Scrubber,
  signal: AbortSignal,
  debug: (line: string) => void,
): Promise<ConnectResult> {
  const source = findSource(ctx, options);
  if ('missing' in source) return { ok: false, status: 'unavailable', reason: source.missing, partial: {} };
  debug(`configuration: ${source.label}`);

  const { KubeConfig: KC } = await import('./client-node.js');
  let kc: KubeConfig;
  let inClusterNamespace: string | undefined;
  try {
    if (source.inCluster) {
      ({ kc, namespace: inClusterNamespace } = inClusterConfig(KC, source.inCluster));
    } else {
      kc = merge(source.files.map((f) => loadFile(KC, f)));
    }
  } catch (e) {
    return { ok: false, status: 'unavailable', reason: scrub.line(e instanceof Error ? e.message : String(e)), partial: {} };
  }
  for (const u of kc.users) scrub.addUser(u);

  const contextName = options.context || kc.currentContext;
  if (!contextName) return { ok: false, status: 'unavailable', reason: 'the kubeconfig has no current-context: pass --context', partial: {} };
  const context: Context | null = kc.getContextObject(contextName);
  if (!context) {
    return { ok: false, status: 'unavailable', reason: `context "${contextName}" is not in the kubeconfig`, partial: { context: contextName } };
  }
  kc.setCurrentContext(contextName);
  const ns = resolveNamespace({ flag: options.namespace, spec: options.specNamespace, context: context.namespace ?? inClusterNamespace });
  const cluster: Cluster | null = kc.getCluster(context.cluster);
  const base: Partial<KubernetesFacts> = { context: contextName, namespace: ns.namespace, namespaceSource: ns.source };
  if (!cluster) {
    return { ok: false, status: 'unavailable', reason: `context "${contextName}" names cluster "${context.cluster}", which is not in the kubeconfig`, partial: base };
  }
  let user: User | null = kc.getUser(context.user);
  if (!user) {
    // client-node applies the cluster's CA only when there is a user: give it an empty one.
    user = { name: context.user || 'mlready-anonymous' };
    if (!context.user) (context as { user: string }).user = user.name;
    kc.users.push(user);
  }
  let url: URL;
  try {
    url = new URL(cluster.server);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
  } catch {
    return { ok: false, status: 'unavailable', reason: `cluster "${cluster.name}" has no valid https:// server URL`, partial: base };
  }
  const server = displayServer(cluster.server);
  const authMethod = authMethodOf(user, Boolean(source.inCluster));
  Object.assign(base, { server, authMethod, insecureSkipTlsVerify: cluster.skipTLSVerify === true });
  if (url.username || url.password) {
    scrub.add(decodeURIComponent(url.password));
    url.username = '';
    url.password = '';
  }

  // client-node refuses to build options for http:// servers unless TLS verification is off; for a
  // plain-HTTP server (kubectl proxy) TLS settings do not apply, so let it.
  if (url.protocol === 'http:' && !cluster.skipTLSVerify) (cluster as { skipTLSVerify: boolean }).skipTLSVerify = true;

  const exec = new ExecWatch();
  exec.install(kc);
  const opts: https.RequestOptions = {};
  try {
    await raceSignal(kc.applyToHTTPSOptions(opts), signal, () => exec.killAll());
  } catch (e) {
    exec.killAll();
    let reason: string;
    if (signal.aborted) reason = authMethod === 'exec' ? `${exec.describeFailure().replace(/ returned no usable ExecCredential$/, '')} did not answer in time` : 'timed out loading credentials';
    else if (authMethod === 'exec') reason = exec.describeFailure();
    else {
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ENOENT' || err.code === 'EACCES') reason = `${err.code === 'ENOENT' ? 'missing' : 'unreadable'} file named by the kubeconfig: ${err.path ?? ''}`.trim();
      else reason = `credentials could not be loaded: ${scrub.line(err.message ?? String(e))}`;
    }
    return { ok: false, status: 'unknown', reason: scrub.line(reason), partial: base };
  }
  scrub.add(opts.key as unknown);
  scrub.add(opts.passphrase);
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'mlready (kubernetes probe)' };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) continue;
    headers[k] = (Array.isArray(v) ? v.join(', ') : String(v)).trim();
  }
  if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
  scrub.addHeaders(headers);

  const tls = {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    servername: opts.servername,
    ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
  };
  // As kubectl: the kubeconfig's proxy-url (client-node's agent) first, else HTTPS_PROXY/NO_PROXY for an
  // https server that is not on loopback.
  let proxy: Proxy | undefined;
  if (!cluster.proxyUrl && url.protocol === 'https:') {
    try {
      proxy = envProxy({ tls: true, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), loopbackDirect: true }, ctx.env);
    } catch (e) {
      if (!(e instanceof ProxyConfigError)) throw e;
      exec.killAll();
      return { ok: false, status: 'unknown', reason: e.message, partial: base };
    }
  }
  let agent: http.Agent;
  if (cluster.proxyUrl && opts.agent) agent = opts.agent as http.Agent;
  else if (url.protocol === 'http:') agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  else if (proxy) agent = new TunnelAgent({ keepAlive: true, maxSockets: CONCURRENCY, ...tls }, proxy, ctx.timeoutMs);
  else agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ...tls });
  if (proxy) debug(`through ${proxy.variable} ${proxyAddress(proxy)}`);

  debug(`context ${contextName}, server ${server}, auth ${authMethod}, namespace ${ns.namespace} (${ns.source})`);
  return {
    ok: true,
    conn: {
      url,
      server,
      context: contextName,
      namespace: ns.namespace,
      namespaceSource: ns.source,
      authMethod,
      insecureSkipTlsVerify: cluster.skipTLSVerify === true && url.protocol === 'https:',
      agent,
      ...(proxy ? { proxy: proxyAddress(proxy) } : {}),
      headers,
      source: source.label,
      close: () => {
        exec.killAll();
        agent.destroy();
      },
    },
  };
}

/**
 * An https.Agent whose sockets are TLS over a CONNECT tunnel through an HTTP proxy (HTTPS_PROXY). Node's
 * Agent takes a connection from a callback; the TLS options (CA, client certificate, servername) are the
 * agent's own, applied to the tunnelled socket.
 */
class TunnelAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly proxy: Proxy,
    private readonly timeoutMs: number,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const opts = options as tls.ConnectionOptions & { host?: string; port?: number };
    const host = (opts.host ?? 'localhost').replace(/^\[|\]$/g, '');
    openTunnel(this.proxy, hostPort(host, Number(opts.port ?? 443)), this.timeoutMs).then(
      (socket) => callback?.(null, tls.connect({ ...opts, socket, ...(opts.servername || net.isIP(host) ? {} : { servername: host }) })),
      (e: Error) => callback?.(e, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
