/**
 * What the daemon's own configuration says, for a local engine: which dockerd serves the socket we
 * talk to (from `/proc/<pid>/cmdline`), its configuration file (`--config-file`, else
 * `/etc/docker/daemon.json`, or `~/.config/docker/daemon.json` for rootless), and whether the API is
 * exposed on TCP without TLS. None of this is in /info. No subprocess is started: /proc and the
 * files are read directly, in parallel with the API calls.
 */
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { DockerFacts } from '../../facts/schema.js';
import { DEFAULT_SOCKET, dockerConfigDir, homeDir, type Transport } from './endpoint.js';

export type DaemonConfigFacts = NonNullable<DockerFacts['daemonConfig']>;

/** The interesting part of a dockerd command line. */
export interface DockerdArgs {
  hosts: string[];
  configFile?: string;
  tls: boolean;
  logOpts: Record<string, string>;
}

export interface DockerdProcess {
  pid: number;
  args: DockerdArgs;
}

/** Parses dockerd's flags (`-H x`, `--host=x`, `--config-file x`, `--tlsverify`, `--log-opt k=v`…). */
export function parseDockerdArgs(argv: string[]): DockerdArgs {
  const out: DockerdArgs = { hosts: [], tls: false, logOpts: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '-H' || flag === '--host') {
      const v = value();
      if (v) out.hosts.push(v);
    } else if (flag.startsWith('-H') && flag.length > 2 && !flag.startsWith('--')) {
      out.hosts.push(flag.slice(2).replace(/^=/, ''));
    } else if (flag === '--config-file') {
      const v = value();
      if (v) out.configFile = v;
    } else if (flag === '--tls' || flag === '--tlsverify') {
      // Boolean flags take an inline value only (--tlsverify=false).
      if (inline === undefined || /^(true|1)$/i.test(inline)) out.tls = true;
    } else if (flag === '--log-opt') {
      const v = value();
      const eq = v?.indexOf('=') ?? -1;
      if (v && eq > 0) out.logOpts[v.slice(0, eq)] = v.slice(eq + 1);
    }
  }
  return out;
}

