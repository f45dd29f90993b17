/**
 * The host probe on Linux: the kernel's own files, read in parallel, no subprocess (except
 * `timedatectl` when systemd runs and nothing cheaper tells whether the clock is synchronised).
 *
 * Every section is read independently: a file that cannot be read makes its section unknown with a
 * reason, and never another one.
 */
import os from 'node:os';
import { statfs } from 'node:fs/promises';
import { errorMessage, type ProbeContext } from '../context.js';
import type { HostFacts } from '../../facts/schema.js';
import { describeMs, firstLine, runTool, type ToolResult } from '../../util/exec.js';
import { countList, fsErrorReason, FsView, type Read } from './files.js';
import { parseCpuinfo, parseGroupFile, parseLimits, parseMeminfo, parseOsRelease, parseSizeOption, type CpuinfoSummary } from './procfs.js';
import { mountAt, parseMountinfo, type Mount } from './mountinfo.js';
import { cpuLimit, locateController, memoryLimit, parseProcCgroup, type CgroupEntry } from './cgroup.js';
import { detectVirtualization } from './virt.js';
import { readJetson } from './jetson.js';
import { readFirewall } from './firewall.js';

type Unknown = { status: 'unknown'; reason: string };
const unknown = (reason: string): Unknown => ({ status: 'unknown', reason });

/** Runs one section; an unexpected error becomes that section's unknown, never the probe's. */
async function section<T>(what: string, read: () => Promise<T>): Promise<T | Unknown> {
  try {
    return await read();
  } catch (e) {
    return unknown(`internal error reading ${what}: ${errorMessage(e)}`);
  }
}

function then<T, U>(r: Read<T>, f: (v: T) => U): Read<U> {
  return r.ok ? { ok: true, value: f(r.value) } : r;
}

/** Reads that several sections share, started once. */
class HostReads {
  readonly view: FsView;
  readonly cpuinfo: Promise<Read<CpuinfoSummary>>;
  readonly mounts: Promise<Read<Mount[]>>;
  readonly selfCgroup: Promise<Read<CgroupEntry[]>>;
  readonly kernelRelease: Promise<Read<string>>;

  constructor(readonly ctx: ProbeContext) {
    const view = (this.view = new FsView(ctx.fsRoot));
    this.cpuinfo = view.text('/proc/cpuinfo').then((r) => then(r, parseCpuinfo));
    this.mounts = view.shared('/proc/self/mountinfo').then((r) => then(r, parseMountinfo));
    this.selfCgroup = view.text('/proc/self/cgroup').then((r) => then(r, parseProcCgroup));
    this.kernelRelease = view.isHostRoot ? Promise.resolve({ ok: true, value: os.release() }) : view.value('/proc/sys/kernel/osrelease');
  }

  async arch(): Promise<Read<string>> {
    if (this.view.isHostRoot) return { ok: true, value: os.machine() };
    return this.view.value('/proc/sys/kernel/arch');
  }

  /** The cgroup limit of `controller`, or undefined when none applies or the hierarchy cannot be read. */
  async cgroupLimit(controller: 'memory' | 'cpu'): Promise<number | undefined> {
    const [mounts, entries] = await Promise.all([this.mounts, this.selfCgroup]);
    if (!mounts.ok || !entries.ok) return undefined;
    const loc = locateController(mounts.value, entries.value, controller);
    if (!loc) return undefined;
    return controller === 'memory' ? memoryLimit(this.view, loc) : cpuLimit(this.view, loc);
  }
}

async function readHostname(r: HostReads): Promise<string> {
  if (r.view.isHostRoot) return os.hostname();
  const name = await r.view.value('/proc/sys/kernel/hostname');
  return name.ok && name.value ? name.value : os.hostname();
}

async function readOs(r: HostReads): Promise<HostFacts['os']> {
  const [kernel, arch, release] = await Promise.all([
    r.kernelRelease,
    r.arch(),
    r.view.text('/etc/os-release').then((x) => (x.ok ? x : r.view.text('/usr/lib/os-release'))),
  ]);
  if (!kernel.ok) return unknown(kernel.reason);
  if (!arch.ok) return unknown(arch.reason);
  const out: Extract<HostFacts['os'], { status: 'ok' }> = { status: 'ok', platform: 'linux', kernel: kernel.value, arch: arch.value };
  if (release.ok) {
    const kv = parseOsRelease(release.value);
    const set = (key: 'distro' | 'distroId' | 'release' | 'codename', value: string | undefined) => {
      if (value) out[key] = value;
    };
    set('distro', kv.get('NAME'));
    set('distroId', kv.get('ID'));
    set('release', kv.get('VERSION_ID'));
    set('codename', kv.get('VERSION_CODENAME') ?? kv.get('UBUNTU_CODENAME'));
  }
  return out;
}

