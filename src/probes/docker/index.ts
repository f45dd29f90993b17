/**
 * The Docker probe: `runtime.docker` of the facts document.
 *
 *   endpoint.ts  which engine to talk to (DOCKER_HOST, context, rootless socket, default socket)
 *   info.ts      /info + /version → facts (pure)
 *   daemon.ts    daemon.json, the dockerd command line, TCP exposure (local engines)
 *   errors.ts    failures → status + one-line reason
 *
 * /info and /version are asked concurrently through dockerode; the daemon configuration, the
 * /proc scan and the 127.0.0.1:2375 check run at the same time. Everything is bounded by a deadline
 * a little inside the probe's budget: at the deadline the requests are aborted, the connections
 * destroyed (a private http.Agent, destroyed on the way out), and `unknown` is returned, so no
 * socket keeps the process alive after the probe returns. Never throws; never starts a subprocess.
 */
import path from 'node:path';
import { errorMessage, type ProbeContext } from '../context.js';
import type { DockerFacts } from '../../facts/schema.js';
import type { Endpoint } from './endpoint.js';
import { withEngine } from './client.js';
import { mapEngineFacts } from './info.js';
import {
  configCandidates,
  decideExposure,
  findDockerdFor,
  pingPlainTcp,
  chooseConfig,
  readDaemonConfig,
  type ConfigReads,
  type DockerdProcess,
} from './daemon.js';
import { describeFailure } from './errors.js';

/** Key order of the Docker section, as in the schema (kept here so TypeBox never loads at run time). */
const KEY_ORDER: readonly (keyof DockerFacts)[] = [
  'status', 'reason', 'endpoint', 'engine', 'serverVersion', 'apiVersion', 'minApiVersion', 'os', 'arch',
  'kernelVersion', 'operatingSystem', 'ncpu', 'memTotalBytes', 'storageDriver', 'backingFilesystem',
  'cgroupVersion', 'cgroupDriver', 'runtimes', 'defaultRuntime', 'cdiDevices', 'cdiSpecDirs', 'rootless',
  'userNamespaces', 'securityOptions', 'dataRoot', 'dataRootFreeBytes', 'loggingDriver', 'logOptions',
  'daemonConfig', 'liveRestore', 'registryMirrors', 'insecureRegistries', 'exposedWithoutTls',
  'exposedWithoutTlsEvidence', 'httpProxy', 'httpsProxy', 'noProxy', 'swarm', 'images', 'containers',
  'containersRunning', 'warnings',
];

function ordered(facts: DockerFacts): DockerFacts {
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (facts[key] !== undefined) out[key] = facts[key];
  return out as DockerFacts;
}


/** How long the clear-text check of 127.0.0.1:2375 may take. */
const PLAIN_TCP_CHECK_MS = 200;

interface DaemonSide {
  dockerd?: DockerdProcess;
  reads: ConfigReads;
  plain2375?: boolean;
}

/**
 * Reads what the daemon's configuration says, in parallel with the API calls (local engines only;
 * /proc and /etc/docker on Linux only).
 */
async function daemonSide(ctx: ProbeContext, endpoint: Endpoint, signal: AbortSignal): Promise<DaemonSide> {
  const { transport } = endpoint;
  const linux = process.platform === 'linux';
  const candidates = configCandidates(ctx.fsRoot, ctx.env);
  const checkPlain = !(transport.kind === 'tcp' && !transport.tls);
  const dockerdP = linux ? findDockerdFor(ctx.fsRoot, transport, ctx.env) : Promise.resolve(undefined);
  const explicitP = dockerdP.then((p) => {
    const file = p?.args.configFile;
    if (!file) return undefined;
    return readDaemonConfig(path.isAbsolute(file) ? path.join(ctx.fsRoot, file) : file);
  });
  const [dockerd, explicit, system, rootless, desktop, plain2375] = await Promise.all([
    dockerdP,
    explicitP,
    linux ? readDaemonConfig(candidates.system) : undefined,
    linux ? readDaemonConfig(candidates.rootless) : undefined,
    readDaemonConfig(candidates.desktop),
    checkPlain ? pingPlainTcp('127.0.0.1', 2375, PLAIN_TCP_CHECK_MS, signal) : Promise.resolve(undefined),
  ]);
  const reads: ConfigReads = { desktop };
  if (explicit) reads.explicit = explicit;
  if (system) reads.system = system;
  if (rootless) reads.rootless = rootless;
  return { ...(dockerd ? { dockerd } : {}), reads, ...(plain2375 !== undefined ? { plain2375 } : {}) };
}

