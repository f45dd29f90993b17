/**
 * The host probe on Linux, against fake /proc, /sys and /etc trees (test/fixtures/linux/<scenario>)
 * and against this machine.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeHost } from '../../src/probes/host.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { Facts, HostFacts } from '../../src/facts/schema.js';
import { FACTS_SCHEMA_VERSION } from '../../src/facts/version.js';
import { unknownGpu } from '../../src/facts/collect.js';
import { FIXTURES } from '../helpers/paths.js';
import { assertValid } from '../helpers/schema.js';

const LINUX = path.join(FIXTURES, 'linux');
const describeLinux = process.platform === 'linux' ? describe : describe.skip;

function ctxFor(fsRoot: string, env: NodeJS.ProcessEnv = {}): ProbeContext {
  return {
    timeoutMs: 5000,
    signal: new AbortController().signal,
    env,
    cwd: '/',
    tmpdir: os.tmpdir(),
    fsRoot,
    progress: () => {},
  };
}

const fixture = (name: string) => path.join(LINUX, name);

type Ok<T> = Extract<T, { status: 'ok' }>;
function ok<T extends { status: string }>(section: T): Ok<T> {
  if (section.status !== 'ok') throw new Error(`expected status ok, got ${JSON.stringify(section)}`);
  return section as Ok<T>;
}

/** A whole facts document around a host section, to validate it against the published schema. */
function documentWith(host: HostFacts): Facts {
  const u = { status: 'unknown' as const, reason: 'not probed in this test' };
  return {
    schemaVersion: FACTS_SCHEMA_VERSION,
    tool: { name: 'mlready', version: '0.0.0' },
    collectedAt: new Date().toISOString(),
    targets: ['local'],
    redacted: false,
    host,
    gpu: unknownGpu('not probed in this test'),
    storage: { root: u, dockerDataRoot: u, workdir: u, tmp: u },
    network: { interfaces: u, defaultRoute: u, dns: u, proxy: { noProxy: [], conflicts: [] } },
    runtime: { docker: { status: 'unknown', reason: 'not probed in this test' } },
    cluster: { kubernetes: u, swarm: u },
    probes: [],
  };
}