/** Cores and sockets from sysfs topology, for architectures whose cpuinfo has no physical/core ids (arm64). */
async function topologyCounts(view: FsView, threads: number): Promise<{ cores?: number; sockets?: number; reason?: string }> {
  const base = '/sys/devices/system/cpu/cpu0/topology';
  const [siblings, pkg] = await Promise.all([
    view.value(`${base}/thread_siblings_list`).then((x) => (x.ok ? x : view.value(`${base}/core_cpus_list`))),
    view.value(`${base}/package_cpus_list`).then((x) => (x.ok ? x : view.value(`${base}/core_siblings_list`))),
  ]);
  const out: { cores?: number; sockets?: number; reason?: string } = {};
  const perCore = siblings.ok ? countList(siblings.value) : undefined;
  const perPackage = pkg.ok ? countList(pkg.value) : undefined;
  // Servers are uniform: every core has as many threads as cpu0's, every package as many CPUs.
  if (perCore && threads % perCore === 0) out.cores = threads / perCore;
  else out.reason = siblings.ok ? `cannot count cores from ${base}/thread_siblings_list` : siblings.reason;
  if (perPackage && threads % perPackage === 0) out.sockets = threads / perPackage;
  return out;
}

async function readCpu(r: HostReads): Promise<HostFacts['cpu']> {
  const [info, online, limit] = await Promise.all([r.cpuinfo, r.view.value('/sys/devices/system/cpu/online'), r.cgroupLimit('cpu')]);
  if (!info.ok) return unknown(info.reason);
  const c = info.value;
  const threads = c.processors || (online.ok ? (countList(online.value) ?? 0) : 0);
  if (!threads) return unknown('/proc/cpuinfo lists no processors');
  if (!c.model) return unknown('/proc/cpuinfo names no CPU model');
  let { cores, sockets } = c;
  if (cores === undefined) {
    const topo = await topologyCounts(r.view, threads);
    cores = topo.cores;
    sockets ??= topo.sockets;
    if (cores === undefined) return unknown(`physical cores unknown: ${topo.reason ?? 'no topology'}`);
  }
  return {
    status: 'ok',
    model: c.model,
    ...(c.vendor ? { vendor: c.vendor } : {}),
    ...(sockets !== undefined ? { sockets } : {}),
    cores,
    threads,
    flags: c.flags,
    ...(limit !== undefined ? { cgroupLimitCores: limit } : {}),
  };
}

async function readMemory(r: HostReads): Promise<HostFacts['memory']> {
  const [text, limit] = await Promise.all([r.view.text('/proc/meminfo'), r.cgroupLimit('memory')]);
  if (!text.ok) return unknown(text.reason);
  const m = parseMeminfo(text.value);
  const kb = (key: string) => {
    const v = m.get(key);
    return v === undefined ? undefined : v * 1024;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  const swap = kb('SwapTotal');
  const missing = [['MemTotal', total], ['MemAvailable', available], ['SwapTotal', swap]].filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length) return unknown(`/proc/meminfo has no ${missing.join(', ')}`);
  const out: Extract<HostFacts['memory'], { status: 'ok' }> = {
    status: 'ok',
    totalBytes: total!,
    availableBytes: available!,
    swapBytes: swap!,
  };
  const swapFree = kb('SwapFree');
  if (swapFree !== undefined) out.swapFreeBytes = swapFree;
  const hugeTotal = m.get('HugePages_Total');
  if (hugeTotal !== undefined) out.hugePagesTotal = hugeTotal;
  const hugeSize = kb('Hugepagesize');
  if (hugeSize !== undefined) out.hugePageSizeBytes = hugeSize;
  if (limit !== undefined) out.cgroupLimitBytes = limit;
  return out;
}

