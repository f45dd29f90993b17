/**
 * The Docker probe against real engines: the shared dockerd (compared with `docker info`), a second
 * dockerd started here with an extra runtime and its own daemon.json, a single-node swarm, and fake
 * engines on unix sockets (hung, failing, permission denied, Podman). Every test that touches a real
 * engine lives in this file, so they run one after another.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { probeDocker } from '../../src/probes/docker/index.js';
import { contextDirName } from '../../src/probes/docker/endpoint.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { DockerFacts, Facts } from '../../src/facts/schema.js';
import { BIN, cliEnv, runCli } from '../helpers/cli.js';
import { assertDockerForCi, describeDocker, DOCKER_SOCKET } from '../helpers/docker.js';
import { startDockerd, which, type PrivateDockerd } from '../helpers/dockerd.js';
import { acquireEngineLock, releaseEngineLock } from '../helpers/engine-lock.js';
import { assertValid } from '../helpers/schema.js';

const run = promisify(execFile);
/** Debian's 20.10 client, the engine's own version. */
const DOCKER_CLI = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

const home = mkdtempSync(path.join(os.tmpdir(), 'mlready-docker-it-home-'));
/** An environment with nothing that would pick another engine (no DOCKER_*, an empty HOME). */
const baseEnv = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: home,
  ...overrides,
});
/** The same for the CLI as a process. */
const cliDockerEnv = (overrides: NodeJS.ProcessEnv = {}) =>
  cliEnv({ DOCKER_HOST: undefined, DOCKER_CONTEXT: undefined, DOCKER_CONFIG: undefined, DOCKER_TLS_VERIFY: undefined, DOCKER_TLS: undefined, DOCKER_CERT_PATH: undefined, HOME: home, ...overrides });

function ctxFor(env: NodeJS.ProcessEnv, timeoutMs = 5000): ProbeContext {
  return { timeoutMs, signal: new AbortController().signal, env, cwd: process.cwd(), tmpdir: os.tmpdir(), fsRoot: '/', progress: () => {} };
}

async function docker(args: string[], env: NodeJS.ProcessEnv = baseEnv()): Promise<string> {
  const { stdout } = await run(DOCKER_CLI, args, { env, timeout: 60000 });
  return stdout;
}

