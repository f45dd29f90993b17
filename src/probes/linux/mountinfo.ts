/** /proc/self/mountinfo: the mounts this process sees (see proc(5)). */

export interface Mount {
  id: number;
  parentId: number;
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted here ("/" for a whole filesystem, a path for bind mounts and cgroups). */
  root: string;
  mountPoint: string;
  /** Per-mount options (ro, nosuid…). */
  options: string[];
  fsType: string;
  source: string;
  /** Per-superblock options (size=…, upperdir=…, cgroup controllers). */
  superOptions: string[];
}

/** Undoes the kernel's octal escapes of space, tab, newline and backslash ("\040"). */
export function unescapeMountField(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))) : s;
}

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (fields.length < 10 || sep < 0 || fields.length < sep + 3) continue;
    const dev = /^(\d+):(\d+)$/.exec(fields[2]!);
    if (!dev) continue;
    mounts.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      major: Number(dev[1]),
      minor: Number(dev[2]),
      root: unescapeMountField(fields[3]!),
      mountPoint: unescapeMountField(fields[4]!),
      options: fields[5]!.split(','),
      fsType: fields[sep + 1]!,
      source: unescapeMountField(fields[sep + 2]!),
      superOptions: (fields[sep + 3] ?? '').split(','),
    });
  }
  return mounts;
}

/** Whether `dir` is `mountPoint` or below it. */
export function isUnder(dir: string, mountPoint: string): boolean {
  if (mountPoint === '/') return dir.startsWith('/');
  return dir === mountPoint || dir.startsWith(`${mountPoint}/`);
}

/**
 * The mount a (real, absolute) path lives on: the longest mount point that contains it; of mounts on
 * the same point, the last listed (the one on top).
 */
export function mountFor(mounts: readonly Mount[], realPath: string): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    if (!isUnder(realPath, m.mountPoint)) continue;
    if (!best || m.mountPoint.length >= best.mountPoint.length) best = m;
  }
  return best;
}

/** The mount on exactly this mount point (the top one when several are stacked). */
export function mountAt(mounts: readonly Mount[], mountPoint: string): Mount | undefined {
  let found: Mount | undefined;
  for (const m of mounts) if (m.mountPoint === mountPoint) found = m;
  return found;
}
