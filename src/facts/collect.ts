/**
 * Runs the probes of the selected targets in parallel, each inside its own budget, and assembles one
 * facts document. Probe modules are imported only for the targets asked for, so `--target local`
 * never loads dockerode.
 */
import os from 'node:os';
import { describeMs } from '../util/exec.js';
import { withDeadline } from '../util/deadline.js';
import { errorMessage, type ProbeContext } from '../probes/context.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type {
  DockerFacts,
  Facts,
  GpuFacts,
  HostFacts,
  NetworkFacts,
  ProbeRecordFacts,
  StoragePathFacts,
} from './schema.js';
import { FACTS_SCHEMA_VERSION } from './version.js';
import type { KubernetesFacts, SwarmFacts } from './cluster-schema.js';
import type { KubernetesOptions } from '../probes/kubernetes/options.js';
import { byString } from '../util/compare.js';

export const TARGETS = ['local', 'docker', 'k8s', 'swarm'] as const;
export type Target = (typeof TARGETS)[number];
export const TARGET_ALIASES: Record<string, Target> = { kubernetes: 'k8s' };

export interface CollectOptions {
  targets: readonly Target[];
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  tmpdir?: string;
  fsRoot?: string;
  progress?: (message: string) => void;
  /** Kubernetes target options (--kubeconfig, --context, --namespace; the spec's namespace). */
  kubernetes?: KubernetesOptions;
}

const unknown = (reason: string) => ({ status: 'unknown' as const, reason });

export function unknownHost(reason: string): HostFacts {
  const u = unknown(reason);
  return {
    hostname: os.hostname(),
    os: u,
    cpu: u,
    memory: u,
    shm: u,
    ulimits: u,
    virtualization: u,
    numa: u,
    clock: u,
    cgroup: u,
    user: currentUser(),
  };
}

export function currentUser(): HostFacts['user'] {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  return { uid, root: uid === 0 };
}

export function unknownGpu(reason: string): GpuFacts {
  return {
    status: 'unknown',
    reason,
    devices: [],
    tools: { nvidia: { status: 'unknown', reason }, amd: { status: 'unknown', reason } },
  };
}

export function unknownNetwork(reason: string): NetworkFacts {
  return {
    interfaces: unknown(reason),
    defaultRoute: unknown(reason),
    dns: unknown(reason),
    proxy: { noProxy: [], conflicts: [] },
  };
}

/** The probe records, and progress for a human watching a terminal: what is still running. */
class Records {
  readonly list: ProbeRecordFacts[] = [];
  private readonly running = new Set<string>();
  constructor(private readonly progress: (message: string) => void) {}
  start(name: string): void {
    this.running.add(name);
    this.progress(`probing ${[...this.running].join(', ')}…`);
  }
  done(name: string): void {
    this.running.delete(name);
    if (this.running.size) this.progress(`probing ${[...this.running].join(', ')}…`);
  }
  push(record: ProbeRecordFacts): void {
    this.list.push(record);
  }
}

const notProbed = (target: string) => `not probed: target "${target}" was not selected`;

/**
 * Guards one probe: its result, or the fallback with a one-line reason when it throws or outlives the
 * budget. Records how long it took.
 */
async function guarded<T>(
  records: Records,
  name: string,
  budgetMs: number,
  run: () => Promise<T>,
  fallback: (reason: string) => T,
  isPartial: (value: T) => boolean = () => false,
): Promise<T> {
  const started = performance.now();
  records.start(name);
  let outcome: ProbeRecordFacts['outcome'] = 'ok';
  let reason: string | undefined;
  const value = await withDeadline(
    run().catch((e: unknown) => {
      outcome = 'failed';
      reason = `internal error in the ${name} probe: ${errorMessage(e)}`;
      return fallback(reason);
    }),
    budgetMs,
    () => {
      outcome = 'timeout';
      reason = `${name} probe timed out after ${describeMs(budgetMs)}`;
      return fallback(reason);
    },
  );
  if (outcome === 'ok' && isPartial(value)) outcome = 'partial';
  records.done(name);
  records.push({
    target: name,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    outcome,
    ...(reason ? { reason } : {}),
  });
  return value;
}

