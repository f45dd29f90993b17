/**
 * The Docker probe's pure parts: /info + /version → facts over the real corpus, endpoint resolution
 * (DOCKER_HOST, contexts, sockets) with a temporary HOME, and proxy credential redaction.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CORPUS } from '../helpers/paths.js';
import { detectEngine, mapEngineFacts, redactProxyUrl, securityOptionNames, serverVersionDoc } from '../../src/probes/docker/info.js';
import { contextDirName, resolveEndpoint, type EndpointResult } from '../../src/probes/docker/endpoint.js';

const readJson = (dir: string, file: string): unknown => JSON.parse(readFileSync(path.join(CORPUS, dir, file), 'utf8'));

describe('mapping GET /info (corpus)', () => {
  const expected: Record<string, object> = {
    'docker-cli-info-format-json-cdi-devices.golden.json': {
      engine: 'docker',
      serverVersion: '17.06.1-ce',
      os: 'linux',
      arch: 'x86_64',
      kernelVersion: '4.4.0-87-generic',
      operatingSystem: 'Ubuntu 16.04.3 LTS',
      ncpu: 2,
      memTotalBytes: 2097356800,
      storageDriver: 'overlay2',
      backingFilesystem: 'extfs',
      cgroupDriver: 'cgroupfs',
      runtimes: ['runc'],
      defaultRuntime: 'runc',
      cdiDevices: ['com.example.device1', 'nvidia.com/gpu=gpu0'],
      cdiSpecDirs: ['/etc/cdi', '/var/run/cdi'],
      rootless: false,
      userNamespaces: false,
      securityOptions: ['name=apparmor', 'name=seccomp,profile=default'],
      dataRoot: '/var/lib/docker',
      loggingDriver: 'json-file',
      liveRestore: false,
      insecureRegistries: ['127.0.0.0/8'],
      swarm: { state: 'inactive', controlAvailable: false },
      images: 0,
      containers: 0,
      containersRunning: 0,
    },
    'docker-java-1.22-boot2docker-1.10.1.json': {
      engine: 'docker',
      serverVersion: '1.10.1',
      os: 'linux',
      arch: 'x86_64',
      kernelVersion: '4.1.17-boot2docker',
      operatingSystem: 'Boot2Docker 1.10.1 (TCL 6.4.1); master : b03e158 - Thu Feb 11 22:34:01 UTC 2016',
      ncpu: 1,
      memTotalBytes: 1044574208,
      storageDriver: 'aufs',
      backingFilesystem: 'extfs',
      dataRoot: '/mnt/sda1/var/lib/docker',
      loggingDriver: 'json-file',
      insecureRegistries: ['127.0.0.0/8'],
      images: 13,
      containers: 2,
      containersRunning: 2,
    },
    'docker-java-1.22-rhel72-devicemapper-1.10.2.json': {
      engine: 'docker',
      serverVersion: '1.10.2',
      os: 'linux',
      arch: 'x86_64',
      kernelVersion: '3.10.0-327.10.1.el7.x86_64',
      operatingSystem: 'Red Hat Enterprise Linux Workstation 7.2 (Maipo)',
      ncpu: 8,
      memTotalBytes: 33350918144,
      storageDriver: 'devicemapper',
      backingFilesystem: 'ext4',
      dataRoot: '/var/lib/docker',
      loggingDriver: 'json-file',
      // The IndexConfig with Secure=false joins the CIDRs.
      insecureRegistries: ['127.0.0.0/8', 'somehost:80'],
      images: 55,
      containers: 2,
      containersRunning: 0,
    },
    'docker-java-1.38-windows-lcow-18.06.1.json': {
      engine: 'docker',
      serverVersion: '18.06.1-ce',
      os: 'windows',
      arch: 'x86_64',
      kernelVersion: '10.0 17134 (17134.1.amd64fre.rs4_release.180410-1804)',
      operatingSystem: 'Windows 10 Pro Version 1803 (OS Build 17134.228)',
      ncpu: 8,
      memTotalBytes: 68684476416,
      storageDriver: 'windowsfilter (windows) lcow (linux)',
      rootless: false,
      userNamespaces: false,
      securityOptions: [],
      dataRoot: 'C:\\ProgramData\\Docker',
      loggingDriver: 'json-file',
      liveRestore: false,
      registryMirrors: [],
      insecureRegistries: ['127.0.0.0/8'],
      swarm: { state: 'inactive', controlAvailable: false },
      images: 2,
      containers: 3,
      containersRunning: 0,
    },
    'telegraf-info-devicemapper-2016.json': {
      engine: 'docker',
      serverVersion: '17.09.0-ce',
      kernelVersion: '4.3.0-1-amd64',
      operatingSystem: 'Linux Mint LMDE (containerized)',
      ncpu: 4,
      memTotalBytes: 3840757760,
      storageDriver: 'devicemapper',
      backingFilesystem: 'extfs',
      dataRoot: '/var/lib/docker',
      loggingDriver: 'json-file',
      liveRestore: false,
      registryMirrors: [],
      insecureRegistries: ['127.0.0.0/8'],
      images: 199,
      containers: 108,
      containersRunning: 98,
    },
  };

  test('every file in the corpus has an expectation', () => {
    expect(readdirSync(path.join(CORPUS, 'docker-info')).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.keys(expected))('%s', (file) => {
    const facts = mapEngineFacts(readJson('docker-info', file));
    expect(facts).toEqual(expected[file]);
    // Nothing is invented: no empty strings, no null.
    for (const [key, value] of Object.entries(facts)) {
      expect([key, value]).not.toEqual([key, '']);
      expect(value).not.toBeNull();
    }
  });

  test('Windows LCOW: Runtimes null and DefaultRuntime "" are left out, not guessed', () => {
    const facts = mapEngineFacts(readJson('docker-info', 'docker-java-1.38-windows-lcow-18.06.1.json'));
    expect(facts).not.toHaveProperty('runtimes');
    expect(facts).not.toHaveProperty('defaultRuntime');
    expect(facts).not.toHaveProperty('cgroupDriver');
    expect(facts).not.toHaveProperty('backingFilesystem'); // DriverStatus has only empty values
  });

  test('2016 telegraf sample: null CgroupDriver, OSType "", Swarm without state, no SecurityOptions', () => {
    const facts = mapEngineFacts(readJson('docker-info', 'telegraf-info-devicemapper-2016.json'));
    for (const key of ['cgroupDriver', 'cgroupVersion', 'os', 'arch', 'runtimes', 'swarm', 'rootless', 'securityOptions', 'cdiSpecDirs', 'warnings']) {
      expect(facts).not.toHaveProperty(key);
    }
  });
});

describe('mapping GET /version (corpus)', () => {
  const expected: Record<string, object> = {
    'docker-cli-version-format-json-ee-ucp.golden.json': {
      engine: 'docker',
      serverVersion: '18.99.5-ce',
      apiVersion: '1.30',
      minApiVersion: '1.12',
      os: 'linux',
      kernelVersion: 'v1.0.0',
    },
    'docker-java-1.22-version-1.10.1.json': {
      engine: 'docker',
      serverVersion: '1.10.1',
      apiVersion: '1.22',
      os: 'linux',
      kernelVersion: '4.1.17-boot2docker',
    },
    'docker-java-1.38-version-windows-18.06.1.json': {
      engine: 'docker',
      serverVersion: '18.06.1-ce',
      apiVersion: '1.38',
      minApiVersion: '1.24',
      os: 'windows',
      kernelVersion: '10.0 17134 (17134.1.amd64fre.rs4_release.180410-1804)',
    },
  };

  test('every file in the corpus has an expectation', () => {
    expect(readdirSync(path.join(CORPUS, 'docker-version')).sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(Object.keys(expected))('%s (with an empty /info)', (file) => {
    expect(mapEngineFacts({}, readJson('docker-version', file))).toEqual(expected[file]);
  });

  test('the CLI\'s {Client, Server} wrapper is unwrapped to the server part', () => {
    const doc = readJson('docker-version', 'docker-cli-version-format-json-ee-ucp.golden.json');
    expect(serverVersionDoc(doc)).toMatchObject({ Version: '18.99.5-ce', ApiVersion: '1.30' });
  });

  test('API 1.22 (no MinAPIVersion, no Components) with its /info: /info wins, nothing invented', () => {
    const facts = mapEngineFacts(
      readJson('docker-info', 'docker-java-1.22-boot2docker-1.10.1.json'),
      readJson('docker-version', 'docker-java-1.22-version-1.10.1.json'),
    );
    expect(facts).toMatchObject({ engine: 'docker', serverVersion: '1.10.1', apiVersion: '1.22', arch: 'x86_64' });
    expect(facts).not.toHaveProperty('minApiVersion');
    expect(facts).not.toHaveProperty('cgroupDriver');
  });

  test('an empty Platform.Name and an "Engine" component mean Docker', () => {
    expect(detectEngine(readJson('docker-version', 'docker-java-1.38-version-windows-18.06.1.json'))).toBe('docker');
    expect(detectEngine(readJson('docker-version', 'docker-cli-version-format-json-ee-ucp.golden.json'))).toBe('docker');
  });

  test('Podman is recognised from its components or its platform name', () => {
    const podman = {
      Platform: { Name: 'linux/amd64/fedora-39' },
      Components: [{ Name: 'Podman Engine', Version: '4.9.4', Details: { APIVersion: '4.9.4', MinAPIVersion: '4.0.0', Os: 'linux' } }],
      Version: '4.9.4',
      ApiVersion: '1.41',
      MinAPIVersion: '1.24',
      Os: 'linux',
      Arch: 'amd64',
    };
    expect(detectEngine(podman)).toBe('podman');
    expect(mapEngineFacts({ ServerVersion: '4.9.4' }, podman)).toMatchObject({ engine: 'podman', serverVersion: '4.9.4', apiVersion: '1.41', minApiVersion: '1.24' });
    expect(detectEngine({ Platform: { Name: 'Podman Engine' }, Version: '3.4.4' })).toBe('podman');
    expect(detectEngine(undefined)).toBe('docker');
  });
});

describe('mapping details', () => {
  test('cgroup v2, rootless, user namespaces, CDI and warnings', () => {
    const facts = mapEngineFacts({
      CgroupVersion: '2',
      CgroupDriver: 'systemd',
      SecurityOptions: ['name=seccomp,profile=builtin', 'name=rootless', 'name=cgroupns'],
      DiscoveredDevices: [{ Source: 'cdi', ID: 'nvidia.com/gpu=0' }, { Source: 'other', ID: 'x' }, { Source: 'cdi', ID: '' }],
      Runtimes: { runc: { path: 'runc' }, nvidia: { path: 'nvidia-container-runtime' }, crun: { path: 'crun' } },
      Warnings: ['WARNING: No swap limit support'],
    });
    expect(facts).toMatchObject({
      cgroupVersion: '2',
      cgroupDriver: 'systemd',
      rootless: true,
      userNamespaces: false,
      cdiDevices: ['nvidia.com/gpu=0'],
      runtimes: ['crun', 'nvidia', 'runc'],
      warnings: ['WARNING: No swap limit support'],
    });
    expect(mapEngineFacts({ SecurityOptions: ['name=userns', 'name=seccomp,profile=default'] })).toMatchObject({ rootless: false, userNamespaces: true });
    expect(securityOptionNames(['apparmor', 'name=seccomp,profile=default'])).toEqual(['apparmor', 'seccomp']);
  });

  test('swarm: nodes and managers only for a manager; a worker gets neither', () => {
    expect(
      mapEngineFacts({
        Swarm: { NodeID: 'n1', NodeAddr: '10.0.0.1', LocalNodeState: 'active', ControlAvailable: true, Nodes: 3, Managers: 1, Error: '' },
      }).swarm,
    ).toEqual({ state: 'active', controlAvailable: true, nodes: 3, managers: 1, nodeId: 'n1', nodeAddr: '10.0.0.1' });
    expect(
      mapEngineFacts({ Swarm: { NodeID: 'w1', NodeAddr: '10.0.0.2', LocalNodeState: 'active', ControlAvailable: false, Nodes: 0, Managers: 0 } }).swarm,
    ).toEqual({ state: 'active', controlAvailable: false, nodeId: 'w1', nodeAddr: '10.0.0.2' });
  });

  test('registry mirrors, including those listed only under the docker.io index', () => {
    expect(mapEngineFacts({ RegistryConfig: { Mirrors: ['https://mirror.example/'] } }).registryMirrors).toEqual(['https://mirror.example/']);
    expect(
      mapEngineFacts({ RegistryConfig: { Mirrors: null, IndexConfigs: { 'docker.io': { Mirrors: ['https://m2.example/'], Secure: true } } } }).registryMirrors,
    ).toEqual(['https://m2.example/']);
  });

  test('proxies from /info come out without credentials', () => {
    const facts = mapEngineFacts({
      HttpProxy: 'http://alice:s3cret@proxy.corp:3128',
      HttpsProxy: 'http://bob:xxxxx@proxy.corp:3129/',
      NoProxy: 'localhost,.corp',
    });
    expect(facts).toMatchObject({ httpProxy: 'http://***@proxy.corp:3128', httpsProxy: 'http://***@proxy.corp:3129/', noProxy: 'localhost,.corp' });
    expect(JSON.stringify(facts)).not.toMatch(/alice|s3cret|bob|xxxxx/);
  });

  test('a non-object /info maps to nothing but the engine', () => {
    expect(mapEngineFacts(null)).toEqual({ engine: 'docker' });
    expect(mapEngineFacts('<html>')).toEqual({ engine: 'docker' });
  });
});

describe('redactProxyUrl', () => {
  test.each([
    ['http://user:pass@proxy:3128', 'http://***@proxy:3128'],
    ['http://user@proxy:3128', 'http://***@proxy:3128'],
    ['https://us%40er:p%3Ass@proxy.example.com:8443/path?q=1', 'https://***@proxy.example.com:8443/path?q=1'],
    ['http://user:p@ss@proxy:3128/', 'http://***@proxy:3128/'],
    ['user:pass@proxy:3128', '***@proxy:3128'],
    ['socks5://u:p@127.0.0.1:1080', 'socks5://***@127.0.0.1:1080'],
    ['http://proxy:3128', 'http://proxy:3128'],
    ['proxy.corp:3128', 'proxy.corp:3128'],
    // Not a valid URL (a "/" in the password ends the authority): still nothing before the last "@".
    ['http://user:pa/ss@proxy:3128', 'http://***@proxy:3128'],
    ['http://user:123/x@proxy:3128', 'http://***@proxy:3128'],
  ])('%s → %s', (input, output) => {
    expect(redactProxyUrl(input)).toBe(output);
  });
});

// ---------------------------------------------------------------- endpoint resolution

describe('endpoint resolution', () => {
  let home: string;
  const cleanups: (() => void)[] = [];

  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mlready-docker-home-'));
  });
  afterEach(() => {
    while (cleanups.length) cleanups.pop()!();
    rmSync(home, { recursive: true, force: true });
  });

  /** Writes a context the way `docker context create` does. */
  function writeContext(configDir: string, name: string, host: string, opts: { skipTlsVerify?: boolean; tls?: boolean } = {}) {
    const dir = path.join(configDir, 'contexts', 'meta', contextDirName(name));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'meta.json'),
      JSON.stringify({ Name: name, Metadata: { Description: 'test' }, Endpoints: { docker: { Host: host, SkipTLSVerify: opts.skipTlsVerify ?? false } } }),
    );
    if (opts.tls) {
      const tlsDir = path.join(configDir, 'contexts', 'tls', contextDirName(name), 'docker');
      mkdirSync(tlsDir, { recursive: true });
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(tlsDir, f), `-----BEGIN ${f}-----\nSECRET-${f}\n`);
    }
  }

  function writeConfig(configDir: string, doc: object) {
    mkdirSync(configDir, { recursive: true });
    writeFileSync(path.join(configDir, 'config.json'), JSON.stringify(doc));
  }

  const ok = (r: EndpointResult) => {
    if (!r.ok) throw new Error(`expected an endpoint, got: ${r.reason}`);
    return r.endpoint;
  };

  test('the sha256 directory name matches the docker CLI (sha256("default"))', () => {
    expect(contextDirName('default')).toBe('37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f');
  });

  test('nothing set: the default socket', async () => {
    const ep = ok(await resolveEndpoint({ HOME: home }));
    expect(ep.facts).toEqual({ host: 'unix:///var/run/docker.sock', source: 'default socket', tls: false, local: true });
    expect(ep.transport).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  test('currentContext in ~/.docker/config.json selects that context; credentials are never read into facts', async () => {
    writeConfig(path.join(home, '.docker'), {
      auths: { 'registry.example': { auth: 'dXNlcjpodW50ZXIy' } },
      credsStore: 'secretservice',
      currentContext: 'remote',
    });
    writeContext(path.join(home, '.docker'), 'remote', 'tcp://10.1.2.3:2375');
    const ep = ok(await resolveEndpoint({ HOME: home }));
    expect(ep.facts).toEqual({ host: 'tcp://10.1.2.3:2375', source: 'context "remote"', context: 'remote', tls: false, local: false });
    expect(ep.transport).toEqual({ kind: 'tcp', hostname: '10.1.2.3', port: 2375 });
    expect(JSON.stringify(ep)).not.toMatch(/dXNlcjpodW50ZXIy|secretservice/);
  });

  test('DOCKER_CONFIG moves the configuration and the context store', async () => {
    const configDir = path.join(home, 'elsewhere');
    writeConfig(configDir, { currentContext: 'lab' });
    writeContext(configDir, 'lab', 'unix:///run/lab/docker.sock');
    const ep = ok(await resolveEndpoint({ HOME: home, DOCKER_CONFIG: configDir }));
    expect(ep.facts).toEqual({ host: 'unix:///run/lab/docker.sock', source: 'context "lab"', context: 'lab', tls: false, local: true });
  });

  test('DOCKER_CONTEXT wins over currentContext, DOCKER_HOST wins over both', async () => {
    const configDir = path.join(home, '.docker');
    writeConfig(configDir, { currentContext: 'remote' });
    writeContext(configDir, 'remote', 'tcp://10.1.2.3:2375');
    writeContext(configDir, 'local-tcp', 'tcp://127.0.0.1:2375');
    expect(ok(await resolveEndpoint({ HOME: home, DOCKER_CONTEXT: 'local-tcp' })).facts).toEqual({
      host: 'tcp://127.0.0.1:2375',
      source: 'context "local-tcp"',
      context: 'local-tcp',
      tls: false,
      local: true,
    });
    expect(ok(await resolveEndpoint({ HOME: home, DOCKER_CONTEXT: 'local-tcp', DOCKER_HOST: 'unix:///tmp/x.sock' })).facts).toEqual({
      host: 'unix:///tmp/x.sock',
      source: 'DOCKER_HOST',
      tls: false,
      local: true,
    });
  });

  test('context "default" means the sockets, and says so', async () => {
    writeConfig(path.join(home, '.docker'), { currentContext: 'default' });
    expect(ok(await resolveEndpoint({ HOME: home })).facts).toEqual({
      host: 'unix:///var/run/docker.sock',
      source: 'default socket',
      context: 'default',
      tls: false,
      local: true,
    });
  });

  test('a context that does not exist is an error naming it', async () => {
    const r = await resolveEndpoint({ HOME: home, DOCKER_CONTEXT: 'ghost' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('context "ghost" (from DOCKER_CONTEXT) not found');
      expect(r.reason.split('\n')).toHaveLength(1);
    }
  });

  test('a context with TLS files uses TLS; the files are loaded but never appear in the facts', async () => {
    writeContext(path.join(home, '.docker'), 'secure', 'tcp://docker.example:2376', { tls: true });
    const ep = ok(await resolveEndpoint({ HOME: home, DOCKER_CONTEXT: 'secure' }));
    expect(ep.facts).toEqual({ host: 'tcp://docker.example:2376', source: 'context "secure"', context: 'secure', tls: true, local: false });
    expect(ep.transport.kind === 'tcp' && ep.transport.tls?.key?.toString()).toContain('SECRET-key.pem');
    expect(ep.transport.kind === 'tcp' && ep.transport.tls?.verify).toBe(true);
    expect(JSON.stringify(ep.facts)).not.toMatch(/SECRET|\.pem|contexts/);
  });

  test('SkipTLSVerify turns verification off', async () => {
    writeContext(path.join(home, '.docker'), 'insecure', 'tcp://docker.example:2376', { skipTlsVerify: true });
    const ep = ok(await resolveEndpoint({ HOME: home, DOCKER_CONTEXT: 'insecure' }));
    expect(ep.facts.tls).toBe(true);
    expect(ep.transport).toMatchObject({ kind: 'tcp', tls: { verify: false } });
  });

  test('DOCKER_HOST tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const certs = path.join(home, 'certs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(certs, f), `PEM ${f}`);
    const ep = ok(await resolveEndpoint({ HOME: home, DOCKER_HOST: 'tcp://localhost:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs }));
    expect(ep.facts).toEqual({ host: 'tcp://localhost:2376', source: 'DOCKER_HOST', tls: true, local: true });
    expect(ep.transport).toMatchObject({ kind: 'tcp', hostname: 'localhost', port: 2376, tls: { verify: true } });
    expect(JSON.stringify(ep.facts)).not.toContain(certs);
  });

  test('DOCKER_TLS_VERIFY without a ca.pem is an error that does not name the key directory', async () => {
    const certs = path.join(home, 'certs-without-ca');
    mkdirSync(certs);
    const r = await resolveEndpoint({ HOME: home, DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('TLS verification is on but DOCKER_CERT_PATH has no ca.pem');
      expect(r.facts).toEqual({ host: 'tcp://10.0.0.5:2376', source: 'DOCKER_HOST', tls: true, local: false });
    }
  });

  test('DOCKER_TLS_VERIFY has no effect on a unix socket', async () => {
    const ep = ok(await resolveEndpoint({ HOME: home, DOCKER_HOST: 'unix:///tmp/d.sock', DOCKER_TLS_VERIFY: '1' }));
    expect(ep.facts.tls).toBe(false);
  });

  test.each([
    ['tcp://192.168.1.10', { host: 'tcp://192.168.1.10:2375', local: false }, { kind: 'tcp', hostname: '192.168.1.10', port: 2375 }],
    ['localhost:2375', { host: 'tcp://localhost:2375', local: true }, { kind: 'tcp', hostname: 'localhost', port: 2375 }],
    ['tcp://[::1]:2375', { host: 'tcp://[::1]:2375', local: true }, { kind: 'tcp', hostname: '::1', port: 2375 }],
    ['ssh://me@build.example', { host: 'ssh://me@build.example:22', local: false }, { kind: 'ssh', hostname: 'build.example', port: 22, username: 'me' }],
    ['ssh://me:hunter2@build.example:2222', { host: 'ssh://me:***@build.example:2222', local: false }, { kind: 'ssh', port: 2222 }],
    ['npipe:////./pipe/docker_engine', { host: 'npipe:////./pipe/docker_engine', local: true }, { kind: 'npipe', socketPath: '//./pipe/docker_engine' }],
  ])('DOCKER_HOST=%s', async (value, facts, transport) => {
    const ep = ok(await resolveEndpoint({ HOME: home, DOCKER_HOST: value }));
    expect(ep.facts).toMatchObject({ ...facts, source: 'DOCKER_HOST', tls: false });
    expect(ep.transport).toMatchObject(transport);
  });

  test('an unsupported DOCKER_HOST scheme is an error, in one line', async () => {
    const r = await resolveEndpoint({ HOME: home, DOCKER_HOST: 'fd://3' });
    expect(r).toEqual({ ok: false, reason: 'DOCKER_HOST uses the unsupported scheme "fd://" (expected unix://, tcp://, ssh:// or npipe://)' });
  });

  test('the rootless socket in $XDG_RUNTIME_DIR comes before the default socket, only when it exists', async () => {
    const runtimeDir = path.join(home, 'run');
    mkdirSync(runtimeDir);
    chmodSync(runtimeDir, 0o700);
    expect(ok(await resolveEndpoint({ HOME: home, XDG_RUNTIME_DIR: runtimeDir })).facts.source).toBe('default socket');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(runtimeDir, 'docker.sock'), resolve));
    cleanups.push(() => server.close());
    expect(ok(await resolveEndpoint({ HOME: home, XDG_RUNTIME_DIR: runtimeDir })).facts).toEqual({
      host: `unix://${runtimeDir}/docker.sock`,
      source: 'rootless socket',
      tls: false,
      local: true,
    });
    // A context still wins over it.
    writeContext(path.join(home, '.docker'), 'remote', 'tcp://10.1.2.3:2375');
    expect(ok(await resolveEndpoint({ HOME: home, XDG_RUNTIME_DIR: runtimeDir, DOCKER_CONTEXT: 'remote' })).facts.source).toBe('context "remote"');
  });

  test('Windows: the docker_engine named pipe', async () => {
    expect(ok(await resolveEndpoint({ HOME: home }, { platform: 'win32' })).facts).toEqual({
      host: 'npipe:////./pipe/docker_engine',
      source: 'default socket',
      tls: false,
      local: true,
    });
  });

  test('a config.json that is not JSON is ignored, as the CLI does', async () => {
    mkdirSync(path.join(home, '.docker'));
    writeFileSync(path.join(home, '.docker', 'config.json'), '{ not json');
    expect(ok(await resolveEndpoint({ HOME: home })).facts.source).toBe('default socket');
  });
});