/** unix:///run/x and unix:///var/run/x name the same socket on every distribution. */
function normalizeSocket(p: string): string {
  return path.posix.normalize(p).replace(/^\/var\/run\//, '/run/');
}

/** A listener of dockerd (`-H` / `hosts`) that is TCP: tcp://, or a bare host:port. */
export function isTcpListener(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (/^(unix|fd|npipe|ssh):\/\//.test(h)) return false;
  return h.startsWith('tcp://') || h.startsWith('http://') || /^[^/]*:\d*$/.test(h);
}

function listenerPort(host: string): number | undefined {
  const m = /:(\d+)\/?$/.exec(host.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Which of the running dockerds serves `transport`: the one listening on that socket (or port), or,
 * for the default socket, the only one started without `-H` (or with systemd's `-H fd://`).
 */
export function matchDockerd(processes: DockerdProcess[], transport: Transport, env: NodeJS.ProcessEnv): DockerdProcess | undefined {
  if (transport.kind === 'unix') {
    const target = normalizeSocket(transport.socketPath);
    const exact = processes.find((p) => p.args.hosts.some((h) => h.startsWith('unix://') && normalizeSocket(h.slice(7) || DEFAULT_SOCKET) === target));
    if (exact) return exact;
    const defaults = [normalizeSocket(DEFAULT_SOCKET)];
    if (env.XDG_RUNTIME_DIR) defaults.push(normalizeSocket(path.join(env.XDG_RUNTIME_DIR, 'docker.sock')));
    // Started without -H, or with -H fd:// (systemd socket activation of docker.socket, /run/docker.sock).
    const bare = processes.filter((p) => p.args.hosts.length === 0 || p.args.hosts.some((h) => h.startsWith('fd://')));
    return defaults.includes(target) && bare.length === 1 ? bare[0] : undefined;
  }
  if (transport.kind === 'tcp') {
    return processes.find((p) => p.args.hosts.some((h) => isTcpListener(h) && listenerPort(h) === transport.port));
  }
  return undefined;
}

/** The dockerd with this pid, or undefined when that process is something else (or gone, or hidden). */
async function readDockerd(procRoot: string, pid: string): Promise<DockerdProcess | undefined> {
  try {
    const comm = (await readFile(path.join(procRoot, pid, 'comm'), 'utf8')).trim();
    if (comm !== 'dockerd') return undefined;
    const argv = (await readFile(path.join(procRoot, pid, 'cmdline'), 'utf8')).split('\0').filter(Boolean);
    return { pid: Number(pid), args: parseDockerdArgs(argv.slice(1)) };
  } catch {
    return undefined;
  }
}

/** Running dockerd processes, from /proc (Linux only; empty elsewhere or when /proc cannot be read). */
export async function findDockerds(procRoot: string): Promise<DockerdProcess[]> {
  let entries: string[];
  try {
    entries = (await readdir(procRoot)).filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  const found = await Promise.all(entries.map((pid) => readDockerd(procRoot, pid)));
  return found.filter((p): p is DockerdProcess => p !== undefined);
}

/**
 * The dockerd serving `transport`. The default pidfiles (/var/run/docker.pid, and
 * $XDG_RUNTIME_DIR/docker.pid for rootless) are tried first, which is three small reads; only when
 * they do not lead to it is all of /proc scanned (a dockerd started with its own --pidfile).
 */
export async function findDockerdFor(fsRoot: string, transport: Transport, env: NodeJS.ProcessEnv): Promise<DockerdProcess | undefined> {
  const procRoot = path.join(fsRoot, 'proc');
  const pidfiles = [path.join(fsRoot, 'var', 'run', 'docker.pid')];
  if (env.XDG_RUNTIME_DIR) pidfiles.push(path.join(env.XDG_RUNTIME_DIR, 'docker.pid'));
  for (const file of pidfiles) {
    const pid = await readFile(file, 'utf8').then((t) => t.trim(), () => '');
    if (!/^\d+$/.test(pid)) continue;
    const p = await readDockerd(procRoot, pid);
    if (p && matchDockerd([p], transport, env)) return p;
  }
  return matchDockerd(await findDockerds(procRoot), transport, env);
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Docker's RAMInBytes: "64m", "1g", "128M", "1.5GiB", "65536" (binary multiples). */
export function parseRamInBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?(?:i?b)?$/i.exec(value.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? '').toLowerCase()]!);
}

/** The parts of a daemon.json mlready reports, and what it needs to tell whether TCP is exposed. */
export interface ParsedDaemonConfig {
  logOpts?: Record<string, string>;
  defaultUlimits?: Record<string, { soft: number; hard: number }>;
  defaultShmSizeBytes?: number;
  hosts?: string[];
  tls: boolean;
}

export function parseDaemonConfig(text: string): { ok: true; config: ParsedDaemonConfig } | { ok: false; reason: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (e) {
    return { ok: false, reason: `not valid JSON: ${(e as Error).message.split('\n')[0]}` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'not a JSON object' };
  const d = doc as Record<string, unknown>;
  const config: ParsedDaemonConfig = { tls: d.tls === true || d.tlsverify === true };
  const logOpts = d['log-opts'];
  if (typeof logOpts === 'object' && logOpts !== null && !Array.isArray(logOpts)) {
    config.logOpts = {};
    for (const [k, v] of Object.entries(logOpts)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') config.logOpts[k] = String(v);
    }
  }
  const ulimits = d['default-ulimits'];
  if (typeof ulimits === 'object' && ulimits !== null && !Array.isArray(ulimits)) {
    const out: Record<string, { soft: number; hard: number }> = {};
    for (const [name, u] of Object.entries(ulimits)) {
      if (typeof u !== 'object' || u === null) continue;
      const { Soft, Hard } = u as { Soft?: unknown; Hard?: unknown };
      if (typeof Soft === 'number' && typeof Hard === 'number') out[name] = { soft: Soft, hard: Hard };
    }
    if (Object.keys(out).length > 0) config.defaultUlimits = out;
  }
  const shm = parseRamInBytes(d['default-shm-size']);
  if (shm !== undefined) config.defaultShmSizeBytes = shm;
  if (Array.isArray(d.hosts)) config.hosts = d.hosts.filter((h): h is string => typeof h === 'string');
  return { ok: true, config };
}

export type ConfigRead = { path: string; status: 'ok'; config: ParsedDaemonConfig } | { path: string; status: 'absent' } | { path: string; status: 'unknown'; reason: string };

export async function readDaemonConfig(file: string): Promise<ConfigRead> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path: file, status: 'absent' };
    if (code === 'EACCES' || code === 'EPERM') return { path: file, status: 'unknown', reason: `permission denied reading ${file}` };
    return { path: file, status: 'unknown', reason: `could not read ${file} (${code ?? 'error'})` };
  }
  const parsed = parseDaemonConfig(text);
  return parsed.ok ? { path: file, status: 'ok', config: parsed.config } : { path: file, status: 'unknown', reason: `${file} is ${parsed.reason}` };
}

/** The daemon configuration files a local engine may use. */
export function configCandidates(fsRoot: string, env: NodeJS.ProcessEnv): { system: string; rootless: string; desktop: string } {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return {
    system: path.join(fsRoot, 'etc', 'docker', 'daemon.json'),
    rootless: path.join(xdg || path.join(homeDir(env), '.config'), 'docker', 'daemon.json'),
    // Docker Desktop keeps the engine's configuration (Settings → Docker Engine) on the host.
    desktop: path.join(dockerConfigDir(env), 'daemon.json'),
  };
}

export interface ConfigReads {
  /** --config-file of the dockerd serving our socket */
  explicit?: ConfigRead;
  system?: ConfigRead;
  rootless?: ConfigRead;
  desktop?: ConfigRead;
}

/**
 * The configuration file of the engine that answered: the running dockerd's --config-file, Docker
 * Desktop's, the rootless one, else /etc/docker/daemon.json (the last two on Linux only).
 */
export function chooseConfig(reads: ConfigReads, engine: { operatingSystem?: string; rootless?: boolean }): ConfigRead | undefined {
  if (reads.explicit) return reads.explicit;
  if (engine.operatingSystem === 'Docker Desktop') return reads.desktop;
  return engine.rootless ? reads.rootless : reads.system;
}

/**
 * Whether something answers the Docker API in clear text on 127.0.0.1:2375: a TCP connect and
 * `GET /_ping` expecting `200 OK`, all within `timeoutMs`. Leaves no handle behind.
 */
export function pingPlainTcp(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    let data = '';
    const socket = net.connect({ host, port });
    const finish = (answer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(answer);
    };
    const onAbort = () => finish(false);
    const timer = setTimeout(() => finish(false), timeoutMs);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.unref();
    socket.setEncoding('latin1');
    socket.on('connect', () => socket.write(`GET /_ping HTTP/1.0\r\nHost: ${host}:${port}\r\n\r\n`));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.length > 4096) finish(false);
    });
    socket.on('end', () => finish(/^HTTP\/1\.[01] 200\b/.test(data) && /\r\n\r\nOK\s*$/.test(data)));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(/^HTTP\/1\.[01] 200\b/.test(data) && /\r\n\r\nOK\s*$/.test(data)));
  });
}