async function readShm(r: HostReads): Promise<HostFacts['shm']> {
  const shmPath = '/dev/shm';
  const mounts = await r.mounts;
  if (!mounts.ok) return unknown(mounts.reason);
  const mount = mountAt(mounts.value, shmPath);
  if (!mount) return unknown(`${shmPath} is not mounted`);
  try {
    const s = await statfs(r.view.resolve(shmPath));
    return { status: 'ok', path: shmPath, sizeBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  } catch (e) {
    // The mount's size= option still tells the size (tmpfs lists it unless it is the default).
    const size = parseSizeOption(mount.superOptions);
    if (size !== undefined) return { status: 'ok', path: shmPath, sizeBytes: size };
    return unknown(fsErrorReason(e, shmPath));
  }
}

async function readUlimits(r: HostReads): Promise<HostFacts['ulimits']> {
  const text = await r.view.text('/proc/self/limits');
  if (!text.ok) return unknown(text.reason);
  const limits = parseLimits(text.value);
  const nofile = limits.get('Max open files');
  const memlock = limits.get('Max locked memory');
  const nproc = limits.get('Max processes');
  if (!nofile || !memlock) return unknown(`/proc/self/limits lists no ${!nofile ? 'open files' : 'locked memory'} limit`);
  return {
    status: 'ok',
    nofile: nofile.soft,
    nofileHard: nofile.hard,
    memlock: memlock.soft,
    memlockHard: memlock.hard,
    ...(nproc ? { nproc: nproc.soft } : {}),
  };
}

async function readVirtualization(r: HostReads): Promise<HostFacts['virtualization']> {
  const v = r.view;
  const opt = (x: Read<string>) => (x.ok && x.value ? x.value : undefined);
  const [info, arch, kernel, sysVendor, productName, biosVendor, hypType, clocks, dockerenv, containerenv, systemdContainer, pid1Cgroup, selfCgroup] =
    await Promise.all([
      r.cpuinfo,
      r.arch(),
      r.kernelRelease,
      v.value('/sys/class/dmi/id/sys_vendor'),
      v.value('/sys/class/dmi/id/product_name'),
      v.value('/sys/class/dmi/id/bios_vendor'),
      v.value('/sys/hypervisor/type'),
      v.value('/sys/devices/system/clocksource/clocksource0/available_clocksource'),
      v.exists('/.dockerenv'),
      v.exists('/run/.containerenv'),
      v.value('/run/systemd/container'),
      v.text('/proc/1/cgroup'),
      v.text('/proc/self/cgroup'),
    ]);
  const archName = arch.ok ? arch.value : undefined;
  const flagArch = archName ? /^(x86_64|i[3-6]86|x86)$/.test(archName) : !!(info.ok && info.value.flags.includes('fpu'));
  const cgroupTexts: { file: string; text: string }[] = [];
  if (pid1Cgroup.ok) cgroupTexts.push({ file: '/proc/1/cgroup', text: pid1Cgroup.value });
  if (selfCgroup.ok) cgroupTexts.push({ file: '/proc/self/cgroup', text: selfCgroup.value });
  if (!info.ok && !opt(sysVendor) && !opt(productName) && !opt(hypType) && !opt(clocks)) {
    return unknown(`cannot tell: ${info.reason}, and no DMI, /sys/hypervisor or clocksource to read`);
  }
  const result = detectVirtualization({
    ...(info.ok ? { cpuFlags: info.value.flags } : {}),
    flagArch,
    ...(kernel.ok ? { kernelRelease: kernel.value } : {}),
    dmi: { sysVendor: opt(sysVendor), productName: opt(productName), biosVendor: opt(biosVendor) },
    hypervisorType: opt(hypType),
    clocksources: opt(clocks),
    dockerenv,
    containerenv,
    systemdContainer: opt(systemdContainer),
    cgroupTexts,
    env: r.ctx.env,
  });
  return { status: 'ok', ...result };
}

async function readNuma(r: HostReads): Promise<HostFacts['numa']> {
  const file = '/sys/devices/system/node/online';
  const online = await r.view.value(file);
  if (!online.ok) return unknown(online.code === 'ENOENT' ? `${file} does not exist (kernel without NUMA support)` : online.reason);
  const nodes = countList(online.value);
  return nodes ? { status: 'ok', nodes } : unknown(`cannot read ${file}: "${online.value}"`);
}

async function readClock(r: HostReads): Promise<HostFacts['clock']> {
  const [timesync, systemd] = await Promise.all([r.view.exists('/run/systemd/timesync/synchronized'), r.view.exists('/run/systemd/system')]);
  // systemd-timesyncd touches this file once it has synchronised the clock.
  if (timesync) return { status: 'ok', synchronized: true, source: 'systemd-timesyncd' };
  if (!systemd) return unknown('the OS does not tell: systemd is not running and systemd-timesyncd has not reported a synchronisation');
  if (!r.view.isHostRoot) return unknown(`timedatectl is not run for a root other than "/" (${r.ctx.fsRoot})`);
  // timedatectl reports the kernel's NTP-synchronised state, whoever disciplines the clock (timesyncd, chrony,
  // ntpd). It asks systemd-timedated over D-Bus, which may have to start first: keep the wait short, the
  // whole probe should take about 100 ms.
  const timeoutMs = Math.max(50, Math.min(300, r.ctx.timeoutMs / 2));
  const res = await runTool('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeoutMs, env: r.ctx.env, maxBytes: 4096 });
  return clockFromTimedatectl(res);
}

/** The clock section from what `timedatectl show -p NTPSynchronized --value` did. */
export function clockFromTimedatectl(res: ToolResult): HostFacts['clock'] {
  switch (res.kind) {
    case 'not-found':
      return unknown('timedatectl is not installed and systemd-timesyncd has not reported a synchronisation');
    case 'timeout':
      return unknown(`timedatectl timed out after ${describeMs(res.timeoutMs)}`);
    case 'error':
      return unknown(`timedatectl: ${res.message}`);
    case 'ok': {
      const value = res.stdout.trim();
      if (res.code === 0 && (value === 'yes' || value === 'no')) return { status: 'ok', synchronized: value === 'yes', source: 'timedatectl' };
      return unknown(`timedatectl failed: ${firstLine(res.stderr || res.stdout) || `exit code ${res.code}`}`);
    }
  }
}

async function readCgroupVersion(r: HostReads): Promise<HostFacts['cgroup']> {
  const [unified, mounts] = await Promise.all([r.view.exists('/sys/fs/cgroup/cgroup.controllers'), r.mounts]);
  if (unified) return { status: 'ok', version: '2' };
  if (!mounts.ok) return unknown(`/sys/fs/cgroup/cgroup.controllers does not exist and ${mounts.reason}`);
  if (mounts.value.some((m) => m.fsType === 'cgroup')) return { status: 'ok', version: '1' };
  if (mounts.value.some((m) => m.fsType === 'cgroup2')) return { status: 'ok', version: '2' };
  return unknown('no cgroup filesystem is mounted');
}

async function readUser(r: HostReads): Promise<HostFacts['user']> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const user: HostFacts['user'] = { uid, root: uid === 0 };
  if (typeof process.getgroups !== 'function') return user;
  const gids = new Set<number>([...(typeof process.getegid === 'function' ? [process.getegid()] : []), ...process.getgroups()]);
  const groupFile = await r.view.text('/etc/group');
  if (!groupFile.ok) return user;
  const names = parseGroupFile(groupFile.value);
  user.groups = [...gids].sort((a, b) => a - b).map((gid) => names.get(gid) ?? String(gid));
  return user;
}

export async function probeLinuxHost(ctx: ProbeContext): Promise<HostFacts> {
  const r = new HostReads(ctx);
  const [hostname, osFacts, cpu, memory, shm, ulimits, virtualization, numa, clock, cgroup, user, firewall, jetson] = await Promise.all([
    readHostname(r).catch(() => os.hostname()),
    section('the OS', () => readOs(r)),
    section('the CPU', () => readCpu(r)),
    section('memory', () => readMemory(r)),
    section('/dev/shm', () => readShm(r)),
    section('ulimits', () => readUlimits(r)),
    section('virtualization', () => readVirtualization(r)),
    section('NUMA', () => readNuma(r)),
    section('the clock', () => readClock(r)),
    section('cgroups', () => readCgroupVersion(r)),
    readUser(r).catch(() => {
      const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
      return { uid, root: uid === 0 };
    }),
    section('the firewall', () => readFirewall(r.view, ctx)),
    section('Jetson (L4T) files', () => readJetson(r.view, ctx.env)),
  ]);
  return { hostname, os: osFacts, cpu, memory, shm, ulimits, virtualization, numa, clock, cgroup, user, firewall, jetson };
}

