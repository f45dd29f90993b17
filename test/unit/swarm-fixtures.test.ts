/**
 * The swarm base fixture for rule tests (rules/fixtures/swarm-cluster.json) is a facts document the
 * probes could have produced: valid, its counts add up, and `cluster.swarm` agrees with the engine's
 * own summary in `runtime.docker.swarm`, as the Swarm probe guarantees.
 */
import { baseFacts } from '../helpers/facts.js';
import { assertValid } from '../helpers/schema.js';

describe('rules/fixtures/swarm-cluster.json', () => {
  const doc = baseFacts('swarm-cluster');
  const swarm = doc.cluster.swarm;

  test('is a valid facts document that probed the swarm', () => {
    assertValid('facts', doc);
    expect(doc.targets).toContain('swarm');
    expect(swarm.status).toBe('available');
  });

  test('agrees with runtime.docker.swarm (state, nodes, managers, this node)', () => {
    const summary = doc.runtime.docker.swarm!;
    expect(summary).toMatchObject({ state: swarm.state, controlAvailable: true, nodes: swarm.nodes!.total, managers: swarm.managers });
    const self = swarm.nodes!.items.find((n) => n.id === summary.nodeId);
    expect(self).toMatchObject({ role: 'manager', hostname: doc.host.hostname });
  });

  test('counts add up over the listed nodes', () => {
    const items = swarm.nodes!.items;
    const count = (f: (n: (typeof items)[number]) => string) =>
      items.reduce<Record<string, number>>((acc, n) => ({ ...acc, [f(n)]: (acc[f(n)] ?? 0) + 1 }), {});
    expect(items).toHaveLength(swarm.nodes!.total);
    expect(swarm.managers! + swarm.workers!).toBe(swarm.nodes!.total);
    expect(items.filter((n) => n.state === 'ready')).toHaveLength(swarm.nodes!.ready);
    expect(swarm.nodes!.byRole).toEqual(count((n) => n.role));
    expect(swarm.nodes!.byAvailability).toEqual(count((n) => n.availability));
    expect(swarm.nodes!.engineVersions).toEqual(count((n) => n.engineVersion ?? ''));
    const gpus: Record<string, number> = {};
    for (const n of items) for (const [k, v] of Object.entries(n.genericResources)) gpus[k] = (gpus[k] ?? 0) + v;
    expect(swarm.genericResources).toEqual(gpus);
    expect(items.filter((n) => n.leader)).toHaveLength(1);
  });
});