export interface Exposure {
  exposed: boolean;
  evidence: string;
}

/**
 * Decides `exposedWithoutTls` from what is known: how we connected ourselves, the daemon's TCP
 * listeners (configuration file `hosts` and command line `-H`) and their TLS settings, and the
 * 127.0.0.1:2375 check. True when any of them shows a clear-text TCP listener; false when none does;
 * undefined for a remote engine reached over TLS or ssh (its listeners cannot be seen from here).
 */
export function decideExposure(input: {
  engine?: 'docker' | 'podman';
  transport: Transport;
  local: boolean;
  configRead?: ConfigRead;
  dockerd?: DockerdProcess;
  plain2375: boolean | undefined;
}): Exposure | undefined {
  const { transport, configRead, dockerd } = input;
  if (transport.kind === 'tcp' && !transport.tls) {
    return { exposed: true, evidence: `mlready itself reached the API over tcp://${transport.hostname}:${transport.port} without TLS` };
  }
  if (!input.local) return undefined;
  const config = configRead?.status === 'ok' ? configRead.config : undefined;
  const tls = (config?.tls ?? false) || (dockerd?.args.tls ?? false);
  const fileTcp = (config?.hosts ?? []).filter(isTcpListener);
  const cmdTcp = (dockerd?.args.hosts ?? []).filter(isTcpListener);
  if (!tls && fileTcp.length > 0) {
    return { exposed: true, evidence: `${configRead!.path} "hosts" has ${fileTcp.join(', ')} without tls/tlsverify` };
  }
  if (!tls && cmdTcp.length > 0) {
    return { exposed: true, evidence: `dockerd (pid ${dockerd!.pid}) listens on ${cmdTcp.join(', ')} without --tlsverify` };
  }
  if (input.plain2375) return { exposed: true, evidence: 'GET /_ping on 127.0.0.1:2375 answered OK without TLS' };
  const parts: string[] = [];
  if (configRead) {
    if (configRead.status === 'ok') parts.push(fileTcp.length ? `${configRead.path} "hosts" ${fileTcp.join(', ')} use TLS` : `${configRead.path} has no tcp:// host`);
    else parts.push(`${configRead.path} ${configRead.status === 'absent' ? 'is absent' : 'could not be read'}`);
  }
  if (dockerd) parts.push(cmdTcp.length ? `dockerd (pid ${dockerd.pid}) -H ${cmdTcp.join(', ')} use TLS` : `dockerd (pid ${dockerd.pid}) has no tcp:// -H`);
  else if (input.engine !== 'podman') parts.push('the dockerd command line was not found');
  if (input.plain2375 === false) parts.push('nothing answered GET /_ping on 127.0.0.1:2375 within 200 ms');
  return { exposed: false, evidence: parts.join('; ') };
}
