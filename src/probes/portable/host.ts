/**
 * The host probe on macOS and Windows, from systeminformation. What it cannot give (ulimits without
 * /proc, /dev/shm, NUMA, cgroups, clock synchronisation) is unknown with a reason, never a guess.
 */
import os from 'node:os';
import type { Systeminformation } from 'systeminformation';
import type { ProbeContext } from '../context.js';
import type { HostFacts } from '../../facts/schema.js';
import { callBudget, loadSi, settle } from './si.js';

type Unknown = { status: 'unknown'; reason: string };
const unknown = (reason: string): Unknown => ({ status: 'unknown', reason });

const platformName = (platform: string) => (platform === 'darwin' ? 'macOS' : platform === 'win32' ? 'Windows' : platform);

export function mapSiOs(info: Systeminformation.OsData, platform: string, machine: string): HostFacts['os'] {
  if (!info.kernel) return unknown('systeminformation reported no kernel version');
  const out: Extract<HostFacts['os'], { status: 'ok' }> = { status: 'ok', platform, kernel: info.kernel, arch: machine };
  if (info.distro) out.distro = info.distro;
  if (platform === 'darwin') out.distroId = 'macos';
  else if (platform === 'win32') out.distroId = 'windows';
  if (info.release) out.release = info.release;
  if (info.codename) out.codename = info.codename;
  return out;
}

export function mapSiCpu(cpu: Systeminformation.CpuData, flags: string | undefined): HostFacts['cpu'] {
  const model = [cpu.manufacturer, cpu.brand].filter(Boolean).join(' ').trim();
  if (!model) return unknown('systeminformation reported no CPU model');
  if (!(cpu.cores > 0) || !(cpu.physicalCores > 0)) return unknown('systeminformation reported no core count');
  return {
    status: 'ok',
    model,
    ...(cpu.manufacturer ? { vendor: cpu.manufacturer } : {}),
    ...(cpu.processors > 0 ? { sockets: cpu.processors } : {}),
    cores: cpu.physicalCores,
    threads: cpu.cores,
    flags: [...new Set((flags ?? cpu.flags ?? '').split(/\s+/).filter(Boolean).map((f) => f.toLowerCase()))].sort(),
  };
}

export function mapSiMemory(mem: Systeminformation.MemData): HostFacts['memory'] {
  if (!(mem.total > 0)) return unknown('systeminformation reported no memory size');
  return {
    status: 'ok',
    totalBytes: mem.total,
    availableBytes: mem.available,
    swapBytes: mem.swaptotal,
    swapFreeBytes: mem.swapfree,
  };
}

export async function probePortableHost(ctx: ProbeContext): Promise<HostFacts> {
  const platform = process.platform;
  const name = platformName(platform);
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  const user: HostFacts['user'] = { uid, root: uid === 0 };
  const base = {
    hostname: os.hostname(),
    shm: unknown(`${name} has no /dev/shm`),
    ulimits: unknown(platform === 'win32' ? 'Windows has no ulimits' : `ulimits are read from /proc/self/limits, which ${name} does not have`),
    virtualization: unknown(`virtualization is not detected on ${name}`),
    numa: unknown(`NUMA topology is not read on ${name}`),
    clock: unknown(`clock synchronisation is not read on ${name}`),
    cgroup: unknown(`${name} has no cgroups`),
    firewall: unknown(`the firewall is read on Linux only (${name}'s application firewall and pf are not inspected)`),
    // Jetson modules run Linux for Tegra: never a Jetson here.
    jetson: { status: 'ok' as const, present: false, evidence: [`${name}: Jetson modules run Linux for Tegra`] },
    user,
  };
  let si;
  try {
    si = await loadSi();
  } catch (e) {
    const reason = `systeminformation could not be loaded: ${e instanceof Error ? e.message : String(e)}`;
    return { ...base, os: unknown(reason), cpu: unknown(reason), memory: unknown(reason) };
  }
  const ms = callBudget(ctx.timeoutMs);
  const [osInfo, cpu, flags, mem] = await Promise.all([
    settle('osInfo', () => si.osInfo(), ms),
    settle('cpu', () => si.cpu(), ms),
    settle('cpuFlags', () => si.cpuFlags(), ms),
    settle('mem', () => si.mem(), ms),
  ]);
  return {
    hostname: base.hostname,
    os: osInfo.ok ? mapSiOs(osInfo.value, platform, os.machine()) : unknown(osInfo.reason),
    cpu: cpu.ok ? mapSiCpu(cpu.value, flags.ok ? flags.value : undefined) : unknown(cpu.reason),
    memory: mem.ok ? mapSiMemory(mem.value) : unknown(mem.reason),
    shm: base.shm,
    ulimits: base.ulimits,
    virtualization: base.virtualization,
    numa: base.numa,
    clock: base.clock,
    cgroup: base.cgroup,
    firewall: base.firewall,
    jetson: base.jetson,
    user,
  };
}