describeLinux('probeHost on fixture trees', () => {
  test('cgroup-v2-limited-container: Docker in a KVM guest, cgroup v2 quota of 2 CPUs and 4 GiB, 64 MiB /dev/shm', async () => {
    const host = await probeHost(ctxFor(fixture('cgroup-v2-limited-container')));
    assertValid('facts', documentWith(host));
    expect(host.hostname).toBe('3f4e5a6b7c8d');
    expect(host.os).toEqual({
      status: 'ok',
      platform: 'linux',
      kernel: '5.15.0-105-generic',
      arch: 'x86_64',
      distro: 'Ubuntu',
      distroId: 'ubuntu',
      release: '22.04',
      codename: 'jammy',
    });
    const cpu = ok(host.cpu);
    expect(cpu).toMatchObject({ model: 'Intel Xeon Processor (Icelake)', vendor: 'Intel', sockets: 1, cores: 4, threads: 8, cgroupLimitCores: 2 });
    expect(cpu.flags).toEqual(expect.arrayContaining(['avx2', 'avx512f', 'avx512_vnni', 'hypervisor']));
    expect(cpu.flags).not.toContain('amx_tile');
    expect(ok(host.memory)).toEqual({
      status: 'ok',
      totalBytes: 32864148 * 1024,
      availableBytes: 29876004 * 1024,
      swapBytes: 0,
      swapFreeBytes: 0,
      hugePagesTotal: 0,
      hugePageSizeBytes: 2 * 1024 * 1024,
      cgroupLimitBytes: 4294967296,
    });
    // The fixture has no /dev/shm directory to statfs: the size comes from the mount's size= option.
    expect(host.shm).toEqual({ status: 'ok', path: '/dev/shm', sizeBytes: 64 * 1024 * 1024 });
    expect(host.ulimits).toEqual({
      status: 'ok',
      nofile: 1048576,
      nofileHard: 1048576,
      memlock: 65536,
      memlockHard: 65536,
      nproc: 'unlimited',
    });
    const virt = ok(host.virtualization);
    expect(virt).toMatchObject({ hypervisor: 'kvm', container: 'docker', wsl: false });
    expect(virt.evidence).toEqual(expect.arrayContaining(['/proc/cpuinfo: hypervisor flag', '/.dockerenv exists']));
    expect(host.numa).toEqual({ status: 'ok', nodes: 1 });
    expect(host.cgroup).toEqual({ status: 'ok', version: '2' });
    expect(host.clock.status).toBe('unknown');
    expect((host.clock as { reason: string }).reason).toMatch(/systemd is not running/);
  });

  test('arm64-graviton: Features as flags, cores from sysfs topology, DMI names Amazon, no container', async () => {
    const host = await probeHost(ctxFor(fixture('arm64-graviton')));
    assertValid('facts', documentWith(host));
    expect(ok(host.os)).toMatchObject({ arch: 'aarch64', distro: 'Amazon Linux', distroId: 'amzn', release: '2023', kernel: '6.1.92-99.174.amzn2023.aarch64' });
    expect(ok(host.os).codename).toBeUndefined();
    const cpu = ok(host.cpu);
    expect(cpu).toMatchObject({ model: 'ARM Neoverse-V1', vendor: 'ARM', sockets: 1, cores: 8, threads: 8 });
    expect(cpu.cgroupLimitCores).toBeUndefined();
    expect(cpu.flags).toEqual(expect.arrayContaining(['asimd', 'sve', 'bf16', 'i8mm']));
    expect(cpu.flags).toEqual([...cpu.flags].sort());
    expect(cpu.flags.filter((f) => f.startsWith('avx'))).toEqual([]);
    expect(ok(host.memory).cgroupLimitBytes).toBeUndefined(); // memory.max is "max" all the way up
    expect(host.ulimits).toMatchObject({ status: 'ok', nofile: 65535, memlock: 8388608, nproc: 61504 });
    expect(host.virtualization).toEqual({
      status: 'ok',
      hypervisor: 'amazon',
      container: null,
      wsl: false,
      evidence: ['/sys/class/dmi/id/sys_vendor: Amazon EC2', 'no container markers (/.dockerenv, /run/.containerenv, /run/systemd/container, cgroup paths)'],
    });
    expect(host.cgroup).toEqual({ status: 'ok', version: '2' });
    // systemd runs there, but timedatectl is never run for a fixture root.
    expect(host.clock).toEqual({ status: 'unknown', reason: expect.stringContaining('timedatectl is not run') });
  });

  test('wsl2: the kernel name says WSL, the Hyper-V clocksource names the hypervisor', async () => {
    const host = await probeHost(ctxFor(fixture('wsl2')));
    assertValid('facts', documentWith(host));
    const virt = ok(host.virtualization);
    expect(virt).toMatchObject({ hypervisor: 'microsoft', container: null, wsl: true });
    expect(virt.evidence[0]).toBe('kernel release 5.15.153.1-microsoft-standard-WSL2 (WSL)');
    expect(ok(host.cpu)).toMatchObject({ model: '12th Gen Intel(R) Core(TM) i7-1260P', cores: 8, threads: 16, sockets: 1 });
    expect(ok(host.memory)).toMatchObject({ swapBytes: 4 * 1024 ** 3, swapFreeBytes: 4 * 1024 ** 3 });
    expect(host.ulimits).toMatchObject({ nofile: 1024, nofileHard: 1048576 });
    expect(ok(host.os)).toMatchObject({ distroId: 'ubuntu', release: '24.04', codename: 'noble' });
  });

  test('avx512-amx-sapphire-rapids: two sockets, AMX flags, huge pages, two NUMA nodes, bare metal, clock synchronised', async () => {
    const host = await probeHost(ctxFor(fixture('avx512-amx-sapphire-rapids')));
    assertValid('facts', documentWith(host));
    const cpu = ok(host.cpu);
    expect(cpu).toMatchObject({ model: 'Intel(R) Xeon(R) Gold 5415+', vendor: 'Intel', sockets: 2, cores: 16, threads: 32 });
    expect(cpu.flags).toEqual(expect.arrayContaining(['amx_tile', 'amx_bf16', 'amx_int8', 'avx512f', 'avx512_fp16', 'avx512_bf16', 'avx2']));
    expect(cpu.flags).not.toContain('hypervisor');
    expect(new Set(cpu.flags).size).toBe(cpu.flags.length);
    expect(cpu.flags).toEqual([...cpu.flags].sort());
    expect(ok(host.memory)).toMatchObject({ totalBytes: 527939380 * 1024, hugePagesTotal: 1024, hugePageSizeBytes: 2097152, swapBytes: 8388604 * 1024 });
    expect(host.numa).toEqual({ status: 'ok', nodes: 2 });
    expect(ok(host.virtualization)).toMatchObject({ hypervisor: null, container: null, wsl: false });
    expect(ok(host.virtualization).evidence).toContain('/proc/cpuinfo: no hypervisor flag');
    expect(host.clock).toEqual({ status: 'ok', synchronized: true, source: 'systemd-timesyncd' });
    expect(host.ulimits).toEqual({ status: 'ok', nofile: 1024, nofileHard: 524288, memlock: 8388608, memlockHard: 8388608, nproc: 2061821 });
    expect(ok(host.os).codename).toBe('jammy');
  });

  test('no-swap-unlimited-memlock: a Kubernetes pod on cgroup v1 with CPU and memory limits', async () => {
    const host = await probeHost(ctxFor(fixture('no-swap-unlimited-memlock'), { KUBERNETES_SERVICE_HOST: '10.96.0.1' }));
    assertValid('facts', documentWith(host));
    expect(host.ulimits).toEqual({
      status: 'ok',
      nofile: 1048576,
      nofileHard: 1048576,
      memlock: 'unlimited',
      memlockHard: 'unlimited',
      nproc: 'unlimited',
    });
    expect(ok(host.memory)).toMatchObject({ swapBytes: 0, swapFreeBytes: 0, cgroupLimitBytes: 16 * 1024 ** 3 });
    expect(ok(host.cpu)).toMatchObject({ model: 'AMD EPYC 7543 32-Core Processor', vendor: 'AMD', sockets: 1, cores: 32, threads: 64, cgroupLimitCores: 4 });
    expect(host.cgroup).toEqual({ status: 'ok', version: '1' });
    const virt = ok(host.virtualization);
    expect(virt).toMatchObject({ hypervisor: null, container: 'kubernetes', wsl: false });
    expect(virt.evidence).toEqual(expect.arrayContaining(['KUBERNETES_SERVICE_HOST is set', '/proc/1/cgroup mentions kubepods']));
    expect(host.numa).toEqual({ status: 'ok', nodes: 4 });
    expect(host.shm).toEqual({ status: 'ok', path: '/dev/shm', sizeBytes: 67108864 });
  });

  test('the pod is recognised from its cgroup paths alone, without KUBERNETES_SERVICE_HOST', async () => {
    const host = await probeHost(ctxFor(fixture('no-swap-unlimited-memlock')));
    expect(ok(host.virtualization).container).toBe('kubernetes');
    expect(ok(host.virtualization).evidence).not.toContain('KUBERNETES_SERVICE_HOST is set');
  });

  test('the user section names the groups of this process from the fixture /etc/group', async () => {
    const host = await probeHost(ctxFor(fixture('cgroup-v2-limited-container')));
    const uid = process.getuid!();
    expect(host.user.uid).toBe(uid);
    expect(host.user.root).toBe(uid === 0);
    const names = new Map([[0, 'root'], [1, 'daemon'], [2, 'bin'], [44, 'video'], [100, 'users'], [65534, 'nogroup']]);
    const gids = [...new Set([process.getegid!(), ...process.getgroups!()])].sort((a, b) => a - b);
    expect(host.user.groups).toEqual(gids.map((g) => names.get(g) ?? String(g)));
  });
});