async function probeCli(env: NodeJS.ProcessEnv, timeoutSeconds = '5'): Promise<{ doc: Facts; docker: DockerFacts; durationMs: number }> {
  const r = await runCli(['probe', '--target', 'docker', '--timeout', timeoutSeconds], { env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout) as Facts;
  assertValid('facts', doc);
  return { doc, docker: doc.runtime.docker, durationMs: r.durationMs };
}

afterAll(() => rmSync(home, { recursive: true, force: true }));

// ---------------------------------------------------------------- the shared engine

describeDocker('docker probe against the real engine', () => {
  assertDockerForCi();

  let second: PrivateDockerd | undefined;
  let swarmInitialState = '';
  let weInitialisedSwarm = false;
  let gwbridgeExisted = true;

  beforeAll(async () => {
    // This suite changes the shared engine (swarm init/leave): one such suite at a time.
    await acquireEngineLock();
    // Recorded before anything changes, so afterAll can put the engine back as it was.
    swarmInitialState = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
    gwbridgeExisted = (await docker(['network', 'ls', '--format', '{{.Name}}'])).split('\n').includes('docker_gwbridge');
  }, 620_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    if (second) await second.stop().catch((e: unknown) => errors.push(e));
    if (weInitialisedSwarm) {
      await docker(['swarm', 'leave', '--force']).catch((e: unknown) => errors.push(e));
      if (!gwbridgeExisted) await docker(['network', 'rm', 'docker_gwbridge']).catch(() => {});
    }
    releaseEngineLock();
    if (errors.length) throw errors[0];
  });

  test('facts equal `docker info` (20.10 client) on the default socket', async () => {
    const [facts, infoJson, apiVersion] = await Promise.all([
      probeDocker(ctxFor(baseEnv())),
      docker(['info', '--format', '{{json .}}']),
      docker(['version', '--format', '{{.Server.APIVersion}}']),
    ]);
    const info = JSON.parse(infoJson) as {
      ServerVersion: string;
      Driver: string;
      CgroupVersion: string;
      CgroupDriver: string;
      Runtimes: Record<string, unknown>;
      Swarm: { LocalNodeState: string };
      DockerRootDir: string;
      NCPU: number;
      MemTotal: number;
      OSType: string;
      KernelVersion: string;
      LoggingDriver: string;
    };
    expect(facts.status).toBe('available');
    expect(facts.endpoint).toEqual({ host: `unix://${DOCKER_SOCKET}`, source: 'default socket', tls: false, local: true });
    expect(facts.engine).toBe('docker');
    expect(facts.serverVersion).toBe(info.ServerVersion);
    expect(facts.apiVersion).toBe(apiVersion.trim());
    expect(facts.storageDriver).toBe(info.Driver);
    expect(facts.cgroupVersion).toBe(info.CgroupVersion);
    expect(facts.cgroupDriver).toBe(info.CgroupDriver);
    expect(facts.runtimes).toEqual(Object.keys(info.Runtimes).sort());
    expect(facts.swarm?.state).toBe(info.Swarm.LocalNodeState);
    expect(facts.dataRoot).toBe(info.DockerRootDir);
    expect(facts.ncpu).toBe(info.NCPU);
    expect(facts.memTotalBytes).toBe(info.MemTotal);
    expect(facts.os).toBe(info.OSType);
    expect(facts.kernelVersion).toBe(info.KernelVersion);
    expect(facts.loggingDriver).toBe(info.LoggingDriver);
    // The daemon configuration: what is on disk, no more.
    expect(facts.daemonConfig?.path).toBeDefined();
    expect(facts.daemonConfig?.status).toBe(existsSync(facts.daemonConfig!.path) ? 'ok' : 'absent');
    expect(typeof facts.exposedWithoutTls).toBe('boolean');
    expect(facts.exposedWithoutTlsEvidence).toMatch(/127\.0\.0\.1:2375|tcp:\/\//);
  });

  test('the CLI: `mlready probe --target docker` with DOCKER_HOST, a valid facts document, quickly', async () => {
    const { doc, docker: d, durationMs } = await probeCli(cliDockerEnv({ DOCKER_HOST: `unix://${DOCKER_SOCKET}` }));
    expect(doc.targets).toEqual(['docker']);
    expect(d.status).toBe('available');
    expect(d.endpoint).toEqual({ host: `unix://${DOCKER_SOCKET}`, source: 'DOCKER_HOST', tls: false, local: true });
    expect(doc.probes.find((p) => p.target === 'docker')).toMatchObject({ outcome: 'ok' });
    // ~100 ms on an idle machine; generous here so a loaded CI runner does not flake.
    expect(durationMs).toBeLessThan(3000);
  });

  test('only ctx.env decides: DOCKER_* in process.env does not leak into the probe (docker-modem reads it by itself)', async () => {
    const saved = { DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CERT_PATH: process.env.DOCKER_CERT_PATH };
    process.env.DOCKER_HOST = 'tcp://192.0.2.1:2375';
    process.env.DOCKER_CERT_PATH = '/nonexistent/certs';
    try {
      const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${DOCKER_SOCKET}` })));
      expect(facts).toMatchObject({ status: 'available', endpoint: { host: `unix://${DOCKER_SOCKET}`, source: 'DOCKER_HOST' } });
      expect(process.env.DOCKER_HOST).toBe('tcp://192.0.2.1:2375'); // put back as it was
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('the current context of a docker configuration directory (meta.json under the sha256 of its name)', async () => {
    const configDir = mkdtempSync(path.join(os.tmpdir(), 'mlready-docker-it-config-'));
    try {
      const meta = path.join(configDir, 'contexts', 'meta', contextDirName('it-engine'));
      mkdirSync(meta, { recursive: true });
      writeFileSync(path.join(meta, 'meta.json'), JSON.stringify({ Name: 'it-engine', Metadata: {}, Endpoints: { docker: { Host: `unix://${DOCKER_SOCKET}`, SkipTLSVerify: false } } }));
      writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ auths: { 'registry.example': { auth: 'c2VjcmV0OnNlY3JldA==' } }, currentContext: 'it-engine' }));
      const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_CONFIG: configDir })));
      expect(facts.status).toBe('available');
      expect(facts.endpoint).toEqual({ host: `unix://${DOCKER_SOCKET}`, source: 'context "it-engine"', context: 'it-engine', tls: false, local: true });
      expect(JSON.stringify(facts)).not.toContain('c2VjcmV0OnNlY3JldA==');
      // The 20.10 client agrees on what that context is.
      expect((await docker(['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'], baseEnv({ DOCKER_CONFIG: configDir }))).trim()).toBe(`unix://${DOCKER_SOCKET}`);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  test('a second dockerd with --add-runtime nvidia, probed through DOCKER_HOST', async () => {
    const runc = execFileSync('sh', ['-c', 'command -v runc'], { encoding: 'utf8' }).trim() || which('runc');
    expect(runc).toBeTruthy();
    second = await startDockerd({
      runtimes: { nvidia: runc! },
      config: {
        'log-opts': { 'max-size': '10m', 'max-file': '3' },
        'default-shm-size': '128M',
        'default-ulimits': { memlock: { Name: 'memlock', Hard: -1, Soft: -1 } },
      },
    });
    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: second.host })));
    expect(facts.status).toBe('available');
    expect(facts.endpoint).toEqual({ host: second.host, source: 'DOCKER_HOST', tls: false, local: true });
    expect(facts.runtimes).toContain('nvidia');
    expect(facts.runtimes).toContain('runc');
    expect(facts.dataRoot).toBe(second.dataRoot);
    // Found through the second dockerd's command line (--config-file), not /etc/docker/daemon.json.
    expect(facts.daemonConfig).toEqual({
      path: second.configFile,
      status: 'ok',
      defaultUlimits: { memlock: { soft: -1, hard: -1 } },
      defaultShmSizeBytes: 128 * 1024 * 1024,
    });
    expect(facts.logOptions).toEqual({ 'max-size': '10m', 'max-file': '3' });
    expect(facts.exposedWithoutTlsEvidence).toContain(`dockerd (pid ${second.pid}) has no tcp:// -H`);

    const cli = await probeCli(cliDockerEnv({ DOCKER_HOST: second.host }));
    expect(cli.docker.runtimes).toEqual(facts.runtimes);
    expect(cli.docker.logOptions).toEqual({ 'max-size': '10m', 'max-file': '3' });
  });

  test('the second dockerd stops cleanly: no process, no pidfile, no directory', async () => {
    expect(second).toBeDefined();
    const { dir, pid } = second!;
    await second!.stop();
    second = undefined;
    expect(existsSync(path.join(dir, 'docker.pid'))).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  test('swarm: active with one node and one manager after `docker swarm init`', async () => {
    if (swarmInitialState !== 'active') {
      try {
        await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1']);
        weInitialisedSwarm = true;
      } catch (e) {
        // Someone else made it a swarm in the meantime: use theirs, leave it to them.
        if (!/already part of a swarm/i.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
      }
    }
    const [facts, nodeId] = await Promise.all([probeDocker(ctxFor(baseEnv())), docker(['info', '--format', '{{.Swarm.NodeID}}'])]);
    expect(facts.swarm).toMatchObject({ state: 'active', controlAvailable: true, nodeId: nodeId.trim() });
    if (weInitialisedSwarm) expect(facts.swarm).toMatchObject({ nodes: 1, managers: 1, nodeAddr: '127.0.0.1' });
    else expect(facts.swarm?.nodes).toBeGreaterThanOrEqual(1);
  });
});

// ---------------------------------------------------------------- no engine, or a fake one

/** A unix socket in a fresh directory, and a way to clean it up. */
function tempSocket(): { dir: string; socket: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-fake-engine-'));
  return { dir, socket: path.join(dir, 'docker.sock') };
}

async function listen(server: net.Server, socket: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, resolve);
  });
}

