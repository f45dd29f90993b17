/**
 * Maps the engine's swarm answers (`GET /info`'s `Swarm`, `GET /nodes`, `GET /services`) to
 * `cluster.swarm` facts. Pure functions, no I/O, unit-tested with realistic API documents.
 *
 * Agreement with `runtime.docker.swarm` (the Docker probe's summary of `/info`): `state` is the same
 * `LocalNodeState`; `managers` counts nodes that carry a `ManagerStatus`, the way the engine counts
 * `/info`'s `Swarm.Managers`, and `nodes.total` is the length of the same list (`Swarm.Nodes`).
 * A node's role is therefore its observed role (manager when it has a `ManagerStatus`), not the
 * desired `Spec.Role` of a node being promoted or demoted.
 *
 * Labels: one map per node, keyed the way a placement constraint names them, so both kinds can live
 * in one map without clashing: `node.labels.gpu` (`Spec.Labels`, set with `docker node update
 * --label-add`) and `engine.labels.gpu` (`Description.Engine.Labels`, the daemon's `labels`).
 *
 * Generic resources (`Description.Resources.GenericResources`): `DiscreteResourceSpec {Kind, Value}`
 * adds Value; each `NamedResourceSpec {Kind, Value}` (one GPU UUID) adds 1.
 */
import type { SwarmFacts, SwarmNodeFacts } from '../../facts/cluster-schema.js';

type Json = Record<string, unknown>;

/** At most this many nodes are listed in `nodes.items`; the counts cover all of them. */
export const MAX_NODE_ITEMS = 200;

export const WORKER_REASON = 'this node is a swarm worker; run mlready on a manager';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const nonNegative = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** What `/info`'s `Swarm` says about this engine's place in a swarm. */
export type SwarmRole =
  | { kind: 'manager'; state: string }
  | { kind: 'not-manager'; facts: SwarmFacts };

/**
 * Decides from `/info`'s `Swarm` whether this engine can describe the swarm (an active manager), and
 * otherwise the facts to report: unavailable (inactive, a worker, locked) or unknown (joining, error).
 */
export function swarmRole(infoSwarm: unknown): SwarmRole {
  if (!isObject(infoSwarm) || !str(infoSwarm.LocalNodeState)) {
    return { kind: 'not-manager', facts: { status: 'unavailable', reason: 'the engine reports no swarm state: it does not support Docker Swarm mode' } };
  }
  const state = str(infoSwarm.LocalNodeState)!;
  const error = str(infoSwarm.Error);
  switch (state) {
    case 'inactive':
      return {
        kind: 'not-manager',
        facts: { status: 'unavailable', reason: 'this engine is not part of a swarm (docker swarm init, or docker swarm join on a manager\'s token)', state },
      };
    case 'pending':
      return { kind: 'not-manager', facts: { status: 'unknown', reason: `this node is still joining a swarm (state pending)${error ? `: ${error}` : ''}`, state } };
    case 'locked':
      return {
        kind: 'not-manager',
        facts: { status: 'unavailable', reason: 'the swarm is locked on this manager (autolock): run docker swarm unlock with the unlock key', state },
      };
    case 'error':
      return { kind: 'not-manager', facts: { status: 'unknown', reason: `the swarm is in an error state on this node${error ? `: ${error}` : ''}`, state } };
    case 'active':
      if (infoSwarm.ControlAvailable === true) return { kind: 'manager', state };
      return { kind: 'not-manager', facts: { status: 'unavailable', reason: WORKER_REASON, state } };
    default:
      return { kind: 'not-manager', facts: { status: 'unknown', reason: `the engine reports an unknown swarm state "${state}"`, state } };
  }
}

