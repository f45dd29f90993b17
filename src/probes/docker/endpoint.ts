/**
 * Which engine to talk to, decided the way the docker CLI decides it, from the environment the user
 * ran mlready with (never `process.env` directly, so tests can pass their own):
 *
 *   1. `DOCKER_HOST` (unix://, tcp://, ssh://, npipe://), with `DOCKER_TLS_VERIFY` / `DOCKER_TLS` /
 *      `DOCKER_CERT_PATH` for TCP;
 *   2. the current context: `DOCKER_CONTEXT`, else `currentContext` in `$DOCKER_CONFIG/config.json`
 *      (or `~/.docker/config.json`); its metadata is in `<config dir>/contexts/meta/<sha256 of name>/meta.json`
 *      and its TLS material in `<config dir>/contexts/tls/<sha256 of name>/docker/`. The context
 *      "default" is no context at all: the sockets below;
 *   3. the rootless socket `$XDG_RUNTIME_DIR/docker.sock`, when it exists;
 *   4. the default socket `/var/run/docker.sock` (the `docker_engine` named pipe on Windows).
 *
 * Only `currentContext` is read from config.json: `auths`, `credsStore` and `credHelpers` are never
 * looked at. TLS files are read here into buffers for the connection; neither their content nor the
 * paths of keys ever reach the facts (the endpoint facts only say `tls: true`).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DockerEndpointFacts } from '../../facts/schema.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';
export const DEFAULT_NPIPE = '//./pipe/docker_engine';

/** TLS material for the connection. Lives only in memory; never copied into facts. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Verify the server certificate (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  verify: boolean;
}

export type Transport =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'npipe'; socketPath: string }
  | { kind: 'tcp'; hostname: string; port: number; tls?: TlsMaterial }
  | { kind: 'ssh'; hostname: string; port: number; username?: string };

export interface Endpoint {
  facts: DockerEndpointFacts;
  transport: Transport;
}

export type EndpointResult = { ok: true; endpoint: Endpoint } | { ok: false; reason: string; facts?: DockerEndpointFacts };

export interface ResolveOptions {
  /** `process.platform` unless a test says otherwise. */
  platform?: NodeJS.Platform;
}

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

export function homeDir(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.HOME) ?? nonEmpty(env.USERPROFILE) ?? os.homedir();
}

/** The docker CLI configuration directory: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.DOCKER_CONFIG) ?? path.join(homeDir(env), '.docker');
}

/** Directory name of a context in the docker CLI's store: the hex SHA-256 of its name. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** Loopback names and addresses: an engine reached through them runs on this host. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '0.0.0.0' || h === '::';
}

/** A host URL as it may be shown: any password in it replaced by `***`. */
function displayUrl(u: URL, scheme: string, defaultPort: number): string {
  const user = u.username ? `${decodeURIComponent(u.username)}${u.password ? ':***' : ''}@` : '';
  const port = u.port || String(defaultPort);
  return `${scheme}://${user}${u.hostname}:${port}`;
}

interface TlsSettings {
  /** Use TLS at all. */
  enabled: boolean;
  verify: boolean;
  /** Directory holding ca.pem, cert.pem, key.pem. */
  dir?: string;
  /** How the directory is named in a reason (never its path: it holds a key). */
  dirLabel: string;
  /** ca.pem must be there (verification with the CLI's files). */
  requireCa: boolean;
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function loadTls(settings: TlsSettings): Promise<{ ok: true; tls: TlsMaterial } | { ok: false; reason: string }> {
  const tls: TlsMaterial = { verify: settings.verify };
  if (!settings.dir) return { ok: true, tls };
  try {
    const [ca, cert, key] = await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => readOptional(path.join(settings.dir!, f))));
    if (ca) tls.ca = ca;
    if (cert && key) {
      tls.cert = cert;
      tls.key = key;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, reason: `could not read the TLS files in ${settings.dirLabel} (${code})` };
  }
  if (settings.requireCa && !tls.ca) return { ok: false, reason: `TLS verification is on but ${settings.dirLabel} has no ca.pem` };
  return { ok: true, tls };
}