describeLinux('one unreadable file makes only its own section unknown', () => {
  const SECTIONS = ['os', 'cpu', 'memory', 'shm', 'ulimits', 'virtualization', 'numa', 'clock', 'cgroup'] as const;
  let baseline: HostFacts;
  const dirs: string[] = [];

  beforeAll(async () => {
    baseline = await probeHost(ctxFor(fixture('avx512-amx-sapphire-rapids')));
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A copy of a fixture without the given files. */
  function without(name: string, ...files: string[]): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-fixture-'));
    dirs.push(dir);
    cpSync(fixture(name), dir, { recursive: true, verbatimSymlinks: true });
    for (const f of files) rmSync(path.join(dir, f), { recursive: true, force: true });
    return dir;
  }

  test.each([
    ['/proc/meminfo', 'memory', '/proc/meminfo does not exist'],
    ['/proc/cpuinfo', 'cpu', '/proc/cpuinfo does not exist'],
    ['/proc/self/limits', 'ulimits', '/proc/self/limits does not exist'],
    ['/proc/self/mountinfo', 'shm', '/proc/self/mountinfo does not exist'],
    ['/sys/devices/system/node', 'numa', '/sys/devices/system/node/online does not exist (kernel without NUMA support)'],
    ['/proc/sys/kernel/osrelease', 'os', '/proc/sys/kernel/osrelease does not exist'],
    ['/run/systemd/timesync', 'clock', 'timedatectl is not run for a root other than "/"'],
  ] as const)('without %s: %s is unknown, every other section as before', async (file, section, reason) => {
    const host = await probeHost(ctxFor(without('avx512-amx-sapphire-rapids', file)));
    expect(host[section]).toEqual({ status: 'unknown', reason: expect.stringContaining(reason) });
    for (const other of SECTIONS) {
      if (other !== section) expect([other, host[other].status]).toEqual([other, baseline[other].status]);
    }
    assertValid('facts', documentWith(host));
  });

  test('without /etc/os-release the OS section is still read, without the distribution', async () => {
    const host = await probeHost(ctxFor(without('wsl2', '/etc/os-release')));
    expect(host.os).toEqual({ status: 'ok', platform: 'linux', kernel: '5.15.153.1-microsoft-standard-WSL2', arch: 'x86_64' });
  });

  test('without the cgroup files, memory and CPU are read without their cgroup limits', async () => {
    const host = await probeHost(ctxFor(without('cgroup-v2-limited-container', '/sys/fs/cgroup')));
    expect(ok(host.memory).cgroupLimitBytes).toBeUndefined();
    expect(ok(host.cpu).cgroupLimitCores).toBeUndefined();
    // cgroup.controllers is gone, but the mount table still shows a cgroup2 hierarchy.
    expect(host.cgroup).toEqual({ status: 'ok', version: '2' });
  });

  test('a root with nothing in it: every section unknown with a reason, nothing thrown', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'mlready-empty-root-'));
    dirs.push(empty);
    const host = await probeHost(ctxFor(empty));
    for (const s of SECTIONS) {
      expect(host[s].status).toBe('unknown');
      expect((host[s] as { reason: string }).reason).toMatch(/\S/);
    }
    expect(host.os).toEqual({ status: 'unknown', reason: '/proc/sys/kernel/osrelease does not exist' });
    expect(host.cpu).toEqual({ status: 'unknown', reason: '/proc/cpuinfo does not exist' });
    expect(host.hostname).toBe(os.hostname());
    assertValid('facts', documentWith(host));
  });
});

