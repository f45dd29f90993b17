/**
 * The Swarm probe's pure part: /info's Swarm → status, GET /nodes → node facts and counts, generic
 * resources (GPUs advertised with `node-generic-resources`). Node documents are shaped as the Engine
 * API v1.41 returns them (docs.docker.com/engine/api/v1.41/#tag/Node), TLS material shortened.
 */
import { genericResources, mapNode, mapSwarm, MAX_NODE_ITEMS, swarmRole, WORKER_REASON } from '../../src/probes/swarm/map.js';
import type { Facts } from '../../src/facts/schema.js';
import type { SwarmFacts } from '../../src/facts/cluster-schema.js';
import { baseFacts } from '../helpers/facts.js';
import { assertValid } from '../helpers/schema.js';

/** A manager advertising four GPUs by UUID (dockerd `"node-generic-resources": ["NVIDIA-GPU=GPU-…"]`). */
const gpuManager = {
  ID: 'x0ph0s3okq9fx0ygulkxv5tkd',
  Version: { Index: 1217 },
  CreatedAt: '2026-10-02T08:14:21.302718914Z',
  UpdatedAt: '2026-11-20T07:55:03.880319124Z',
  Spec: { Labels: { gpu: 'a100', zone: 'eu-west-1a' }, Role: 'manager', Availability: 'active' },
  Description: {
    Hostname: 'gpu-mgr-01',
    Platform: { Architecture: 'x86_64', OS: 'linux' },
    Resources: {
      NanoCPUs: 64000000000,
      MemoryBytes: 540950970368,
      GenericResources: [
        { NamedResourceSpec: { Kind: 'NVIDIA-GPU', Value: 'GPU-513536b6-7d19-9063-b049-1e69664bb290' } },
        { NamedResourceSpec: { Kind: 'NVIDIA-GPU', Value: 'GPU-513536b6-7d19-9063-b049-1e69664bb291' } },
        { NamedResourceSpec: { Kind: 'NVIDIA-GPU', Value: 'GPU-513536b6-7d19-9063-b049-1e69664bb292' } },
        { NamedResourceSpec: { Kind: 'NVIDIA-GPU', Value: 'GPU-513536b6-7d19-9063-b049-1e69664bb293' } },
        { DiscreteResourceSpec: { Kind: 'SSD', Value: 2 } },
      ],
    },
    Engine: {
      EngineVersion: '26.1.4',
      Labels: { 'com.example.rack': 'r12' },
      Plugins: [
        { Type: 'Log', Name: 'json-file' },
        { Type: 'Network', Name: 'overlay' },
        { Type: 'Volume', Name: 'local' },
      ],
    },
    TLSInfo: { TrustRoot: '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n', CertIssuerSubject: 'MBMxETAPBgNVBAMTCHN3YXJtLWNh', CertIssuerPublicKey: 'MFkw…' },
  },
  Status: { State: 'ready', Addr: '10.20.0.11' },
  ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.20.0.11:2377' },
};

/** A worker advertising GPUs as a count (`"node-generic-resources": ["NVIDIA-GPU=2"]`). */
const gpuWorker = {
  ID: '9v3bq2x0wz7m1n8k4j5h6g7f8',
  Version: { Index: 1220 },
  Spec: { Labels: {}, Role: 'worker', Availability: 'drain' },
  Description: {
    Hostname: 'gpu-wrk-07',
    Platform: { Architecture: 'x86_64', OS: 'linux' },
    Resources: { NanoCPUs: 32000000000, MemoryBytes: 270475485184, GenericResources: [{ DiscreteResourceSpec: { Kind: 'NVIDIA-GPU', Value: 2 } }] },
    Engine: { EngineVersion: '25.0.5', Plugins: [] },
  },
  Status: { State: 'down', Message: 'heartbeat failure', Addr: '10.20.0.17' },
};

