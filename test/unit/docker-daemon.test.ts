/**
 * The Docker probe's view of the daemon's own configuration (daemon.json, the dockerd command line,
 * TCP exposure) and its error mapping, without an engine.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  chooseConfig,
  configCandidates,
  decideExposure,
  findDockerdFor,
  findDockerds,
  matchDockerd,
  parseDaemonConfig,
  parseDockerdArgs,
  parseRamInBytes,
  pingPlainTcp,
  readDaemonConfig,
  type DockerdProcess,
} from '../../src/probes/docker/daemon.js';
import { DeadlineError, describeFailure, PERMISSION_HINT } from '../../src/probes/docker/errors.js';
import type { Transport } from '../../src/probes/docker/endpoint.js';

const unixSock = (socketPath: string): Transport => ({ kind: 'unix', socketPath });

describe('dockerd command line', () => {
  test('hosts, config file, TLS and log options in their spellings', () => {
    expect(
      parseDockerdArgs([
        '-H', 'fd://',
        '--host=tcp://0.0.0.0:2375',
        '--host', 'unix:///run/docker.sock',
        '--config-file=/etc/docker/alt.json',
        '--log-opt', 'max-size=10m',
        '--log-opt=max-file=3',
        '--tlsverify=false',
      ]),
    ).toEqual({
      hosts: ['fd://', 'tcp://0.0.0.0:2375', 'unix:///run/docker.sock'],
      configFile: '/etc/docker/alt.json',
      tls: false,
      logOpts: { 'max-size': '10m', 'max-file': '3' },
    });
    expect(parseDockerdArgs(['--tlsverify', '--tlscacert=/x/ca.pem']).tls).toBe(true);
    expect(parseDockerdArgs(['--tls=true']).tls).toBe(true);
    expect(parseDockerdArgs([])).toEqual({ hosts: [], tls: false, logOpts: {} });
  });

  test('which dockerd serves a socket: by -H, or the only one without -H for the default socket', () => {
    const a: DockerdProcess = { pid: 10, args: { hosts: [], tls: false, logOpts: {} } };
    const b: DockerdProcess = { pid: 20, args: { hosts: ['unix:///tmp/second/docker.sock'], tls: false, logOpts: {} } };
    const c: DockerdProcess = { pid: 30, args: { hosts: ['tcp://127.0.0.1:2376'], tls: true, logOpts: {} } };
    expect(matchDockerd([a, b, c], unixSock('/var/run/docker.sock'), {})?.pid).toBe(10);
    expect(matchDockerd([a, b, c], unixSock('/run/docker.sock'), {})?.pid).toBe(10);
    expect(matchDockerd([a, b, c], unixSock('/tmp/second/docker.sock'), {})?.pid).toBe(20);
    expect(matchDockerd([a, b, c], unixSock('/tmp/other.sock'), {})).toBeUndefined();
    expect(matchDockerd([a, b, c], { kind: 'tcp', hostname: '127.0.0.1', port: 2376 }, {})?.pid).toBe(30);
    expect(matchDockerd([a, { ...a, pid: 11 }], unixSock('/var/run/docker.sock'), {})).toBeUndefined(); // ambiguous
    const systemd: DockerdProcess = { pid: 5, args: { hosts: ['fd://'], tls: false, logOpts: {} } };
    expect(matchDockerd([systemd, b], unixSock('/run/docker.sock'), {})?.pid).toBe(5);
  });

  test('found in /proc by comm, with its arguments (a fake /proc and pidfile under fsRoot)', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'mlready-fsroot-'));
    const proc = path.join(root, 'proc');
    mkdirSync(proc);
    try {
      const write = (pid: number, comm: string, argv: string[]) => {
        mkdirSync(path.join(proc, String(pid)));
        writeFileSync(path.join(proc, String(pid), 'comm'), `${comm}\n`);
        writeFileSync(path.join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
      };
      write(1, 'systemd', ['/sbin/init']);
      write(812, 'dockerd', ['/usr/bin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock']);
      write(900, 'dockerd', ['dockerd', '--host=unix:///tmp/b.sock', '--config-file', '/tmp/b.json']);
      mkdirSync(path.join(proc, 'self'));
      mkdirSync(path.join(proc, '77')); // a process that went away: no comm
      const found = (await findDockerds(proc)).sort((x, y) => x.pid - y.pid);
      expect(found).toEqual([
        { pid: 812, args: { hosts: ['fd://'], tls: false, logOpts: {} } },
        { pid: 900, args: { hosts: ['unix:///tmp/b.sock'], configFile: '/tmp/b.json', tls: false, logOpts: {} } },
      ]);
      expect(await findDockerds(path.join(proc, 'missing'))).toEqual([]);

      // Through the default pidfile first, else by scanning.
      mkdirSync(path.join(root, 'var', 'run'), { recursive: true });
      writeFileSync(path.join(root, 'var', 'run', 'docker.pid'), '812');
      expect((await findDockerdFor(root, unixSock('/var/run/docker.sock'), {}))?.pid).toBe(812);
      expect((await findDockerdFor(root, unixSock('/tmp/b.sock'), {}))?.args.configFile).toBe('/tmp/b.json');
      expect(await findDockerdFor(root, unixSock('/tmp/c.sock'), {})).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('daemon.json', () => {
  test('log-opts, default-ulimits, default-shm-size, hosts and TLS', () => {
    const parsed = parseDaemonConfig(
      JSON.stringify({
        'log-driver': 'json-file',
        'log-opts': { 'max-size': '10m', 'max-file': 3, compress: true, labels: ['x'] },
        'default-ulimits': { nofile: { Name: 'nofile', Hard: 65536, Soft: 1024 }, memlock: { Name: 'memlock', Hard: -1, Soft: -1 } },
        'default-shm-size': '1G',
        hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'],
        tlsverify: true,
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      config: {
        tls: true,
        logOpts: { 'max-size': '10m', 'max-file': '3', compress: 'true' },
        defaultUlimits: { nofile: { soft: 1024, hard: 65536 }, memlock: { soft: -1, hard: -1 } },
        defaultShmSizeBytes: 1024 ** 3,
        hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2376'],
      },
    });
    expect(parseDaemonConfig('{}')).toEqual({ ok: true, config: { tls: false } });
    expect(parseDaemonConfig('{ "log-opts": ')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not valid JSON/) });
    expect(parseDaemonConfig('[]')).toEqual({ ok: false, reason: 'not a JSON object' });
  });

  test.each([
    ['64m', 64 * 1024 ** 2],
    ['64M', 64 * 1024 ** 2],
    ['2g', 2 * 1024 ** 3],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['512kb', 512 * 1024],
    ['65536', 65536],
    [65536, 65536],
    ['lots', undefined],
    [null, undefined],
  ])('default-shm-size %p → %p bytes', (value, bytes) => {
    expect(parseRamInBytes(value)).toBe(bytes);
  });

  test('read: ok, absent, or unknown with a one-line reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-daemonjson-'));
    try {
      writeFileSync(path.join(dir, 'good.json'), '{"log-opts":{"max-size":"5m"}}');
      writeFileSync(path.join(dir, 'bad.json'), '{"log-opts":');
      expect(await readDaemonConfig(path.join(dir, 'good.json'))).toEqual({
        path: path.join(dir, 'good.json'),
        status: 'ok',
        config: { tls: false, logOpts: { 'max-size': '5m' } },
      });
      expect(await readDaemonConfig(path.join(dir, 'none.json'))).toEqual({ path: path.join(dir, 'none.json'), status: 'absent' });
      const bad = await readDaemonConfig(path.join(dir, 'bad.json'));
      expect(bad).toMatchObject({ status: 'unknown', reason: expect.stringContaining('is not valid JSON') });
      expect(bad.status === 'unknown' && bad.reason.split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('candidates: /etc/docker/daemon.json under fsRoot, the rootless one under XDG_CONFIG_HOME or ~/.config, Docker Desktop\'s', () => {
    expect(configCandidates('/', { HOME: '/home/ada' })).toEqual({
      system: '/etc/docker/daemon.json',
      rootless: '/home/ada/.config/docker/daemon.json',
      desktop: '/home/ada/.docker/daemon.json',
    });
    expect(configCandidates('/fake', { HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg', DOCKER_CONFIG: '/dc' })).toEqual({
      system: '/fake/etc/docker/daemon.json',
      rootless: '/xdg/docker/daemon.json',
      desktop: '/dc/daemon.json',
    });
  });

  test('which file is the engine\'s: --config-file, Docker Desktop\'s, rootless, system', () => {
    const reads = {
      explicit: { path: '/srv/d.json', status: 'absent' as const },
      system: { path: '/etc/docker/daemon.json', status: 'absent' as const },
      rootless: { path: '/home/ada/.config/docker/daemon.json', status: 'absent' as const },
      desktop: { path: '/home/ada/.docker/daemon.json', status: 'absent' as const },
    };
    expect(chooseConfig(reads, { rootless: true })?.path).toBe('/srv/d.json');
    const { explicit: _, ...noExplicit } = reads;
    expect(chooseConfig(noExplicit, { operatingSystem: 'Docker Desktop' })?.path).toBe('/home/ada/.docker/daemon.json');
    expect(chooseConfig(noExplicit, { rootless: true })?.path).toBe('/home/ada/.config/docker/daemon.json');
    expect(chooseConfig(noExplicit, { rootless: false })?.path).toBe('/etc/docker/daemon.json');
    expect(chooseConfig({ desktop: reads.desktop }, { operatingSystem: 'Ubuntu 24.04' })).toBeUndefined(); // not Linux
  });
});

describe('exposedWithoutTls', () => {
  const local = unixSock('/var/run/docker.sock');
  const dockerd = (hosts: string[], tls = false): DockerdProcess => ({ pid: 42, args: { hosts, tls, logOpts: {} } });

  test('we reached the API over tcp:// without TLS ourselves', () => {
    expect(decideExposure({ transport: { kind: 'tcp', hostname: '10.0.0.9', port: 2375 }, local: false, plain2375: undefined })).toEqual({
      exposed: true,
      evidence: 'mlready itself reached the API over tcp://10.0.0.9:2375 without TLS',
    });
  });

  test('daemon.json hosts with a tcp:// listener and no TLS', () => {
    const r = decideExposure({
      transport: local,
      local: true,
      configRead: { path: '/etc/docker/daemon.json', status: 'ok', config: { tls: false, hosts: ['unix:///var/run/docker.sock', 'tcp://0.0.0.0:2375'] } },
      plain2375: false,
    });
    expect(r).toEqual({ exposed: true, evidence: '/etc/docker/daemon.json "hosts" has tcp://0.0.0.0:2375 without tls/tlsverify' });
  });

  test('a -H tcp:// on the dockerd command line without --tlsverify', () => {
    expect(decideExposure({ transport: local, local: true, dockerd: dockerd(['fd://', 'tcp://0.0.0.0:2375']), plain2375: false })).toEqual({
      exposed: true,
      evidence: 'dockerd (pid 42) listens on tcp://0.0.0.0:2375 without --tlsverify',
    });
    expect(decideExposure({ transport: local, local: true, dockerd: dockerd(['tcp://0.0.0.0:2376'], true), plain2375: false })).toEqual({
      exposed: false,
      evidence: 'dockerd (pid 42) -H tcp://0.0.0.0:2376 use TLS; nothing answered GET /_ping on 127.0.0.1:2375 within 200 ms',
    });
  });

  test('127.0.0.1:2375 answering /_ping', () => {
    expect(decideExposure({ transport: local, local: true, plain2375: true })).toEqual({
      exposed: true,
      evidence: 'GET /_ping on 127.0.0.1:2375 answered OK without TLS',
    });
  });

  test('none of these: false, with what was checked', () => {
    expect(
      decideExposure({ transport: local, local: true, configRead: { path: '/etc/docker/daemon.json', status: 'absent' }, dockerd: dockerd([]), plain2375: false }),
    ).toEqual({
      exposed: false,
      evidence: '/etc/docker/daemon.json is absent; dockerd (pid 42) has no tcp:// -H; nothing answered GET /_ping on 127.0.0.1:2375 within 200 ms',
    });
  });

  test('a remote engine over TLS or ssh: cannot tell', () => {
    expect(decideExposure({ transport: { kind: 'tcp', hostname: 'h', port: 2376, tls: { verify: true } }, local: false, plain2375: undefined })).toBeUndefined();
    expect(decideExposure({ transport: { kind: 'ssh', hostname: 'h', port: 22 }, local: false, plain2375: undefined })).toBeUndefined();
  });

  test('pingPlainTcp: OK from a clear-text /_ping, false from anything else, within its time', async () => {
    const sockets = new Set<net.Socket>();
    const serve = (answer: ((s: net.Socket) => void) | null) =>
      new Promise<net.Server>((resolve) => {
        const server = net.createServer((s) => {
          sockets.add(s);
          s.on('error', () => {});
          answer?.(s);
        });
        server.listen(0, '127.0.0.1', () => resolve(server));
      });
    const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
    const docker = await serve((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 2\r\n\r\nOK')));
    const other = await serve((s) => s.once('data', () => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')));
    const silent = await serve(null);
    try {
      expect(await pingPlainTcp('127.0.0.1', port(docker), 200)).toBe(true);
      expect(await pingPlainTcp('127.0.0.1', port(other), 200)).toBe(false);
      const started = performance.now();
      expect(await pingPlainTcp('127.0.0.1', port(silent), 200)).toBe(false);
      expect(performance.now() - started).toBeLessThan(400);
    } finally {
      for (const s of sockets) s.destroy();
      for (const s of [docker, other, silent]) s.close();
    }
  });
});

describe('failures → status and reason', () => {
  const sock = unixSock('/var/run/docker.sock');
  const errno = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

  test('permission denied says how to fix it', () => {
    expect(describeFailure(errno('EACCES'), sock, 'default socket', 'GET /info')).toEqual({
      status: 'unavailable',
      reason: `permission denied on /var/run/docker.sock: ${PERMISSION_HINT}`,
    });
    expect(PERMISSION_HINT).toContain('sudo usermod -aG docker $USER');
  });

  test('a missing socket is named', () => {
    expect(describeFailure(errno('ENOENT'), unixSock('/tmp/nope.sock'), 'DOCKER_HOST', 'GET /info')).toEqual({
      status: 'unavailable',
      reason: 'no Docker socket at /tmp/nope.sock (DOCKER_HOST): the engine is not running or listens elsewhere',
    });
  });

  test('refused connections: unavailable', () => {
    expect(describeFailure(errno('ECONNREFUSED'), sock, 'default socket', 'GET /info').status).toBe('unavailable');
    expect(describeFailure(errno('ECONNREFUSED'), { kind: 'tcp', hostname: '10.0.0.1', port: 2375 }, 'DOCKER_HOST', 'GET /info')).toEqual({
      status: 'unavailable',
      reason: 'connection refused by tcp://10.0.0.1:2375 (DOCKER_HOST): no engine is listening there',
    });
  });

  test('HTTP errors: unknown, with the status and the engine\'s message', () => {
    const e = Object.assign(new Error('(HTTP code 500) server error - boom '), { statusCode: 500, json: { message: 'boom\nsecond line' } });
    expect(describeFailure(e, sock, 'default socket', 'GET /info')).toEqual({
      status: 'unknown',
      reason: '/var/run/docker.sock answered HTTP 500 to GET /info: boom second line',
    });
  });

  test('the deadline: unknown, naming the time', () => {
    const r = describeFailure(new DeadlineError(900), sock, 'default socket', 'GET /info');
    expect(r.status).toBe('unknown');
    expect(r.reason).toMatch(/^no answer from \/var\/run\/docker\.sock to GET \/info within 0\.9 s/);
  });

  test('anything else: unknown, one line', () => {
    const r = describeFailure(new Error('weird\nthing'), sock, 'default socket', 'GET /info');
    expect(r).toEqual({ status: 'unknown', reason: 'could not query /var/run/docker.sock (default socket): weird thing' });
  });
});