/**
 * Parses a Docker host URL (DOCKER_HOST or a context's Endpoints.docker.Host) into a transport.
 * `tls` applies to tcp:// only.
 */
export async function parseHost(
  raw: string,
  source: string,
  context: string | undefined,
  tlsSettings: TlsSettings | undefined,
): Promise<EndpointResult> {
  const value = raw.trim();
  const lower = value.toLowerCase();
  const base = (host: string, tls: boolean, local: boolean): DockerEndpointFacts => ({
    host,
    source,
    ...(context !== undefined ? { context } : {}),
    tls,
    local,
  });

  if (lower.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length) || DEFAULT_SOCKET;
    return { ok: true, endpoint: { facts: base(`unix://${socketPath}`, false, true), transport: { kind: 'unix', socketPath } } };
  }
  if (lower.startsWith('npipe://')) {
    const socketPath = value.slice('npipe://'.length) || DEFAULT_NPIPE;
    return { ok: true, endpoint: { facts: base(`npipe://${socketPath}`, false, true), transport: { kind: 'npipe', socketPath } } };
  }
  // The CLI accepts "host:port" without a scheme and reads it as tcp.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `tcp://${value}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    return { ok: false, reason: `${source} is not a valid Docker host URL (expected unix://, tcp://, ssh:// or npipe://)` };
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'ssh') {
    if (!u.hostname) return { ok: false, reason: `${source} names no host to reach over ssh` };
    const port = u.port ? Number(u.port) : 22;
    const facts = base(displayUrl(u, 'ssh', 22), false, false);
    return {
      ok: true,
      endpoint: {
        facts,
        transport: { kind: 'ssh', hostname: u.hostname, port, ...(u.username ? { username: decodeURIComponent(u.username) } : {}) },
      },
    };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    if (!u.hostname) return { ok: false, reason: `${source} names no host` };
    const useTls = scheme === 'https' || (tlsSettings?.enabled ?? false);
    const defaultPort = useTls ? 2376 : 2375;
    const port = u.port ? Number(u.port) : defaultPort;
    const hostname = u.hostname.replace(/^\[|\]$/g, '');
    const facts = base(`tcp://${u.hostname}:${port}`, useTls, isLoopbackHost(hostname));
    if (!useTls) return { ok: true, endpoint: { facts, transport: { kind: 'tcp', hostname, port } } };
    const loaded = await loadTls(tlsSettings ?? { enabled: true, verify: true, dirLabel: 'the TLS directory', requireCa: false });
    if (!loaded.ok) return { ok: false, reason: loaded.reason, facts };
    return { ok: true, endpoint: { facts, transport: { kind: 'tcp', hostname, port, tls: loaded.tls } } };
  }
  return { ok: false, reason: `${source} uses the unsupported scheme "${scheme}://" (expected unix://, tcp://, ssh:// or npipe://)` };
}

/** The context the user selected, and where that choice came from; undefined when none. */
async function currentContext(env: NodeJS.ProcessEnv): Promise<{ name: string; from: string } | undefined> {
  const fromEnv = nonEmpty(env.DOCKER_CONTEXT);
  if (fromEnv) return { name: fromEnv, from: 'DOCKER_CONTEXT' };
  const file = path.join(dockerConfigDir(env), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    // Only currentContext is taken; credentials in the same file are never looked at.
    const parsed = JSON.parse(text) as unknown;
    const name = parsed && typeof parsed === 'object' ? (parsed as { currentContext?: unknown }).currentContext : undefined;
    return typeof name === 'string' && name.trim() ? { name: name.trim(), from: 'config.json' } : undefined;
  } catch {
    return undefined; // the CLI warns and goes on with the default context
  }
}

async function isSocket(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isSocket();
  } catch {
    return false;
  }
}

