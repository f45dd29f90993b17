/**
 * Maps the engine's `GET /info` and `GET /version` answers to facts. Pure functions, no I/O.
 *
 * Engines from API 1.22 (2016) to today, Windows daemons and Podman's Docker-compatible API all pass
 * through here, so every field is optional: a field that is absent, null, an empty string or an
 * empty map is left out of the facts, never guessed. Arrays the engine did send (even empty) are kept:
 * `registryMirrors: []` says "no mirror configured", which is a fact.
 */
import type { DockerFacts } from '../../facts/schema.js';

type Json = Record<string, unknown>;

/** The part of the facts that /info and /version decide. */
export type EngineFacts = Omit<DockerFacts, 'status' | 'reason' | 'endpoint' | 'daemonConfig' | 'logOptions' | 'exposedWithoutTls' | 'exposedWithoutTlsEvidence' | 'dataRootFreeBytes'>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);
const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()) : undefined;

/** Sets `out[key]` only when `value` is defined. */
function put<T extends object, K extends keyof T>(out: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) out[key] = value;
}

/**
 * `docker version --format '{{json .}}'` wraps the server's answer as `{Client, Server}`; the API
 * answers the server part directly. Accept both.
 */
export function serverVersionDoc(version: unknown): Json | undefined {
  if (!isObject(version)) return undefined;
  if (isObject(version.Server) && ('Client' in version || !('ApiVersion' in version))) return version.Server;
  return version;
}

/** Podman speaks the Docker API; it names itself in /version's components or platform. */
export function detectEngine(version: unknown): 'docker' | 'podman' {
  const server = serverVersionDoc(version);
  if (!server) return 'docker';
  const components = Array.isArray(server.Components) ? server.Components : [];
  if (components.some((c) => isObject(c) && typeof c.Name === 'string' && /podman/i.test(c.Name))) return 'podman';
  const platform = isObject(server.Platform) ? str(server.Platform.Name) : undefined;
  if (platform && /podman/i.test(platform)) return 'podman';
  return 'docker';
}

/**
 * A proxy URL as it may be shown: credentials (`user:password@`) replaced by `***@`. Parsed with the
 * WHATWG URL parser; a value without a scheme is parsed as http:// and printed without one.
 */
