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
import { errorMessage, type ProbeContext } from './context.js';
import type { SwarmFacts } from '../facts/cluster-schema.js';
import { describeFailure } from './docker/errors.js';
import { withEngine } from './docker/client.js';
import { mapSwarm, swarmRole } from './swarm/map.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

async function probe(ctx: ProbeContext): Promise<SwarmFacts> {
  return withEngine<SwarmFacts>(
    ctx,
    ' about its swarm',
    async ({ docker, endpoint: { transport, facts: endpoint }, signal: abortSignal, settle }) => {
      const signal = { abortSignal };
      const fail = (error: unknown, what: string) => describeFailure(error, transport, endpoint.source, what);
      // @types/dockerode omits the options argument of info(); dockerode 4 takes it (abortSignal).
      const info = await settle((docker.info as (opts: typeof signal) => Promise<unknown>).call(docker, signal));
      if (!info.ok) return fail(info.error, 'GET /info');
      if (!isObject(info.value)) {
        return { status: 'unknown', reason: `${endpoint.host} answered GET /info with something that is not a JSON object: not a Docker API` };
      }
      const role = swarmRole(info.value.Swarm);
      if (role.kind === 'not-manager') return role.facts;

      const [nodes, services] = await Promise.all([settle(docker.listNodes(signal) as Promise<unknown>), settle(docker.listServices(signal) as Promise<unknown>)]);
      if (!nodes.ok) return { ...fail(nodes.error, 'GET /nodes'), state: role.state };
      if (!Array.isArray(nodes.value)) {
        return { status: 'unknown', reason: `${endpoint.host} answered GET /nodes with something that is not a list`, state: role.state };
      }
      const serviceCount = services.ok && Array.isArray(services.value) ? services.value.length : undefined;
      const facts = mapSwarm(role.state, nodes.value, serviceCount);
      if (!services.ok) facts.reason = `GET /services failed: ${fail(services.error, 'GET /services').reason}`;
      else if (serviceCount === undefined) facts.reason = `${endpoint.host} answered GET /services with something that is not a list`;
      return facts;
    },
    (reason) => ({ status: 'unknown', reason }),
  );
}

/** Facts about the Docker Swarm this engine manages. Never throws. */
export async function probeSwarm(ctx: ProbeContext): Promise<SwarmFacts> {
  try {
    return await probe(ctx);
  } catch (e) {
    return { status: 'unknown', reason: `internal error in the swarm probe: ${errorMessage(e)}` };
  }
}
