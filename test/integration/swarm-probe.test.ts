/**
 * The Swarm probe against the real engine, through the CLI as a user runs it
 * (`mlready probe --target swarm,docker`): an inactive engine, then a single-node swarm made here with
 * `docker swarm init --advertise-addr 127.0.0.1` (only when the engine was not in one), with a node
 * label. `cluster.swarm` must agree with `runtime.docker.swarm` from the same run. Holds the engine
 * lock from beforeAll to afterAll, and leaves the swarm only if this file made it.
 *
 * Generic resources (GPUs) cannot be added to a running engine (they come from dockerd's
 * `node-generic-resources`): their parsing is tested in test/unit/swarm-map.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Facts } from '../../src/facts/schema.js';
import { cliEnv, runCli } from '../helpers/cli.js';
import { assertDockerForCi, describeDocker } from '../helpers/docker.js';
import { startDockerd, type PrivateDockerd } from '../helpers/dockerd.js';
import { acquireEngineLock, releaseEngineLock } from '../helpers/engine-lock.js';
import { assertValid } from '../helpers/schema.js';

const run = promisify(execFile);
/** Debian's 20.10 client, the engine's own version. */
const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
const home = mkdtempSync(path.join(os.tmpdir(), 'mlready-swarm-it-home-'));

async function docker(args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home }): Promise<string> {
  const { stdout } = await run(DOCKER_CLI, args, { env, timeout: 60000 });
  return stdout.trim();
}

/** The CLI's environment: nothing that would pick another engine. */
const cliDockerEnv = (overrides: NodeJS.ProcessEnv = {}) =>
  cliEnv({ DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_CONFIG: undefined, DOCKER_TLS_VERIFY: undefined, DOCKER_TLS: undefined, DOCKER_CERT_PATH: undefined, HOME: home, ...overrides });

async function probeCli(env: NodeJS.ProcessEnv): Promise<Facts> {
  const r = await runCli(['probe', '--target', 'swarm,docker', '--timeout', '10'], { env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as Facts;
  assertValid('facts', doc);
  expect(doc.targets).toEqual(['swarm', 'docker']);
  return doc;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const networks = async () => (await docker(['network', 'ls', '--format', '{{.Name}}'])).split('\n');

afterAll(() => rmSync(home, { recursive: true, force: true }));

describeDocker('swarm probe against the real engine', () => {
  assertDockerForCi();

  let initialState = '';
  let weInitialised = false;
  let gwbridgeExisted = true;
  let labelAdded = false;
  let nodeId = '';
  let privateEngine: PrivateDockerd | undefined;

  beforeAll(async () => {
    await acquireEngineLock();
    // Recorded before anything changes, so afterAll can put the engine back as it was.
    initialState = await docker(['info', '--format', '{{.Swarm.LocalNodeState}}']);
    gwbridgeExisted = (await networks()).includes('docker_gwbridge');
  }, 600_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    try {
      if (privateEngine) await privateEngine.stop().catch((e: unknown) => errors.push(e));
      if (weInitialised) {
        // Leaving while the ingress sandbox is still being set up leaves a stale "ingress" network
        // behind on 20.10: wait until it is attached first.
        await waitFor(
          'the ingress sandbox',
          async () => (await docker(['network', 'inspect', 'docker_gwbridge', '--format', '{{json .Containers}}'])).includes('ingress-sbox'),
          15000,
        ).catch(() => {});
        await docker(['swarm', 'leave', '--force']).catch((e: unknown) => errors.push(e));
        await waitFor('the ingress network to go', async () => !(await networks()).includes('ingress'), 15000).catch((e: unknown) => errors.push(e));
        if (!gwbridgeExisted) {
          await waitFor('docker_gwbridge to be removable', async () => (await docker(['network', 'rm', 'docker_gwbridge']), true), 15000).catch((e: unknown) =>
            errors.push(e),
          );
        }
      } else if (labelAdded) {
        await docker(['node', 'update', '--label-rm', 'gpu', nodeId]).catch((e: unknown) => errors.push(e));
      }
    } finally {
      releaseEngineLock();
    }
    if (errors.length) throw errors[0];
  }, 120_000);

  test('an engine outside any swarm: unavailable, and the same state as runtime.docker.swarm', async () => {
    // The shared engine when it is not in a swarm; otherwise a private one (never leave someone else's swarm).
    let env = cliDockerEnv();
    if (initialState !== 'inactive') {
      privateEngine = await startDockerd();
      env = cliDockerEnv({ DOCKER_HOST: privateEngine.host });
    }
    const doc = await probeCli(env);
    expect(doc.cluster.swarm).toEqual({
      status: 'unavailable',
      reason: expect.stringMatching(/not part of a swarm/),
      state: 'inactive',
    });
    expect(doc.runtime.docker.status).toBe('available');
    expect(doc.runtime.docker.swarm?.state).toBe(doc.cluster.swarm.state);
    expect(doc.probes.find((p) => p.target === 'swarm')).toMatchObject({ outcome: 'ok' });
  }, 120_000);

  test('a single-node swarm: one ready manager, its label, its engine version, agreeing with runtime.docker.swarm', async () => {
    if (initialState !== 'active') {
      try {
        await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
        weInitialised = true;
      } catch (e) {
        // Someone else made it a swarm in the meantime (without the lock): use theirs, leave it to them.
        if (!/already part of a swarm/i.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
      }
    }
    nodeId = await docker(['info', '--format', '{{.Swarm.NodeID}}']);
    const before = JSON.parse(await docker(['node', 'inspect', nodeId, '--format', '{{json .Spec.Labels}}'])) as Record<string, string> | null;
    if (!before?.gpu) {
      await docker(['node', 'update', '--label-add', 'gpu=true', nodeId]);
      labelAdded = true;
    }
    const engineVersion = await docker(['version', '--format', '{{.Server.Version}}']);

    const doc = await probeCli(cliDockerEnv());
    const swarm = doc.cluster.swarm;
    const summary = doc.runtime.docker.swarm;
    expect(swarm.status).toBe('available');
    expect(swarm.reason).toBeUndefined();
    // Agreement with the engine's own summary (/info), in the same document.
    expect(swarm.state).toBe('active');
    expect(summary).toMatchObject({ state: swarm.state, controlAvailable: true, nodes: swarm.nodes!.total, managers: swarm.managers });

    const self = swarm.nodes!.items.find((n) => n.id === nodeId);
    expect(self).toMatchObject({ role: 'manager', availability: 'active', state: 'ready', leader: true, engineVersion });
    expect(self!.labels['node.labels.gpu']).toBe(before?.gpu ?? 'true');
    expect(self!.genericResources).toEqual({});
    expect(self!.nanoCpus).toBeGreaterThan(0);
    expect(self!.memoryBytes).toBeGreaterThan(0);
    expect(typeof swarm.services).toBe('number');
    if (weInitialised) {
      expect(swarm).toMatchObject({
        state: 'active',
        managers: 1,
        workers: 0,
        nodes: { total: 1, ready: 1, byRole: { manager: 1 }, byAvailability: { active: 1 }, engineVersions: { [engineVersion]: 1 } },
        genericResources: {},
        services: 0,
      });
    }
    expect(doc.probes.find((p) => p.target === 'swarm')).toMatchObject({ outcome: 'ok' });
  }, 120_000);
});
