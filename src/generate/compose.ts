/**
 * compose.yaml (Docker Compose) and docker-stack.yml (Docker Swarm) from the same model.
 *
 * Both tools interpolate `$` in every string of the file, so every string is escaped (`$` → `$$`)
 * after the document is built: what the spec says reaches the container unchanged, as
 * `docker-compose config` shows.
 */
import { MARKER_DIR, type ModelStage, type WorkflowModel } from '../workflow/model.js';
import { healthcheckCommand } from './dockerfile.js';

const MiB = 2 ** 20;
export const SWARM_STATE_VOLUME = 'mlready-state';

/** Escapes `$` in every string (keys too) for compose/stack interpolation. */
export function escapeInterpolation<T>(value: T): T {
  if (typeof value === 'string') return value.replace(/\$/g, '$$$$') as T;
  if (Array.isArray(value)) return value.map((v) => escapeInterpolation(v)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeInterpolation(k), escapeInterpolation(v)])) as T;
  }
  return value;
}

const mib = (bytes: number) => Math.max(1, Math.ceil(bytes / MiB));
const seconds = (s: number) => `${s}s`;

function environment(stage: ModelStage, extra: [string, string][] = []): Record<string, string | null> | undefined {
  const env: Record<string, string | null> = {};
  for (const [k, v] of stage.env) env[k] = v;
  // Secrets are not written into files: their keys are passed through from the shell running compose.
  for (const s of stage.secrets) for (const k of s.keys) env[k] = null;
  for (const [k, v] of extra) env[k] = v;
  return Object.keys(env).length ? env : undefined;
}

/** DATA_SOURCE_<NAME>_URL (and _CREDENTIALS_FILE) for the data sources a stage uses; the secrets to mount. */
function dataSources(model: WorkflowModel, stage: ModelStage): { env: [string, string][]; secrets: string[] } {
  const env: [string, string][] = [];
  const secrets: string[] = [];
  for (const d of model.dataSources.filter((x) => stage.dataSources.includes(x.name))) {
    env.push([d.urlEnv, d.url]);
    if (d.credentialsSecret && d.credentialsFileEnv) {
      env.push([d.credentialsFileEnv, `/run/secrets/${d.credentialsSecret}`]);
      if (!secrets.includes(d.credentialsSecret)) secrets.push(d.credentialsSecret);
    }
  }
  return { env, secrets };
}

/** Where compose reads a data source's credentials from: a file next to compose.yaml, never inline. */
export const COMPOSE_SECRETS_DIR = 'secrets';

function healthcheck(stage: ModelStage) {
  if (stage.port === undefined) return undefined;
  return {
    test: ['CMD', ...healthcheckCommand(stage)],
    interval: '10s',
    timeout: '5s',
    retries: 5,
    start_period: seconds(stage.startPeriodSeconds),
  };
}

function labels(model: WorkflowModel, stage: ModelStage): Record<string, string> {
  return {
    ...Object.fromEntries(model.labels),
    'dev.mlready.workflow': model.name,
    'dev.mlready.stage': stage.name,
  };
}

export function buildCompose(model: WorkflowModel): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  const byName = new Map(model.stages.map((s) => [s.name, s]));
  for (const s of model.stages) {
    const dependsOn: Record<string, { condition: string }> = {};
    for (const n of s.needs) {
      dependsOn[n] = { condition: byName.get(n)?.type === 'batch' ? 'service_completed_successfully' : 'service_healthy' };
    }
    const gpu = s.gpu.compose;
    // docker-compose 1.29 ignores reservations.cpus (and says so); memory and devices it applies.
    const reservations: Record<string, unknown> = { memory: `${mib(s.memoryBytes)}m` };
    if (gpu > 0 && model.gpu.vendor === 'nvidia') reservations.devices = [{ driver: 'nvidia', count: gpu, capabilities: ['gpu'] }];
    const sources = dataSources(model, s);
    const env = environment(s, sources.env);
    const hc = healthcheck(s);
    services[s.name] = {
      image: s.image,
      build: { context: model.build.context, dockerfile: model.build.dockerfile, target: s.target },
      restart: s.type === 'batch' ? 'no' : 'unless-stopped',
      ...(Object.keys(dependsOn).length ? { depends_on: dependsOn } : {}),
      ...(env ? { environment: env } : {}),
      ...(s.volumes.length
        ? { volumes: s.volumes.map((v) => ({ type: 'volume', source: v, target: model.volumes.find((x) => x.name === v)!.mountPath })) }
        : {}),
      ...(sources.secrets.length ? { secrets: sources.secrets } : {}),
      ...(s.port !== undefined ? { ports: [`127.0.0.1:${s.port}:${s.port}`] } : {}),
      ...(hc ? { healthcheck: hc } : {}),
      ...(s.shmBytes ? { shm_size: `${mib(s.shmBytes)}m` } : {}),
      ...(gpu > 0 && model.gpu.vendor === 'amd' ? { devices: ['/dev/kfd', '/dev/dri'], group_add: ['video'] } : {}),
      stop_grace_period: '30s',
      labels: labels(model, s),
      deploy: {
        resources: {
          limits: { cpus: String(s.cpuCores), memory: `${mib(s.memoryBytes)}m` },
          reservations,
        },
      },
    };
  }
  const volumes: Record<string, object> = {};
  for (const v of model.volumes) volumes[v.name] = {};
  // Data-source credentials: a file per secret beside compose.yaml (kept out of images by .dockerignore).
  const secrets = Object.fromEntries(usedSecrets(model).map((name) => [name, { file: `./${COMPOSE_SECRETS_DIR}/${name}` }]));
  return escapeInterpolation({ services, ...(model.volumes.length ? { volumes } : {}), ...(Object.keys(secrets).length ? { secrets } : {}) });
}