describeLinux('probeHost on this machine', () => {
  test('reads every section it can, with sane values', async () => {
    const host = await probeHost(ctxFor('/', process.env));
    assertValid('facts', documentWith(host));
    expect(host.hostname).toBe(os.hostname());
    expect(ok(host.os)).toMatchObject({ platform: 'linux', kernel: os.release(), arch: os.machine() });
    const cpu = ok(host.cpu);
    expect(cpu.threads).toBeGreaterThanOrEqual(1);
    expect(cpu.threads).toBe(os.cpus().length);
    expect(cpu.cores).toBeGreaterThanOrEqual(1);
    expect(cpu.cores).toBeLessThanOrEqual(cpu.threads);
    expect(cpu.model.length).toBeGreaterThan(0);
    const mem = ok(host.memory);
    expect(mem.totalBytes).toBe(os.totalmem());
    expect(mem.availableBytes).toBeGreaterThan(0);
    expect(mem.availableBytes).toBeLessThanOrEqual(mem.totalBytes);
    const limits = ok(host.ulimits);
    expect(limits.nofile === 'unlimited' || limits.nofile > 0).toBe(true);
    expect(host.cgroup.status).toBe('ok');
    expect(host.virtualization.status).toBe('ok');
    expect(host.user.uid).toBe(process.getuid!());
  });
});
