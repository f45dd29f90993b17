/**
 * The Swarm probe: `cluster.swarm` of the facts document (`--target swarm`).
 *
 *   swarm/map.ts     /info's Swarm, /nodes, /services → facts (pure)
 *   docker/client.ts the dockerode client, shared with the Docker probe
 *
 * The engine is the one the Docker probe talks to (`resolveEndpoint`: DOCKER_HOST, the current context,
 * the rootless socket, the default socket), and failures read the same (`describeFailure`). `/info`
 * comes first: only an active manager can list nodes, so a worker, an inactive or locked engine is
 * `unavailable` with a reason and no further request is made. A manager is then asked for `/nodes` and
 * `/services` concurrently. Everything is bounded by a deadline a little inside `ctx.timeoutMs`; at the
 * deadline the requests are aborted, the private agent destroyed, and `unknown` returned. Never throws.
 */
import type http from 'node:http';
import { errorMessage, type ProbeContext } from './context.js';
import type { SwarmFacts } from '../facts/cluster-schema.js';
import { resolveEndpoint } from './docker/endpoint.js';
import { DeadlineError, describeFailure } from './docker/errors.js';
import { apiDeadlineMs } from './docker/index.js';
import { dockerClient } from './docker/client.js';
import { mapSwarm, swarmRole } from './swarm/map.js';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>, deadline: Promise<DeadlineError>): Promise<Settled<T>> {
  return Promise.race([
    promise.then(
      (value): Settled<T> => ({ ok: true, value }),
      (error: unknown): Settled<T> => ({ ok: false, error }),
    ),
    deadline.then((error): Settled<T> => ({ ok: false, error })),
  ]);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

async function probe(ctx: ProbeContext): Promise<SwarmFacts> {
  const resolved = await resolveEndpoint(ctx.env);
  if (!resolved.ok) return { status: 'unknown', reason: resolved.reason };
  const { transport, facts: endpoint } = resolved.endpoint;
  ctx.progress(`asking the Docker engine at ${endpoint.host} about its swarm`);

  const deadlineMs = apiDeadlineMs(ctx.timeoutMs);
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort();
  if (ctx.signal.aborted) controller.abort();
  else ctx.signal.addEventListener('abort', onOuterAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeadlineError>((resolve) => {
    timer = setTimeout(() => {
      resolve(new DeadlineError(deadlineMs));
      controller.abort();
    }, deadlineMs);
    timer.unref();
  });

  let agent: http.Agent | undefined;
  try {
    let docker;
    try {
      const made = dockerClient(transport, ctx.env, deadlineMs);
      docker = made.docker;
      agent = made.agent;
    } catch (e) {
      const message = errorMessage(e).replace(/'[^']*'/g, "'…'");
      return { status: 'unknown', reason: `could not set up a Docker client for ${endpoint.host}: ${message}` };
    }
    const signal = { abortSignal: controller.signal };
    const fail = (error: unknown, what: string) => describeFailure(error, transport, endpoint.source, what);

    // @types/dockerode omits the options argument of info(); dockerode 4 takes it (abortSignal).
    const info = await settle((docker.info as (opts: typeof signal) => Promise<unknown>).call(docker, signal), deadline);
    if (!info.ok) return fail(info.error, 'GET /info');
    if (!isObject(info.value)) {
      return { status: 'unknown', reason: `${endpoint.host} answered GET /info with something that is not a JSON object: not a Docker API` };
    }
    const role = swarmRole(info.value.Swarm);
    if (role.kind === 'not-manager') return role.facts;

    const [nodes, services] = await Promise.all([
      settle(docker.listNodes(signal) as Promise<unknown>, deadline),
      settle(docker.listServices(signal) as Promise<unknown>, deadline),
    ]);
    if (!nodes.ok) return { ...fail(nodes.error, 'GET /nodes'), state: role.state };
    if (!Array.isArray(nodes.value)) {
      return { status: 'unknown', reason: `${endpoint.host} answered GET /nodes with something that is not a list`, state: role.state };
    }
    const serviceCount = services.ok && Array.isArray(services.value) ? services.value.length : undefined;
    const facts = mapSwarm(role.state, nodes.value, serviceCount);
    if (!services.ok) facts.reason = `GET /services failed: ${fail(services.error, 'GET /services').reason}`;
    else if (serviceCount === undefined) facts.reason = `${endpoint.host} answered GET /services with something that is not a list`;
    return facts;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onOuterAbort);
    controller.abort();
    agent?.destroy();
  }
}

/** Facts about the Docker Swarm this engine manages. Never throws. */
export async function probeSwarm(ctx: ProbeContext): Promise<SwarmFacts> {
  try {
    return await probe(ctx);
  } catch (e) {
    return { status: 'unknown', reason: `internal error in the swarm probe: ${errorMessage(e)}` };
  }
}
