/**
 * One filesystem path on Linux: statfs for its size, /proc/self/mountinfo for the mount it is on, and
 * sysfs for what kind of device holds it.
 *
 * The path itself is always looked up on this machine; /proc and /sys are read under ctx.fsRoot.
 */
import { realpath, statfs } from 'node:fs/promises';
import path from 'node:path';
import { storageErrorReason, type ProbeContext } from '../context.js';
import type { StoragePathFacts } from '../../facts/schema.js';
import { FsView } from './files.js';
import { mountFor, parseMountinfo, type Mount } from './mountinfo.js';

export type DeviceKind = NonNullable<Extract<StoragePathFacts, { status: 'ok' }>['deviceKind']>;

const NETWORK_FS = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ceph',
  'glusterfs',
  'lustre',
  'gpfs',
  'beegfs',
  'afs',
  'ncpfs',
  'ocfs2',
  'gfs2',
  'fuse.sshfs',
  'fuse.glusterfs',
  'fuse.ceph-fuse',
  'fuse.cephfs',
  'fuse.s3fs',
  'fuse.gcsfuse',
  'fuse.goofys',
  'fuse.rclone',
  'fuse.juicefs',
  'fuse.mountpoint-s3',
  'fuse.blobfuse',
  'fuse.blobfuse2',
  'fuse.weka',
]);
const MEMORY_FS = new Set(['tmpfs', 'ramfs', 'hugetlbfs', 'devtmpfs']);
/** Union filesystems, and kernel pseudo filesystems that hold no data of their own. */
const VIRTUAL_FS = new Set([
  'overlay',
  'overlayfs',
  'aufs',
  'fuse-overlayfs',
  'fuse.fuse-overlayfs',
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'devpts',
  'mqueue',
  'debugfs',
  'tracefs',
  'securityfs',
  'configfs',
  'pstore',
  'bpf',
  'nsfs',
  'autofs',
  'binfmt_misc',
  'fusectl',
  'efivarfs',
]);

/** The kind a filesystem type alone tells, when it does. */
export function kindOfFsType(fsType: string, major: number): DeviceKind | undefined {
  if (NETWORK_FS.has(fsType) || fsType.startsWith('nfs')) return 'network';
  if (MEMORY_FS.has(fsType)) return 'memory';
  if (VIRTUAL_FS.has(fsType) && major === 0) return 'virtual';
  return undefined;
}

/**
 * Kind of a block device by its kernel name ("nvme0n1p2", "sda1", "dm-0"), given its sysfs path
 * (the target of /sys/dev/block/MAJ:MIN or /sys/class/block/NAME, e.g.
 * "../../devices/pci0000:00/…/nvme/nvme0/nvme0n1/nvme0n1p2").
 */
export async function kindOfBlockDevice(view: FsView, sysfsLink: string, depth = 0): Promise<DeviceKind | undefined> {
  const parts = sysfsLink.split('/').filter(Boolean);
  const name = parts.at(-1);
  if (!name || depth > 3) return undefined;
  const parent = parts.at(-2);
  if (name.startsWith('nvme') || (parent?.startsWith('nvme') && /^nvme\d+n\d+$/.test(parent))) return 'nvme';
  if (name.startsWith('zram')) return 'memory';
  if (name.startsWith('loop') || name.startsWith('nbd')) return undefined; // the kind of the backing file's device, not told here
  // A partition's queue is its disk's: try the name itself and its parent directory.
  const [own, up] = await Promise.all([
    view.value(`/sys/block/${name}/queue/rotational`),
    parent ? view.value(`/sys/block/${parent}/queue/rotational`) : Promise.resolve({ ok: false as const, reason: '' }),
  ]);
  const disk = own.ok ? name : up.ok ? parent! : undefined;
  const rotational = own.ok ? own.value : up.ok ? up.value : undefined;
  if (!disk || rotational === undefined) return undefined;
  if (/^(dm-|md)/.test(disk)) {
    // Device mapper (LVM, LUKS) and software RAID: the kind of what they are built on, when all agree.
    const slaves = await view.list(`/sys/block/${disk}/slaves`);
    if (slaves.ok && slaves.value.length > 0) {
      const kinds = await Promise.all(
        slaves.value.map(async (s) => {
          const link = await view.link(`/sys/class/block/${s}`);
          return link.ok ? kindOfBlockDevice(view, link.value, depth + 1) : undefined;
        }),
      );
      if (kinds.every((k) => k !== undefined && k === kinds[0])) return kinds[0];
    }
  }
  if (rotational === '0') return 'ssd';
  if (rotational !== '1') return undefined;
  // Paravirtual disks (virtio, Xen, Hyper-V) are flagged rotational by default: the guest is not told.
  if (/\/(virtio\d+|vbd-\d+|xen|vmbus|VMBUS)/.test(sysfsLink) || /^(vd|xvd)[a-z]/.test(disk)) return undefined;
  return 'hdd';
}

/** Kind of the device under a mount, or undefined when the OS does not tell. */
export async function kindOfMount(view: FsView, mount: Mount): Promise<DeviceKind | undefined> {
  const byType = kindOfFsType(mount.fsType, mount.major);
  if (byType) return byType;
  let link;
  if (mount.major !== 0) {
    link = await view.link(`/sys/dev/block/${mount.major}:${mount.minor}`);
  } else if (mount.source.startsWith('/dev/') && !mount.source.startsWith('/dev/mapper/')) {
    // btrfs and some others show an anonymous device number; the source names the device.
    link = await view.link(`/sys/class/block/${path.posix.basename(mount.source)}`);
  } else {
    return undefined;
  }
  return link.ok ? kindOfBlockDevice(view, link.value) : undefined;
}

export async function probeLinuxStoragePath(ctx: ProbeContext, p: string): Promise<StoragePathFacts> {
  const view = new FsView(ctx.fsRoot);
  const mounts = view.shared('/proc/self/mountinfo');
  let real: string;
  try {
    real = await realpath(path.resolve(ctx.cwd, p));
  } catch (e) {
    return { status: 'unknown', reason: storageErrorReason(e, p) };
  }
  const [stats, mountText] = await Promise.all([
    statfs(real).then(
      (s) => ({ ok: true as const, s }),
      (e: unknown) => ({ ok: false as const, reason: storageErrorReason(e, p) }),
    ),
    mounts,
  ]);
  if (!stats.ok) return { status: 'unknown', reason: stats.reason };
  const { s } = stats;
  const mount = mountText.ok ? mountFor(parseMountinfo(mountText.value), real) : undefined;
  const deviceKind = mount ? await kindOfMount(view, mount).catch(() => undefined) : undefined;
  return {
    status: 'ok',
    path: p,
    ...(mount ? { mountPoint: mount.mountPoint, device: mount.source, fsType: mount.fsType } : {}),
    sizeBytes: s.blocks * s.bsize,
    freeBytes: s.bavail * s.bsize,
    inodesTotal: s.files,
    inodesFree: s.ffree,
    ...(deviceKind ? { deviceKind } : {}),
    ...(mount ? { readOnly: mount.options.includes('ro') || mount.superOptions.includes('ro') } : {}),
  };
}