async function fromContext(env: NodeJS.ProcessEnv, name: string, from: string): Promise<EndpointResult> {
  const source = `context "${name}"`;
  const configDir = dockerConfigDir(env);
  const dirName = contextDirName(name);
  const metaFile = path.join(configDir, 'contexts', 'meta', dirName, 'meta.json');
  let meta: unknown;
  try {
    meta = JSON.parse(await readFile(metaFile, 'utf8')) as unknown;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: `context "${name}" (from ${from}) not found: no ${metaFile}` };
    return { ok: false, reason: `could not read the metadata of context "${name}" (${code ?? 'not valid JSON'})` };
  }
  const docker = (meta as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } } | null)?.Endpoints?.docker;
  const host = typeof docker?.Host === 'string' ? docker.Host.trim() : '';
  if (!host) return { ok: false, reason: `context "${name}" has no Docker endpoint (Endpoints.docker.Host)` };
  const skipVerify = docker?.SkipTLSVerify === true;
  const tlsDir = path.join(configDir, 'contexts', 'tls', dirName, 'docker');
  // As the CLI does: TLS when the context holds TLS files or skips verification; verify unless skipped.
  const hasTlsFiles = (await Promise.all(['ca.pem', 'cert.pem', 'key.pem'].map((f) => stat(path.join(tlsDir, f)).then(() => true, () => false)))).some(Boolean);
  return parseHost(host, source, name, {
    enabled: hasTlsFiles || skipVerify,
    verify: !skipVerify,
    ...(hasTlsFiles ? { dir: tlsDir } : {}),
    dirLabel: `the TLS store of context "${name}"`,
    requireCa: false,
  });
}

/** Decides which engine to talk to. Never throws. */
export async function resolveEndpoint(env: NodeJS.ProcessEnv, options: ResolveOptions = {}): Promise<EndpointResult> {
  const platform = options.platform ?? process.platform;
  try {
    const dockerHost = nonEmpty(env.DOCKER_HOST);
    if (dockerHost) {
      const verify = nonEmpty(env.DOCKER_TLS_VERIFY) !== undefined;
      const enabled = verify || nonEmpty(env.DOCKER_TLS) !== undefined;
      const certPath = nonEmpty(env.DOCKER_CERT_PATH);
      return await parseHost(dockerHost, 'DOCKER_HOST', undefined, {
        enabled,
        verify,
        dir: certPath ?? dockerConfigDir(env),
        dirLabel: certPath ? 'DOCKER_CERT_PATH' : 'the docker configuration directory',
        requireCa: verify,
      });
    }

    const selected = await currentContext(env);
    if (selected && selected.name !== 'default') return await fromContext(env, selected.name, selected.from);
    const context = selected ? { context: 'default' } : {};

    if (platform === 'win32') {
      return {
        ok: true,
        endpoint: {
          facts: { host: `npipe://${DEFAULT_NPIPE}`, source: 'default socket', ...context, tls: false, local: true },
          transport: { kind: 'npipe', socketPath: DEFAULT_NPIPE },
        },
      };
    }
    const runtimeDir = nonEmpty(env.XDG_RUNTIME_DIR);
    if (runtimeDir) {
      const rootless = path.join(runtimeDir, 'docker.sock');
      if (await isSocket(rootless)) {
        return {
          ok: true,
          endpoint: {
            facts: { host: `unix://${rootless}`, source: 'rootless socket', ...context, tls: false, local: true },
            transport: { kind: 'unix', socketPath: rootless },
          },
        };
      }
    }
    return {
      ok: true,
      endpoint: {
        facts: { host: `unix://${DEFAULT_SOCKET}`, source: 'default socket', ...context, tls: false, local: true },
        transport: { kind: 'unix', socketPath: DEFAULT_SOCKET },
      },
    };
  } catch (e) {
    return { ok: false, reason: `could not decide which Docker engine to use: ${(e as Error).message.split('\n')[0]}` };
  }
}
