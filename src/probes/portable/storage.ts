/**
 * One filesystem path on macOS and Windows: statfs for the sizes, systeminformation's mount list for
 * the mount it is on. The kind of disk is left out: telling it costs seconds (system_profiler, WMI).
 */
import { realpath, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { Systeminformation } from 'systeminformation';
import { storageErrorReason, type ProbeContext } from '../context.js';
import type { StoragePathFacts } from '../../facts/schema.js';
import { callBudget, loadSi, settle, type Settled } from './si.js';

const NETWORK_TYPES = new Set(['smbfs', 'nfs', 'afpfs', 'webdav', 'cifs', 'ftp']);

/** The mount a path is on: the longest mount path containing it (case-insensitive on Windows). */
export function siMountFor(mounts: readonly Systeminformation.FsSizeData[], realPath: string, platform: string): Systeminformation.FsSizeData | undefined {
  const norm = (p: string) => {
    let s = platform === 'win32' ? p.replace(/\//g, '\\').toLowerCase() : p;
    const sep = platform === 'win32' ? '\\' : '/';
    if (s.length > 1 && s.endsWith(sep) && !/^[a-z]:\\$/.test(s)) s = s.slice(0, -1);
    return { s, sep };
  };
  const target = norm(realPath);
  let best: Systeminformation.FsSizeData | undefined;
  let bestLen = -1;
  for (const m of mounts) {
    if (!m.mount) continue;
    const { s, sep } = norm(m.mount);
    const inside = target.s === s || target.s.startsWith(s.endsWith(sep) ? s : s + sep) || (s === sep && target.s.startsWith(sep));
    if (inside && s.length > bestLen) {
      best = m;
      bestLen = s.length;
    }
  }
  return best;
}

let fsSizeInFlight: Promise<Settled<Systeminformation.FsSizeData[]>> | undefined;

function mounts(timeoutMs: number): Promise<Settled<Systeminformation.FsSizeData[]>> {
  if (!fsSizeInFlight) {
    fsSizeInFlight = loadSi().then((si) => settle('fsSize', () => si.fsSize(), callBudget(timeoutMs)));
    void fsSizeInFlight.finally(() => (fsSizeInFlight = undefined));
  }
  return fsSizeInFlight;
}

export async function probePortableStoragePath(ctx: ProbeContext, p: string): Promise<StoragePathFacts> {
  let real: string;
  try {
    real = await realpath(path.resolve(ctx.cwd, p));
  } catch (e) {
    return { status: 'unknown', reason: storageErrorReason(e, p) };
  }
  const [s, list] = await Promise.all([
    statfs(real).catch((e: unknown) => e as NodeJS.ErrnoException),
    mounts(ctx.timeoutMs).catch((e: unknown) => ({ ok: false as const, reason: String(e) })),
  ]);
  if (s instanceof Error) {
    return { status: 'unknown', reason: storageErrorReason(s, p) };
  }
  const mount = list.ok ? siMountFor(list.value, real, process.platform) : undefined;
  return {
    status: 'ok',
    path: p,
    ...(mount ? { mountPoint: mount.mount, device: mount.fs, fsType: mount.type } : {}),
    sizeBytes: s.blocks * s.bsize,
    freeBytes: s.bavail * s.bsize,
    ...(s.files > 0 ? { inodesTotal: s.files, inodesFree: s.ffree } : {}),
    ...(mount && NETWORK_TYPES.has(mount.type.toLowerCase()) ? { deviceKind: 'network' as const } : {}),
    ...(mount && mount.rw !== null ? { readOnly: !mount.rw } : {}),
  };
}