/** Generic resources of one node: discrete values summed, named resources counted, per kind. */
export function genericResources(list: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const discrete = isObject(entry.DiscreteResourceSpec) ? entry.DiscreteResourceSpec : undefined;
    const named = isObject(entry.NamedResourceSpec) ? entry.NamedResourceSpec : undefined;
    if (discrete) {
      const kind = str(discrete.Kind);
      const value = discrete.Value;
      if (kind && typeof value === 'number' && Number.isInteger(value) && value >= 0) out[kind] = (out[kind] ?? 0) + value;
    } else if (named) {
      const kind = str(named.Kind);
      if (kind && str(named.Value)) out[kind] = (out[kind] ?? 0) + 1;
    }
  }
  return out;
}

function prefixed(labels: unknown, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(labels)) return out;
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[`${prefix}${k}`] = v;
  return out;
}

/** One node of `GET /nodes`; undefined when it is not a node object. */
export function mapNode(node: unknown): SwarmNodeFacts | undefined {
  if (!isObject(node)) return undefined;
  const spec = isObject(node.Spec) ? node.Spec : {};
  const description = isObject(node.Description) ? node.Description : {};
  const resources = isObject(description.Resources) ? description.Resources : {};
  const engine = isObject(description.Engine) ? description.Engine : {};
  const status = isObject(node.Status) ? node.Status : {};
  const managerStatus = isObject(node.ManagerStatus) ? node.ManagerStatus : undefined;
  const id = str(node.ID);
  if (!id) return undefined;
  const out: SwarmNodeFacts = {
    id,
    hostname: str(description.Hostname) ?? str(spec.Name) ?? id,
    role: managerStatus ? 'manager' : 'worker',
    availability: str(spec.Availability) ?? 'unknown',
    state: str(status.State) ?? 'unknown',
    labels: { ...prefixed(spec.Labels, 'node.labels.'), ...prefixed(engine.Labels, 'engine.labels.') },
    genericResources: genericResources(resources.GenericResources),
  };
  if (managerStatus) out.leader = managerStatus.Leader === true;
  const engineVersion = str(engine.EngineVersion);
  if (engineVersion) out.engineVersion = engineVersion;
  const nanoCpus = nonNegative(resources.NanoCPUs);
  if (nanoCpus !== undefined) out.nanoCpus = nanoCpus;
  const memoryBytes = nonNegative(resources.MemoryBytes);
  if (memoryBytes !== undefined) out.memoryBytes = memoryBytes;
  return out;
}

function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

const ROLE_ORDER: Record<string, number> = { manager: 0, worker: 1 };

/**
 * The facts of an active manager, from `GET /nodes` and (when it answered) the number of services.
 * Counts cover every node; `items` lists at most MAX_NODE_ITEMS, managers first, then by host name.
 * A node that does not report its engine version is left out of `engineVersions` (never counted as
 * a made-up version), so those counts may add up to less than `total`.
 */
export function mapSwarm(state: string, nodesDoc: unknown[], services?: number): SwarmFacts {
  const nodes = nodesDoc.map(mapNode).filter((n): n is SwarmNodeFacts => n !== undefined);
  const byRole: Record<string, number> = {};
  const byAvailability: Record<string, number> = {};
  const engineVersions: Record<string, number> = {};
  const generic: Record<string, number> = {};
  let ready = 0;
  for (const n of nodes) {
    bump(byRole, n.role);
    bump(byAvailability, n.availability);
    if (n.engineVersion) bump(engineVersions, n.engineVersion);
    if (n.state === 'ready') ready++;
    for (const [kind, value] of Object.entries(n.genericResources)) bump(generic, kind, value);
  }
  const items = [...nodes].sort(
    (a, b) => (ROLE_ORDER[a.role] ?? 2) - (ROLE_ORDER[b.role] ?? 2) || a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id),
  );
  const facts: SwarmFacts = {
    status: 'available',
    state,
    managers: byRole.manager ?? 0,
    workers: byRole.worker ?? 0,
    nodes: { total: nodes.length, ready, byRole, byAvailability, engineVersions, items: items.slice(0, MAX_NODE_ITEMS) },
    genericResources: generic,
  };
  if (services !== undefined) facts.services = services;
  return facts;
}