/** Adds daemonConfig, logOptions and exposedWithoutTls to the facts of an engine that answered. */
function applyDaemonSide(facts: DockerFacts, endpoint: Endpoint, side: DaemonSide | undefined): void {
  // daemon.json is Docker's: Podman's configuration is elsewhere and says other things.
  const read = side && facts.engine === 'docker' ? chooseConfig(side.reads, facts) : undefined;
  if (side && read) {
    facts.daemonConfig = {
      path: read.path,
      status: read.status,
      ...(read.status === 'unknown' ? { reason: read.reason } : {}),
      ...(read.status === 'ok' && read.config.defaultUlimits ? { defaultUlimits: read.config.defaultUlimits } : {}),
      ...(read.status === 'ok' && read.config.defaultShmSizeBytes !== undefined ? { defaultShmSizeBytes: read.config.defaultShmSizeBytes } : {}),
      ...(read.status === 'ok' && read.config.hosts ? { hosts: read.config.hosts } : {}),
    };
    // An absent file means no log-opts beyond the command line's; an unreadable one means we cannot tell.
    if (read.status === 'ok') facts.logOptions = { ...(read.config.logOpts ?? {}), ...(side.dockerd?.args.logOpts ?? {}) };
    else if (read.status === 'absent') facts.logOptions = { ...(side.dockerd?.args.logOpts ?? {}) };
  }
  const exposure = decideExposure({
    engine: facts.engine ?? 'docker',
    transport: endpoint.transport,
    // A local engine whose configuration could not be looked at in time: only our own connection tells.
    local: endpoint.facts.local && side !== undefined,
    ...(read ? { configRead: read } : {}),
    ...(side?.dockerd && facts.engine === 'docker' ? { dockerd: side.dockerd } : {}),
    plain2375: side?.plain2375,
  });
  if (exposure) {
    facts.exposedWithoutTls = exposure.exposed;
    facts.exposedWithoutTlsEvidence = exposure.evidence;
  }
}

async function probe(ctx: ProbeContext): Promise<DockerFacts> {
  return withEngine<DockerFacts>(
    ctx,
    '',
    async ({ docker, endpoint, signal, settle }) => {
      const { transport } = endpoint;
      const ask = (method: 'info' | 'version') =>
        (docker[method] as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(docker, { abortSignal: signal });

      const sideP = endpoint.facts.local && transport.kind !== 'npipe' ? settle(daemonSide(ctx, endpoint, signal)) : undefined;
      const [info, version] = await Promise.all([settle(ask('info')), settle(ask('version'))]);

      if (!info.ok) {
        const failure = describeFailure(info.error, transport, endpoint.facts.source, 'GET /info');
        return { status: failure.status, reason: failure.reason, endpoint: endpoint.facts };
      }
      if (typeof info.value !== 'object' || info.value === null || Buffer.isBuffer(info.value)) {
        return { status: 'unknown', reason: `${endpoint.facts.host} answered GET /info with something that is not a JSON object: not a Docker API`, endpoint: endpoint.facts };
      }
      const versionDoc = version.ok && typeof version.value === 'object' && !Buffer.isBuffer(version.value) ? version.value : undefined;
      const facts: DockerFacts = { status: 'available', endpoint: endpoint.facts, ...mapEngineFacts(info.value, versionDoc) };
      if (!version.ok) facts.reason = `GET /version failed: ${describeFailure(version.error, transport, endpoint.facts.source, 'GET /version').reason}`;

      const side = sideP ? await sideP : undefined;
      applyDaemonSide(facts, endpoint, side?.ok ? side.value : undefined);
      return ordered(facts);
    },
    (reason, endpoint) => ({ status: 'unknown', reason, ...(endpoint ? { endpoint } : {}) }),
  );
}

/** Facts about the Docker (or Podman) engine. Never throws. */
export async function probeDocker(ctx: ProbeContext): Promise<DockerFacts> {
  try {
    return await probe(ctx);
  } catch (e) {
    return { status: 'unknown', reason: `internal error in the docker probe: ${errorMessage(e)}` };
  }
}