/** The credentials secrets of the data sources some stage uses, in spec order. */
export function usedSecrets(model: WorkflowModel): string[] {
  const names: string[] = [];
  for (const d of model.dataSources) {
    if (d.credentialsSecret && model.stages.some((s) => s.dataSources.includes(d.name)) && !names.includes(d.credentialsSecret)) names.push(d.credentialsSecret);
  }
  return names;
}

export function buildStack(model: WorkflowModel): Record<string, unknown> {
  const services: Record<string, unknown> = {};
  let usesState = false;
  for (const s of model.stages) {
    const order = model.ordering.swarm[s.name] ?? { waitFor: [] };
    const extra: [string, string][] = [];
    if (order.waitFor.length) extra.push(['MLREADY_WAIT_FOR', order.waitFor.join(':')]);
    if (order.done) extra.push(['MLREADY_DONE', order.done]);
    const sources = dataSources(model, s);
    const env = environment(s, [...extra, ...sources.env]);
    const mounts: object[] = s.volumes.map((v) => ({ type: 'volume', source: v, target: model.volumes.find((x) => x.name === v)!.mountPath }));
    if (extra.length) {
      usesState = true;
      mounts.push({ type: 'volume', source: SWARM_STATE_VOLUME, target: MARKER_DIR });
    }
    if (s.shmBytes) mounts.push({ type: 'tmpfs', target: '/dev/shm', tmpfs: { size: s.shmBytes } });
    const gpu = s.gpu.compose;
    // Only GPUs are reserved: a stage waiting for its markers would hold CPU and memory reservations
    // and could starve the stage it waits for on a small swarm. Limits still cap every stage.
    const reservations: Record<string, unknown> = {};
    if (gpu > 0) reservations.generic_resources = [{ discrete_resource_spec: { kind: model.gpu.swarmResourceKind, value: gpu } }];
    const hc = healthcheck(s);
    services[s.name] = {
      image: s.image,
      ...(env ? { environment: env } : {}),
      ...(mounts.length ? { volumes: mounts } : {}),
      ...(sources.secrets.length ? { secrets: sources.secrets } : {}),
      ...(s.port !== undefined ? { ports: [{ target: s.port, published: s.port, protocol: 'tcp', mode: 'ingress' }] } : {}),
      ...(hc ? { healthcheck: hc } : {}),
      stop_grace_period: '30s',
      labels: labels(model, s),
      deploy: {
        mode: 'replicated',
        replicas: s.type === 'service' ? Math.max(s.replicas, s.autoscale?.min ?? 1) : 1,
        restart_policy: s.type === 'batch' ? { condition: 'none' } : { condition: 'any', delay: '5s' },
        resources: {
          limits: { cpus: String(s.cpuCores), memory: `${mib(s.memoryBytes)}M` },
          ...(Object.keys(reservations).length ? { reservations } : {}),
        },
        labels: labels(model, s),
      },
    };
  }
  const volumes: Record<string, object> = {};
  for (const v of model.volumes) volumes[v.name] = {};
  if (usesState) volumes[SWARM_STATE_VOLUME] = {};
  // Swarm secrets are created once on the swarm (docker secret create NAME FILE) and referenced here.
  const secrets = Object.fromEntries(usedSecrets(model).map((name) => [name, { external: true }]));
  return escapeInterpolation({ version: '3.8', services, ...(Object.keys(volumes).length ? { volumes } : {}), ...(Object.keys(secrets).length ? { secrets } : {}) });
}
