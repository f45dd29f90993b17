/**
 * Resource limits of the cgroup this process runs in, cgroup v1 and v2.
 *
 * The process's cgroup comes from /proc/self/cgroup; where that hierarchy is mounted (and which part of
 * it the mount shows: a container without a cgroup namespace sees its own cgroup as the mount's root)
 * comes from /proc/self/mountinfo. A limit anywhere between the process's cgroup and the top of the
 * visible hierarchy applies, so the effective limit is the smallest one along that chain.
 */
import path from 'node:path';
import type { FsView } from './files.js';
import type { Mount } from './mountinfo.js';

export interface CgroupEntry {
  hierarchy: string;
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): CgroupEntry[] {
  const out: CgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) out.push({ hierarchy: m[1]!, controllers: m[2] ? m[2].split(',') : [], path: m[3]! });
  }
  return out;
}

export interface CgroupLocation {
  version: '1' | '2';
  /** Logical directories from the process's cgroup up to the top of the visible hierarchy. */
  dirs: string[];
}

/** Where the files of `controller` for this process's cgroup are, or undefined when it is not mounted. */
export function locateController(mounts: readonly Mount[], entries: readonly CgroupEntry[], controller: string): CgroupLocation | undefined {
  const v1Mount = mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes(controller));
  const v1Entry = entries.find((e) => e.hierarchy !== '0' && e.controllers.includes(controller));
  if (v1Mount && v1Entry) return { version: '1', dirs: chain(v1Mount, v1Entry.path) };
  const v2Mount = mounts.find((m) => m.fsType === 'cgroup2');
  const v2Entry = entries.find((e) => e.hierarchy === '0' && e.controllers.length === 0);
  if (v2Mount && v2Entry) return { version: '2', dirs: chain(v2Mount, v2Entry.path) };
  return undefined;
}

function chain(mount: Mount, cgroupPath: string): string[] {
  let rel = '';
  if (mount.root === '/') rel = cgroupPath;
  else if (cgroupPath === mount.root) rel = '';
  else if (cgroupPath.startsWith(`${mount.root}/`)) rel = cgroupPath.slice(mount.root.length);
  // Otherwise the mount shows another part of the hierarchy: only its top is known to be ours.
  const top = mount.mountPoint;
  const dirs: string[] = [];
  let dir = path.posix.join(top, rel).replace(/(.)\/+$/, '$1');
  for (;;) {
    dirs.push(dir);
    if (dir === top || dir === '/' || !dir.startsWith(`${top}/`)) break;
    dir = path.posix.dirname(dir);
  }
  return dirs;
}

/** cgroup v1 reports "no limit" as the largest page-aligned counter (9223372036854771712 on 4 KiB pages). */
const V1_UNLIMITED = 2 ** 62;

/** The memory limit in bytes, when one applies. */
export async function memoryLimit(view: FsView, loc: CgroupLocation): Promise<number | undefined> {
  const file = loc.version === '2' ? 'memory.max' : 'memory.limit_in_bytes';
  const values = await Promise.all(loc.dirs.map((d) => view.value(path.posix.join(d, file))));
  let limit: number | undefined;
  for (const r of values) {
    if (!r.ok || !/^\d+$/.test(r.value)) continue; // "max", or no file at the top of the hierarchy
    const n = Number(r.value);
    if (loc.version === '1' && n >= V1_UNLIMITED) continue;
    limit = limit === undefined ? n : Math.min(limit, n);
  }
  return limit;
}

/** The CPU quota in cores (quota / period), when one applies. */
export async function cpuLimit(view: FsView, loc: CgroupLocation): Promise<number | undefined> {
  const quotas: (number | undefined)[] = await Promise.all(
    loc.dirs.map(async (d) => {
      if (loc.version === '2') {
        const r = await view.value(path.posix.join(d, 'cpu.max'));
        const m = r.ok ? /^(\d+)\s+(\d+)$/.exec(r.value) : null;
        return m && Number(m[2]) > 0 ? Number(m[1]) / Number(m[2]) : undefined;
      }
      const [quota, period] = await Promise.all([
        view.value(path.posix.join(d, 'cpu.cfs_quota_us')),
        view.value(path.posix.join(d, 'cpu.cfs_period_us')),
      ]);
      if (!quota.ok || !period.ok || !/^\d+$/.test(quota.value) || !/^\d+$/.test(period.value)) return undefined; // -1: none
      return Number(period.value) > 0 ? Number(quota.value) / Number(period.value) : undefined;
    }),
  );
  let limit: number | undefined;
  for (const q of quotas) if (q !== undefined) limit = limit === undefined ? q : Math.min(limit, q);
  return limit === undefined ? undefined : Math.round(limit * 1000) / 1000;
}