export function redactProxyUrl(value: string): string {
  const v = value.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v);
  const schemeEnd = hasScheme ? v.indexOf('://') + 3 : 0;
  // Whatever the parser makes of it, nothing before the last "@" goes through.
  const crude = () => `${v.slice(0, schemeEnd)}***@${v.slice(v.lastIndexOf('@') + 1)}`;
  let u: URL;
  try {
    u = new URL(hasScheme ? v : `http://${v}`);
  } catch {
    return v.includes('@') ? crude() : v;
  }
  if (!u.username && !u.password) return v.includes('@') ? crude() : v;
  // Keep the rest of the value as the user wrote it; only the userinfo goes.
  const rest = v.slice(schemeEnd);
  const end = rest.search(/[/?#]/);
  const authority = end >= 0 ? rest.slice(0, end) : rest;
  return `${v.slice(0, schemeEnd)}***@${authority.slice(authority.lastIndexOf('@') + 1)}${end >= 0 ? rest.slice(end) : ''}`;
}

/** Option names in SecurityOptions: "name=seccomp,profile=default" → "seccomp"; old engines list bare names. */
export function securityOptionNames(options: string[]): string[] {
  return options.map((o) => {
    const first = o.split(',')[0]!.trim();
    return first.startsWith('name=') ? first.slice('name='.length) : first;
  });
}

function driverStatusValue(info: Json, key: string): string | undefined {
  if (!Array.isArray(info.DriverStatus)) return undefined;
  for (const pair of info.DriverStatus) {
    if (Array.isArray(pair) && pair[0] === key) return str(pair[1]);
  }
  return undefined;
}

function insecureRegistries(registry: Json): string[] | undefined {
  const cidrs = strings(registry.InsecureRegistryCIDRs);
  const indexes = isObject(registry.IndexConfigs) ? registry.IndexConfigs : undefined;
  if (cidrs === undefined && indexes === undefined) return undefined;
  const out = [...(cidrs ?? [])];
  for (const [name, config] of Object.entries(indexes ?? {})) {
    if (isObject(config) && config.Secure === false) {
      const n = str(config.Name) ?? name;
      if (!out.includes(n)) out.push(n);
    }
  }
  return out;
}

function registryMirrors(registry: Json): string[] | undefined {
  const direct = strings(registry.Mirrors);
  if (direct !== undefined) return direct;
  // Some engines only list the mirrors under the docker.io index.
  const hub = isObject(registry.IndexConfigs) && isObject(registry.IndexConfigs['docker.io']) ? registry.IndexConfigs['docker.io'] : undefined;
  return hub ? strings(hub.Mirrors) : undefined;
}

function swarmFacts(swarm: unknown): EngineFacts['swarm'] {
  if (!isObject(swarm)) return undefined;
  const state = str(swarm.LocalNodeState);
  if (!state) return undefined;
  const out: NonNullable<EngineFacts['swarm']> = { state };
  const control = bool(swarm.ControlAvailable);
  put(out, 'controlAvailable', control);
  if (control === true) {
    // Nodes and Managers are only reported to managers; to workers they read 0.
    put(out, 'nodes', positive(swarm.Nodes) !== undefined ? count(swarm.Nodes) : undefined);
    put(out, 'managers', positive(swarm.Managers) !== undefined ? count(swarm.Managers) : undefined);
  }
  put(out, 'nodeId', str(swarm.NodeID));
  put(out, 'nodeAddr', str(swarm.NodeAddr));
  return out;
}

/**
 * Facts from `/info` (required) and `/version` (optional: an engine that answered /info but not
 * /version still has its facts mapped). Keys come out in the schema's order.
 */
export function mapEngineFacts(infoDoc: unknown, versionDoc?: unknown): EngineFacts {
  const info: Json = isObject(infoDoc) ? infoDoc : {};
  const version = serverVersionDoc(versionDoc) ?? {};
  const engineComponent = Array.isArray(version.Components)
    ? (version.Components.find((c) => isObject(c) && c.Name === 'Engine') as Json | undefined)
    : undefined;
  const engineDetails = engineComponent && isObject(engineComponent.Details) ? engineComponent.Details : {};
  const out: EngineFacts = { engine: detectEngine(versionDoc) };

  put(out, 'serverVersion', str(info.ServerVersion) ?? str(version.Version));
  put(out, 'apiVersion', str(version.ApiVersion) ?? str(engineDetails.ApiVersion));
  put(out, 'minApiVersion', str(version.MinAPIVersion) ?? str(engineDetails.MinAPIVersion));
  put(out, 'os', str(info.OSType) ?? str(version.Os));
  put(out, 'arch', str(info.Architecture));
  put(out, 'kernelVersion', str(info.KernelVersion) ?? str(version.KernelVersion));
  put(out, 'operatingSystem', str(info.OperatingSystem));
  put(out, 'ncpu', positive(info.NCPU) !== undefined ? count(info.NCPU) : undefined);
  put(out, 'memTotalBytes', positive(info.MemTotal));
  put(out, 'storageDriver', str(info.Driver));
  put(out, 'backingFilesystem', driverStatusValue(info, 'Backing Filesystem'));
  const cgroupVersion = str(typeof info.CgroupVersion === 'number' ? String(info.CgroupVersion) : info.CgroupVersion);
  put(out, 'cgroupVersion', cgroupVersion);
  put(out, 'cgroupDriver', str(info.CgroupDriver));
  if (isObject(info.Runtimes) && Object.keys(info.Runtimes).length > 0) out.runtimes = Object.keys(info.Runtimes).sort();
  put(out, 'defaultRuntime', str(info.DefaultRuntime));
  if (Array.isArray(info.DiscoveredDevices)) {
    out.cdiDevices = info.DiscoveredDevices.filter((d): d is Json => isObject(d) && d.Source === 'cdi')
      .map((d) => str(d.ID))
      .filter((id): id is string => id !== undefined);
  }
  put(out, 'cdiSpecDirs', strings(info.CDISpecDirs));
  const security = strings(info.SecurityOptions);
  if (security !== undefined) {
    const names = securityOptionNames(security);
    out.rootless = names.includes('rootless');
    out.userNamespaces = names.includes('userns');
    out.securityOptions = security;
  }
  put(out, 'dataRoot', str(info.DockerRootDir));
  put(out, 'loggingDriver', str(info.LoggingDriver));
  put(out, 'liveRestore', bool(info.LiveRestoreEnabled));
  if (isObject(info.RegistryConfig)) {
    put(out, 'registryMirrors', registryMirrors(info.RegistryConfig));
    put(out, 'insecureRegistries', insecureRegistries(info.RegistryConfig));
  }
  const httpProxy = str(info.HttpProxy);
  const httpsProxy = str(info.HttpsProxy);
  put(out, 'httpProxy', httpProxy !== undefined ? redactProxyUrl(httpProxy) : undefined);
  put(out, 'httpsProxy', httpsProxy !== undefined ? redactProxyUrl(httpsProxy) : undefined);
  put(out, 'noProxy', str(info.NoProxy));
  put(out, 'swarm', swarmFacts(info.Swarm));
  put(out, 'images', count(info.Images));
  put(out, 'containers', count(info.Containers));
  put(out, 'containersRunning', count(info.ContainersRunning));
  put(out, 'warnings', strings(info.Warnings));
  return out;
}