/** A plain worker on an old engine: no labels, no generic resources, null maps as old engines send them. */
const cpuWorker = {
  ID: 'a1b2c3d4e5f6g7h8i9j0k1l2m',
  Spec: { Labels: null, Role: 'worker', Availability: 'active' },
  Description: { Hostname: 'cpu-wrk-01', Resources: { NanoCPUs: 8000000000, MemoryBytes: 33557729280 }, Engine: { EngineVersion: '20.10.24+dfsg1' } },
  Status: { State: 'ready', Addr: '10.20.0.31' },
};

/** A manager that is not the leader. */
const follower = {
  ID: 'f0110wer000000000000000001',
  Spec: { Role: 'manager', Availability: 'active' },
  Description: { Hostname: 'mgr-02', Engine: { EngineVersion: '26.1.4' } },
  Status: { State: 'ready' },
  ManagerStatus: { Leader: false, Reachability: 'reachable', Addr: '10.20.0.12:2377' },
};

function inDocument(swarm: SwarmFacts): Facts {
  const doc = baseFacts('gpu-server');
  doc.targets = ['local', 'docker', 'swarm'];
  doc.cluster.swarm = swarm;
  return doc;
}

describe('swarmRole: /info Swarm → available or why not', () => {
  test('an active manager can describe the swarm', () => {
    expect(swarmRole({ NodeID: 'x0ph', LocalNodeState: 'active', ControlAvailable: true, Nodes: 3, Managers: 3 })).toEqual({ kind: 'manager', state: 'active' });
  });

  test.each([
    ['inactive', { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null }, 'unavailable', /not part of a swarm/],
    ['a worker', { NodeID: 'w1', LocalNodeState: 'active', ControlAvailable: false, RemoteManagers: [{ NodeID: 'm1', Addr: '10.0.0.1:2377' }] }, 'unavailable', new RegExp(`^${WORKER_REASON}$`)],
    ['locked', { LocalNodeState: 'locked', ControlAvailable: false }, 'unavailable', /locked.*docker swarm unlock/],
    ['joining', { LocalNodeState: 'pending', ControlAvailable: false }, 'unknown', /joining/],
    ['in error', { LocalNodeState: 'error', Error: 'manager stopped: can\'t initialize raft node' }, 'unknown', /error state.*raft/],
  ])('%s', (_name, swarm, status, reason) => {
    const role = swarmRole(swarm);
    expect(role.kind).toBe('not-manager');
    if (role.kind !== 'not-manager') return;
    expect(role.facts.status).toBe(status);
    expect(role.facts.reason).toMatch(reason);
    expect(role.facts.state).toBe(swarm.LocalNodeState);
    assertValid('facts', inDocument(role.facts));
  });

  test('an engine without swarm support (no Swarm in /info) is unavailable, with no state', () => {
    const role = swarmRole(undefined);
    expect(role).toEqual({ kind: 'not-manager', facts: { status: 'unavailable', reason: expect.stringMatching(/does not support Docker Swarm/) } });
  });
});

describe('genericResources', () => {
  test('named resources count one each, discrete ones add their value, per kind', () => {
    expect(genericResources(gpuManager.Description.Resources.GenericResources)).toEqual({ 'NVIDIA-GPU': 4, SSD: 2 });
    expect(genericResources(gpuWorker.Description.Resources.GenericResources)).toEqual({ 'NVIDIA-GPU': 2 });
  });

  test('absent, null and malformed entries are ignored, never guessed', () => {
    expect(genericResources(undefined)).toEqual({});
    expect(genericResources(null)).toEqual({});
    expect(
      genericResources([
        null,
        {},
        { DiscreteResourceSpec: { Kind: 'NVIDIA-GPU', Value: -1 } },
        { DiscreteResourceSpec: { Kind: 'NVIDIA-GPU', Value: 1.5 } },
        { DiscreteResourceSpec: { Value: 3 } },
        { NamedResourceSpec: { Kind: 'NVIDIA-GPU', Value: '' } },
        { NamedResourceSpec: { Kind: 'AMD-GPU', Value: 'card0' } },
      ]),
    ).toEqual({ 'AMD-GPU': 1 });
  });
});