/** Remembers a server's connections so that close() can end them (a hung client must not hold it). */
function tracked<S extends net.Server>(server: S): S {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  (server as S & { destroyConnections?: () => void }).destroyConnections = () => sockets.forEach((s) => s.destroy());
  return server;
}

async function close(server: net.Server): Promise<void> {
  (server as net.Server & { destroyConnections?: () => void }).destroyConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** An HTTP server on a unix socket answering GET paths with JSON. */
function fakeEngine(routes: Record<string, { status?: number; body: unknown; headers?: Record<string, string> }>): http.Server {
  return tracked(http.createServer((req, res) => {
    const route = routes[(req.url ?? '').replace(/^\/v[\d.]+/, '').split('?')[0]!];
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: `page not found: ${req.url}` }));
      return;
    }
    const body = typeof route.body === 'string' ? route.body : JSON.stringify(route.body);
    res.writeHead(route.status ?? 200, { 'Content-Type': 'application/json', ...route.headers });
    res.end(body);
  }));
}

describe('docker probe against missing, broken and fake engines', () => {
  const dirs: string[] = [];
  const servers: net.Server[] = [];
  const temp = () => {
    const t = tempSocket();
    dirs.push(t.dir);
    return t;
  };
  afterAll(async () => {
    for (const s of servers) await close(s);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('DOCKER_HOST naming a missing socket: unavailable, naming it', async () => {
    const { socket } = temp();
    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${socket}` })));
    expect(facts).toEqual({
      status: 'unavailable',
      reason: `no Docker socket at ${socket} (DOCKER_HOST): the engine is not running or listens elsewhere`,
      endpoint: { host: `unix://${socket}`, source: 'DOCKER_HOST', tls: false, local: true },
    });
    const cli = await probeCli(cliDockerEnv({ DOCKER_HOST: `unix://${socket}` }));
    expect(cli.docker).toEqual(facts);
    expect(cli.doc.storage.dockerDataRoot).toMatchObject({ status: 'unknown' });
  });

  test('a socket that accepts and never answers: unknown within the budget, no handle left behind', async () => {
    const { socket } = temp();
    const open = new Set<net.Socket>();
    const server = tracked(
      net.createServer((s) => {
        open.add(s);
        s.resume(); // read (and ignore) the request, so that the client's close is seen
        s.on('close', () => open.delete(s));
        s.on('error', () => {});
      }),
    );
    servers.push(server);
    await listen(server, socket);

    const started = performance.now();
    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${socket}` }), 1000));
    const elapsed = performance.now() - started;
    expect(facts.status).toBe('unknown');
    expect(facts.reason).toMatch(new RegExp(`^no answer from ${socket.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} to GET /(info|version) within 0\\.9 s`));
    expect(elapsed).toBeLessThan(1000 + 1000);
    // The probe closed its connections on the way out.
    await new Promise((r) => setTimeout(r, 100));
    expect(open.size).toBe(0);

    // As a process: it exits by itself, in time, with the same answer.
    const cli = await probeCli(cliDockerEnv({ DOCKER_HOST: `unix://${socket}` }), '1');
    expect(cli.docker.status).toBe('unknown');
    expect(cli.docker.reason).toContain('no answer from');
    expect(cli.durationMs).toBeLessThan(1000 + 1000);
  });

  test('an HTTP error from the engine: unknown, with the status', async () => {
    const { socket } = temp();
    const server = fakeEngine({
      '/info': { status: 500, body: { message: 'error during connect: daemon is shutting down' } },
      '/version': { body: { Version: '20.10.24', ApiVersion: '1.41' } },
    });
    servers.push(server);
    await listen(server, socket);
    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${socket}` })));
    expect(facts).toEqual({
      status: 'unknown',
      reason: `${socket} answered HTTP 500 to GET /info: error during connect: daemon is shutting down`,
      endpoint: { host: `unix://${socket}`, source: 'DOCKER_HOST', tls: false, local: true },
    });
  });

  test('something that is not the Docker API: unknown', async () => {
    const { socket } = temp();
    const server = fakeEngine({ '/info': { body: '<html>hello</html>', headers: { 'Content-Type': 'text/html' } }, '/version': { body: '<html/>' } });
    servers.push(server);
    await listen(server, socket);
    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${socket}` })));
    expect(facts.status).toBe('unknown');
    expect(facts.reason).toContain('not a Docker API');
  });

  test('Podman speaking the Docker API: engine "podman"', async () => {
    const { socket } = temp();
    const server = fakeEngine({
      '/version': {
        body: {
          Platform: { Name: 'linux/amd64/fedora-39' },
          Components: [
            {
              Name: 'Podman Engine',
              Version: '4.9.4',
              Details: { APIVersion: '4.9.4', Arch: 'amd64', MinAPIVersion: '4.0.0', Os: 'linux' },
            },
            { Name: 'Conmon', Version: 'conmon version 2.1.10', Details: { Package: 'conmon-2.1.10-1.fc39.x86_64' } },
            { Name: 'OCI Runtime (crun)', Version: 'crun version 1.14.4', Details: { Package: 'crun-1.14.4-1.fc39.x86_64' } },
          ],
          Version: '4.9.4',
          ApiVersion: '1.41',
          MinAPIVersion: '1.24',
          Os: 'linux',
          Arch: 'amd64',
          KernelVersion: '6.8.9-200.fc39.x86_64',
        },
      },
      '/info': {
        body: {
          ID: 'b8a4c1c0',
          Containers: 1,
          ContainersRunning: 0,
          Images: 4,
          Driver: 'overlay',
          DriverStatus: [['Backing Filesystem', 'extfs']],
          OSType: 'linux',
          Architecture: 'amd64',
          CgroupDriver: 'systemd',
          CgroupVersion: '2',
          KernelVersion: '6.8.9-200.fc39.x86_64',
          OperatingSystem: 'fedora',
          NCPU: 8,
          MemTotal: 16615407616,
          ServerVersion: '4.9.4',
          DockerRootDir: '/home/ada/.local/share/containers/storage',
          SecurityOptions: ['name=seccomp,profile=default', 'name=rootless', 'name=selinux'],
          Runtimes: { crun: { path: '/usr/bin/crun' }, runc: { path: '/usr/bin/runc' } },
          DefaultRuntime: 'crun',
          LoggingDriver: 'k8s-file',
          HttpProxy: 'http://ada:hunter2@proxy.corp:3128',
          Swarm: { LocalNodeState: 'inactive' },
          Warnings: [],
        },
      },
    });
    servers.push(server);
    await listen(server, socket);
    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${socket}` })));
    expect(facts).toMatchObject({
      status: 'available',
      engine: 'podman',
      serverVersion: '4.9.4',
      apiVersion: '1.41',
      cgroupVersion: '2',
      runtimes: ['crun', 'runc'],
      defaultRuntime: 'crun',
      rootless: true,
      httpProxy: 'http://***@proxy.corp:3128',
      warnings: [],
    });
    // daemon.json is Docker's: not reported for Podman.
    expect(facts).not.toHaveProperty('daemonConfig');
    expect(facts).not.toHaveProperty('logOptions');
    expect(JSON.stringify(facts)).not.toContain('hunter2');

    const cli = await probeCli(cliDockerEnv({ DOCKER_HOST: `unix://${socket}` }));
    expect(cli.docker.engine).toBe('podman');
  });

  test('TLS: DOCKER_TLS_VERIFY with DOCKER_CERT_PATH (client certificate), and nothing of it in the facts', async () => {
    const openssl = which('openssl');
    if (!openssl) {
      // eslint-disable-next-line no-console
      console.warn('openssl not found: TLS endpoint test skipped');
      return;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-fake-engine-tls-'));
    dirs.push(dir);
    const certs = path.join(dir, 'client-certs');
    mkdirSync(certs);
    const ssl = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    ssl(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', path.join(certs, 'ca.pem'), '-days', '1', '-subj', '/CN=mlready test CA']);
    writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
    for (const [name, ext, keyOut, certOut] of [
      ['server', 'server.ext', 'server-key.pem', 'server-cert.pem'],
      ['client', 'client.ext', path.join(certs, 'key.pem'), path.join(certs, 'cert.pem')],
    ] as const) {
      ssl(['req', ...ec, '-keyout', keyOut, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
      ssl(['x509', '-req', '-in', `${name}.csr`, '-CA', path.join(certs, 'ca.pem'), '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', certOut, '-days', '1', '-extfile', ext]);
    }
    const clientsSeen: string[] = [];
    const server = tracked(
      https.createServer(
        {
          key: readFileSync(path.join(dir, 'server-key.pem')),
          cert: readFileSync(path.join(dir, 'server-cert.pem')),
          ca: readFileSync(path.join(certs, 'ca.pem')),
          requestCert: true,
          rejectUnauthorized: true, // like dockerd --tlsverify: no client certificate, no answer
        },
        (req, res) => {
          clientsSeen.push(String((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? ''));
          const url = (req.url ?? '').split('?')[0];
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(url === '/version' ? { Version: '24.0.7', ApiVersion: '1.43', MinAPIVersion: '1.12' } : { ServerVersion: '24.0.7', OSType: 'linux' }));
        },
      ),
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const host = `tcp://127.0.0.1:${port}`;

    const facts = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs })));
    expect(facts).toMatchObject({
      status: 'available',
      endpoint: { host, source: 'DOCKER_HOST', tls: true, local: true },
      serverVersion: '24.0.7',
      apiVersion: '1.43',
    });
    expect(clientsSeen).toContain('client');
    const text = JSON.stringify(facts);
    expect(text).not.toContain(certs);
    expect(text).not.toMatch(/BEGIN|PRIVATE KEY|\.pem/);

    // Verification is real: a CA that did not sign the server's certificate is refused.
    const otherCa = path.join(dir, 'other-ca');
    mkdirSync(otherCa);
    ssl(['req', '-x509', ...ec, '-keyout', path.join(dir, 'other-ca-key.pem'), '-out', path.join(otherCa, 'ca.pem'), '-days', '1', '-subj', '/CN=other CA']);
    for (const f of ['cert.pem', 'key.pem']) writeFileSync(path.join(otherCa, f), readFileSync(path.join(certs, f)));
    const refused = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: otherCa })));
    expect(refused.status).toBe('unknown');
    expect(refused.reason).toMatch(/^TLS with tcp:\/\/127\.0\.0\.1:\d+ failed: /);

    // DOCKER_TLS without verification: the same client certificate, no check of the server.
    const unverified = await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: host, DOCKER_TLS: '1', DOCKER_CERT_PATH: otherCa })));
    expect(unverified).toMatchObject({ status: 'available', endpoint: { tls: true } });
  });

  test('permission denied on the socket: unavailable, saying how to fix it', async () => {
    const { dir, socket } = temp();
    const server = tracked(net.createServer((s) => s.destroy()));
    servers.push(server);
    await listen(server, socket);
    const expected = {
      status: 'unavailable',
      reason: `permission denied on ${socket}: add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again) or use rootless Docker`,
      endpoint: { host: `unix://${socket}`, source: 'DOCKER_HOST', tls: false, local: true },
    };
    const uid = process.getuid?.() ?? -1;
    if (uid !== 0) {
      // Not root: a socket of our own with no permissions is refused to us.
      chmodSync(socket, 0o000);
      expect(await probeDocker(ctxFor(baseEnv({ DOCKER_HOST: `unix://${socket}` })))).toEqual(expected);
      return;
    }
    // Root: the socket stays root's (0600) and the CLI runs as nobody.
    chmodSync(dir, 0o755);
    chmodSync(socket, 0o600);
    const setpriv = which('setpriv');
    if (!setpriv) {
      // eslint-disable-next-line no-console
      console.warn('setpriv not found: the permission mapping is covered by test/unit/docker-daemon.test.ts only');
      return;
    }
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];
    try {
      // Can nobody run node and read the CLI here at all? (Not when the checkout is under /root.)
      execFileSync(setpriv, [...asNobody, process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)}, require('fs').constants.R_OK)`], { stdio: 'pipe', cwd: '/' });
    } catch {
      // eslint-disable-next-line no-console
      console.warn('uid 65534 cannot run the CLI from this checkout: the permission mapping is covered by test/unit/docker-daemon.test.ts only');
      return;
    }
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(setpriv, [...asNobody, process.execPath, BIN, 'probe', '--target', 'docker'], {
        env: cliDockerEnv({ DOCKER_HOST: `unix://${socket}`, HOME: '/tmp' }),
        cwd: '/',
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as Facts;
    assertValid('facts', doc);
    expect(doc.runtime.docker).toEqual(expected);
  });
});
