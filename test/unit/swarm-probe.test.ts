/**
 * probeSwarm against fake engines on unix sockets: what each engine answer becomes, that it never
 * throws, that it stays inside its budget against a hung engine, and that a worker is not asked for
 * nodes. The real engine is exercised in test/integration/swarm-probe.test.ts.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeSwarm } from '../../src/probes/swarm.js';
import { WORKER_REASON } from '../../src/probes/swarm/map.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { SwarmFacts } from '../../src/facts/cluster-schema.js';
import { baseFacts } from '../helpers/facts.js';
import { assertValid } from '../helpers/schema.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-swarm-fake-'));
let n = 0;
const servers: http.Server[] = [];

async function fakeEngine(routes: Record<string, Handler | unknown>): Promise<{ socket: string; seen: string[] }> {
  const socket = path.join(dir, `engine-${n++}.sock`);
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const route = (req.url ?? '').replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '');
    seen.push(`${req.method} ${route}`);
    const answer = routes[route];
    if (typeof answer === 'function') return (answer as Handler)(req, res);
    if (answer === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ message: `page not found: ${route}` }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return { socket, seen };
}

function ctxFor(env: NodeJS.ProcessEnv, timeoutMs = 3000): ProbeContext {
  return { timeoutMs, signal: new AbortController().signal, env, cwd: process.cwd(), tmpdir: os.tmpdir(), fsRoot: '/', progress: () => {} };
}
const envFor = (socket: string): NodeJS.ProcessEnv => ({ DOCKER_HOST: `unix://${socket}`, HOME: dir, PATH: process.env.PATH });

function valid(swarm: SwarmFacts): void {
  const doc = baseFacts('gpu-server');
  doc.targets = ['local', 'docker', 'swarm'];
  doc.cluster.swarm = swarm;
  assertValid('facts', doc);
}

const managerInfo = { ServerVersion: '26.1.4', Swarm: { NodeID: 'm1', LocalNodeState: 'active', ControlAvailable: true, Nodes: 1, Managers: 1 } };
const node = {
  ID: 'm1',
  Spec: { Labels: { gpu: 'true' }, Role: 'manager', Availability: 'active' },
  Description: {
    Hostname: 'mgr-01',
    Resources: { NanoCPUs: 4000000000, MemoryBytes: 8272408576, GenericResources: [{ DiscreteResourceSpec: { Kind: 'NVIDIA-GPU', Value: 2 } }] },
    Engine: { EngineVersion: '26.1.4' },
  },
  Status: { State: 'ready', Addr: '10.0.0.1' },
  ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.1:2377' },
};

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('probeSwarm against fake engines', () => {
  test('an active manager: nodes and services, available', async () => {
    const engine = await fakeEngine({ '/info': managerInfo, '/nodes': [node], '/services': [{ ID: 's1' }, { ID: 's2' }] });
    const facts = await probeSwarm(ctxFor(envFor(engine.socket)));
    expect(facts).toMatchObject({ status: 'available', state: 'active', managers: 1, workers: 0, services: 2, genericResources: { 'NVIDIA-GPU': 2 } });
    expect(facts.nodes?.items[0]).toMatchObject({ hostname: 'mgr-01', leader: true, labels: { 'node.labels.gpu': 'true' } });
    expect('reason' in facts).toBe(false);
    valid(facts);
  });

  test('a worker: unavailable with the reason, and /nodes is never asked', async () => {
    const engine = await fakeEngine({ '/info': { Swarm: { NodeID: 'w1', LocalNodeState: 'active', ControlAvailable: false } } });
    const facts = await probeSwarm(ctxFor(envFor(engine.socket)));
    expect(facts).toEqual({ status: 'unavailable', reason: WORKER_REASON, state: 'active' });
    expect(engine.seen).toEqual(['GET /info']);
    valid(facts);
  });

  test('a manager without quorum: /nodes answers 503, unknown with the engine\'s words', async () => {
    const engine = await fakeEngine({
      '/info': managerInfo,
      '/nodes': (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: "rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online." }));
      },
      '/services': [],
    });
    const facts = await probeSwarm(ctxFor(envFor(engine.socket)));
    expect(facts.status).toBe('unknown');
    expect(facts.reason).toMatch(/HTTP 503 to GET \/nodes: .*does not have a leader/);
    expect(facts.state).toBe('active');
    valid(facts);
  });

  test('/services fails: still available, services left out, the reason says why', async () => {
    const engine = await fakeEngine({
      '/info': managerInfo,
      '/nodes': [node],
      '/services': (_req: http.IncomingMessage, res: http.ServerResponse) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'context deadline exceeded' }));
      },
    });
    const facts = await probeSwarm(ctxFor(envFor(engine.socket)));
    expect(facts.status).toBe('available');
    expect('services' in facts).toBe(false);
    expect(facts.reason).toMatch(/^GET \/services failed: .*HTTP 500.*context deadline exceeded/);
    valid(facts);
  });

  test('a hung engine: unknown inside the budget, never throws', async () => {
    const engine = await fakeEngine({ '/info': () => {} });
    const started = performance.now();
    const facts = await probeSwarm(ctxFor(envFor(engine.socket), 600));
    const took = performance.now() - started;
    expect(facts.status).toBe('unknown');
    expect(facts.reason).toMatch(/no answer from .* to GET \/info within/);
    // The probe's own deadline is 540 ms (apiDeadlineMs(600)); some slack for a loaded runner.
    expect(took).toBeLessThan(800);
    valid(facts);
  });

  test('a manager that hangs on /nodes: unknown inside the budget, the state kept', async () => {
    const engine = await fakeEngine({ '/info': managerInfo, '/nodes': () => {}, '/services': [] });
    const facts = await probeSwarm(ctxFor(envFor(engine.socket), 600));
    expect(facts).toMatchObject({ status: 'unknown', state: 'active', reason: expect.stringMatching(/GET \/nodes within/) });
  });

  test('no engine at the socket: unavailable, as the Docker probe says it', async () => {
    const facts = await probeSwarm(ctxFor(envFor(path.join(dir, 'nothing-here.sock'))));
    expect(facts.status).toBe('unavailable');
    expect(facts.reason).toMatch(/no Docker socket at .*nothing-here\.sock \(DOCKER_HOST\)/);
    valid(facts);
  });

  test('an unusable DOCKER_HOST: unknown with the endpoint\'s reason', async () => {
    const facts = await probeSwarm(ctxFor({ DOCKER_HOST: 'ftp://example.invalid', HOME: dir }));
    expect(facts.status).toBe('unknown');
    expect(facts.reason).toMatch(/DOCKER_HOST/);
  });

  test('something that is not a Docker API: unknown', async () => {
    const engine = await fakeEngine({ '/info': (_req: http.IncomingMessage, res: http.ServerResponse) => res.end('hello') });
    const facts = await probeSwarm(ctxFor(envFor(engine.socket)));
    expect(facts.status).toBe('unknown');
  });
});