describe('mapNode', () => {
  test('a GPU manager: role from ManagerStatus, leader, labels keyed as placement constraints name them', () => {
    expect(mapNode(gpuManager)).toEqual({
      id: 'x0ph0s3okq9fx0ygulkxv5tkd',
      hostname: 'gpu-mgr-01',
      role: 'manager',
      availability: 'active',
      state: 'ready',
      leader: true,
      engineVersion: '26.1.4',
      labels: { 'node.labels.gpu': 'a100', 'node.labels.zone': 'eu-west-1a', 'engine.labels.com.example.rack': 'r12' },
      genericResources: { 'NVIDIA-GPU': 4, SSD: 2 },
      nanoCpus: 64000000000,
      memoryBytes: 540950970368,
    });
  });

  test('a worker has no leader key; null label maps are empty maps', () => {
    const w = mapNode(gpuWorker)!;
    expect(w).toMatchObject({ role: 'worker', availability: 'drain', state: 'down', engineVersion: '25.0.5', labels: {} });
    expect('leader' in w).toBe(false);
    expect(mapNode(cpuWorker)).toMatchObject({ labels: {}, genericResources: {} });
  });

  test('the observed role counts, as in /info: a promotion in progress (Spec.Role manager, no ManagerStatus) is still a worker', () => {
    expect(mapNode({ ...cpuWorker, Spec: { ...cpuWorker.Spec, Role: 'manager' } })!.role).toBe('worker');
  });

  test('not a node: undefined', () => {
    expect(mapNode(null)).toBeUndefined();
    expect(mapNode({ Spec: {} })).toBeUndefined();
  });
});

describe('mapSwarm', () => {
  test('counts by role, availability, engine version; ready nodes; generic resources summed; managers first', () => {
    const facts = mapSwarm('active', [cpuWorker, gpuWorker, follower, gpuManager], 7);
    expect(facts).toMatchObject({
      status: 'available',
      state: 'active',
      managers: 2,
      workers: 2,
      nodes: {
        total: 4,
        ready: 3,
        byRole: { manager: 2, worker: 2 },
        byAvailability: { active: 3, drain: 1 },
        engineVersions: { '26.1.4': 2, '25.0.5': 1, '20.10.24+dfsg1': 1 },
      },
      genericResources: { 'NVIDIA-GPU': 6, SSD: 2 },
      services: 7,
    });
    expect(facts.nodes!.items.map((n) => n.hostname)).toEqual(['gpu-mgr-01', 'mgr-02', 'cpu-wrk-01', 'gpu-wrk-07']);
    expect(facts.managers! + facts.workers!).toBe(facts.nodes!.total);
    assertValid('facts', inDocument(facts));
  });

  test('services left out when /services did not answer', () => {
    expect('services' in mapSwarm('active', [gpuManager])).toBe(false);
  });

  test(`a large swarm: at most ${MAX_NODE_ITEMS} items, the counts cover every node`, () => {
    const many = Array.from({ length: 250 }, (_, i) => ({
      ...cpuWorker,
      ID: `node${String(i).padStart(4, '0')}`,
      Description: { ...cpuWorker.Description, Hostname: `cpu-${String(i).padStart(4, '0')}` },
    }));
    const facts = mapSwarm('active', [gpuManager, ...many]);
    expect(facts.nodes!.total).toBe(251);
    expect(facts.nodes!.items).toHaveLength(MAX_NODE_ITEMS);
    expect(facts.nodes!.items[0]!.hostname).toBe('gpu-mgr-01');
    expect(facts.workers).toBe(250);
    assertValid('facts', inDocument(facts));
  });
});