export async function collectFacts(options: CollectOptions): Promise<Facts> {
  const env = options.env ?? process.env;
  const controller = new AbortController();
  const budget = options.timeoutMs;
  const stop = setTimeout(() => controller.abort(), budget);
  stop.unref?.();
  const ctx: ProbeContext = {
    timeoutMs: budget,
    signal: controller.signal,
    env,
    cwd: options.cwd ?? process.cwd(),
    tmpdir: options.tmpdir ?? os.tmpdir(),
    fsRoot: options.fsRoot ?? '/',
    progress: options.progress ?? (() => {}),
  };
  const records = new Records(ctx.progress);
  const wantLocal = options.targets.includes('local');
  const wantDocker = options.targets.includes('docker');

  const storageFallback = (reason: string): StoragePathFacts => unknown(reason);
  const statPath = (role: string, p: string) =>
    guarded(records, `storage:${role}`, budget, async () => (await import('../probes/storage.js')).probeStoragePath(ctx, p), storageFallback);

  const docker: Promise<DockerFacts> = wantDocker
    ? guarded(
        records,
        'docker',
        budget,
        async () => (await import('../probes/docker/index.js')).probeDocker(ctx),
        (reason) => ({ status: 'unknown', reason }),
      )
    : Promise.resolve({ status: 'unknown', reason: notProbed('docker') });

  const kubernetes: Promise<KubernetesFacts> = options.targets.includes('k8s')
    ? guarded(
        records,
        'k8s',
        budget,
        async () => (await import('../probes/kubernetes/index.js')).probeKubernetes(ctx, options.kubernetes ?? {}),
        (reason) => ({ status: 'unknown', reason }),
      )
    : Promise.resolve({ status: 'unknown', reason: notProbed('k8s') });
  const swarm: Promise<SwarmFacts> = options.targets.includes('swarm')
    ? guarded(
        records,
        'swarm',
        budget,
        async () => (await import('../probes/swarm.js')).probeSwarm(ctx),
        (reason) => ({ status: 'unknown', reason }),
      )
    : Promise.resolve({ status: 'unknown', reason: notProbed('swarm') });

  const local = wantLocal
    ? Promise.all([
        guarded(records, 'host', budget, async () => (await import('../probes/host.js')).probeHost(ctx), unknownHost),
        guarded(records, 'gpu', budget, async () => (await import('../probes/gpu/index.js')).probeGpu(ctx), unknownGpu),
        guarded(records, 'network', budget, async () => (await import('../probes/network.js')).probeNetwork(ctx), unknownNetwork),
        statPath('root', '/'),
        statPath('workdir', ctx.cwd),
        statPath('tmp', ctx.tmpdir),
      ])
    : Promise.resolve(undefined);

  // The data root is only known once the engine answered; it is inspected only when the engine is local.
  const dockerFacts = await docker;
  let dockerDataRoot: StoragePathFacts;
  if (dockerFacts.status !== 'available' || !dockerFacts.dataRoot) {
    dockerDataRoot = unknown(
      dockerFacts.status === 'available' ? 'the engine did not report its data root' : `Docker engine ${dockerFacts.status}${dockerFacts.reason ? `: ${dockerFacts.reason}` : ''}`,
    );
  } else if (!dockerFacts.endpoint?.local) {
    dockerDataRoot = unknown(`the engine at ${dockerFacts.endpoint?.host ?? 'a remote host'} is not on this host`);
  } else {
    dockerDataRoot = await statPath('dockerDataRoot', dockerFacts.dataRoot);
    if (dockerDataRoot.status === 'ok') dockerFacts.dataRootFreeBytes = dockerDataRoot.freeBytes;
  }

  const [localFacts, kubernetesFacts, swarmFacts] = await Promise.all([local, kubernetes, swarm]);
  clearTimeout(stop);
  const [host, gpu, network, root, workdir, tmp] = localFacts ?? [
    unknownHost(notProbed('local')),
    unknownGpu(notProbed('local')),
    unknownNetwork(notProbed('local')),
    unknown(notProbed('local')),
    unknown(notProbed('local')),
    unknown(notProbed('local')),
  ];

  return {
    schemaVersion: FACTS_SCHEMA_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    collectedAt: new Date().toISOString(),
    targets: [...options.targets],
    redacted: false,
    host,
    gpu,
    storage: { root, dockerDataRoot, workdir, tmp },
    network,
    runtime: { docker: dockerFacts },
    cluster: { kubernetes: kubernetesFacts, swarm: swarmFacts },
    probes: records.list.sort((a, b) => byString(a.target, b.target)),
  };
}
