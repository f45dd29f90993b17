/** The storage probe: real paths on this machine, and device kinds from fixture mount tables and sysfs trees. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeStoragePath } from '../../src/probes/storage.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { StoragePathFacts } from '../../src/facts/schema.js';
import { FsView } from '../../src/probes/linux/files.js';
import { isUnder, mountAt, mountFor, parseMountinfo, unescapeMountField } from '../../src/probes/linux/mountinfo.js';
import { kindOfFsType, kindOfMount } from '../../src/probes/linux/storage.js';
import { storageErrorReason } from '../../src/probes/context.js';
import { siMountFor } from '../../src/probes/portable/storage.js';
import type { Systeminformation } from 'systeminformation';
import { FIXTURES } from '../helpers/paths.js';

const LINUX = path.join(FIXTURES, 'linux');
const describeLinux = process.platform === 'linux' ? describe : describe.skip;

function ctxFor(fsRoot = '/'): ProbeContext {
  return {
    timeoutMs: 5000,
    signal: new AbortController().signal,
    env: {},
    cwd: process.cwd(),
    tmpdir: os.tmpdir(),
    fsRoot,
    progress: () => {},
  };
}

function ok(s: StoragePathFacts): Extract<StoragePathFacts, { status: 'ok' }> {
  if (s.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(s)}`);
  return s;
}

describeLinux('probeStoragePath on this machine', () => {
  test.each([['/'], [os.tmpdir()], [process.cwd()]])('%s: statfs sizes, inodes and the mount it is on', async (p) => {
    const facts = ok(await probeStoragePath(ctxFor(), p));
    const s = statfsSync(p);
    expect(facts.path).toBe(p);
    expect(facts.sizeBytes).toBe(s.blocks * s.bsize);
    expect(facts.sizeBytes).toBeGreaterThan(0);
    expect(facts.freeBytes).toBeLessThanOrEqual(facts.sizeBytes);
    expect(facts.inodesTotal).toBe(s.files);
    // The mount point is the longest one containing the real path, and its entry names the type.
    const mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
    const expected = mountFor(mounts, realpathSync(p))!;
    expect(facts).toMatchObject({ mountPoint: expected.mountPoint, fsType: expected.fsType, device: expected.source });
    expect(isUnder(realpathSync(p), facts.mountPoint!)).toBe(true);
    expect(typeof facts.readOnly).toBe('boolean');
  });

  test('/dev/shm and /proc are memory and virtual', async () => {
    expect(ok(await probeStoragePath(ctxFor(), '/proc'))).toMatchObject({ fsType: 'proc', deviceKind: 'virtual', mountPoint: '/proc' });
    const shm = await probeStoragePath(ctxFor(), '/dev/shm');
    if (shm.status === 'ok' && shm.fsType === 'tmpfs') expect(shm.deviceKind).toBe('memory');
  });

  test('a path that does not exist is unknown with its reason', async () => {
    expect(await probeStoragePath(ctxFor(), '/no/such/dir-for-mlready')).toEqual({ status: 'unknown', reason: 'no such directory: /no/such/dir-for-mlready' });
    expect(await probeStoragePath(ctxFor(), '/etc/hostname/below-a-file')).toEqual({ status: 'unknown', reason: 'no such directory: /etc/hostname/below-a-file' });
  });

  test('a path below a directory this user may not enter is unknown: permission denied', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'mlready-denied-'));
    try {
      mkdirSync(path.join(base, 'locked', 'inner'), { recursive: true });
      chmodSync(path.join(base, 'locked'), 0o000);
      const target = path.join(base, 'locked', 'inner');
      const facts = await probeStoragePath(ctxFor(), target);
      if (process.getuid?.() === 0) expect(facts.status).toBe('ok'); // root is not denied
      else expect(facts).toEqual({ status: 'unknown', reason: `permission denied: ${target}` });
    } finally {
      chmodSync(path.join(base, 'locked'), 0o755);
      rmSync(base, { recursive: true, force: true });
    }
    const eacces = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(storageErrorReason(eacces, '/srv/x')).toBe('permission denied: /srv/x');
  });

  test('relative paths are resolved against ctx.cwd', async () => {
    const facts = ok(await probeStoragePath({ ...ctxFor(), cwd: '/' }, 'proc'));
    expect(facts).toMatchObject({ path: 'proc', mountPoint: '/proc', fsType: 'proc' });
  });
});

describeLinux('probeStoragePath with a fixture mount table and sysfs', () => {
  test('arm64-graviton: / on an NVMe partition (XFS)', async () => {
    const facts = ok(await probeStoragePath(ctxFor(path.join(LINUX, 'arm64-graviton')), '/'));
    expect(facts).toMatchObject({ mountPoint: '/', device: '/dev/nvme0n1p1', fsType: 'xfs', deviceKind: 'nvme', readOnly: false });
  });

  test('cgroup-v2-limited-container: / is the overlay of a container', async () => {
    const facts = ok(await probeStoragePath(ctxFor(path.join(LINUX, 'cgroup-v2-limited-container')), '/'));
    expect(facts).toMatchObject({ mountPoint: '/', device: 'overlay', fsType: 'overlay', deviceKind: 'virtual', readOnly: false });
  });

  test('wsl2: the VMBus disk is flagged rotational by default, so its kind is left out', async () => {
    const facts = ok(await probeStoragePath(ctxFor(path.join(LINUX, 'wsl2')), '/'));
    expect(facts).toMatchObject({ mountPoint: '/', device: '/dev/sdc', fsType: 'ext4' });
    expect(facts).not.toHaveProperty('deviceKind');
  });
});

describe('device kinds of fixture mounts', () => {
  async function kinds(scenario: string): Promise<Record<string, string | undefined>> {
    const root = path.join(LINUX, scenario);
    const mounts = parseMountinfo(readFileSync(path.join(root, 'proc/self/mountinfo'), 'utf8'));
    const view = new FsView(root);
    const out: Record<string, string | undefined> = {};
    for (const m of mounts) out[m.mountPoint] = await kindOfMount(view, m);
    return out;
  }

  test('avx512-amx-sapphire-rapids: LVM over NVMe, md RAID over hard disks, a SATA SSD, NFS, tmpfs', async () => {
    expect(await kinds('avx512-amx-sapphire-rapids')).toMatchObject({
      '/': 'nvme',
      '/boot': 'nvme',
      '/boot/efi': 'nvme',
      '/data': 'hdd',
      '/scratch': 'ssd',
      '/mnt/nas': 'network',
      '/dev/shm': 'memory',
      '/run': 'memory',
      '/proc': 'virtual',
      '/sys/fs/cgroup': 'virtual',
    });
  });

  test('arm64-graviton: NVMe disks, EFS (nfs4), tmpfs /tmp', async () => {
    expect(await kinds('arm64-graviton')).toMatchObject({ '/': 'nvme', '/mnt/scratch': 'nvme', '/mnt/efs': 'network', '/tmp': 'memory' });
  });

  test('cgroup-v2-limited-container: a bind mount from a virtio disk has no kind; /dev/shm is memory', async () => {
    const k = await kinds('cgroup-v2-limited-container');
    expect(k['/data']).toBeUndefined();
    expect(k['/dev/shm']).toBe('memory');
    expect(k['/']).toBe('virtual');
  });

  test('wsl2: Windows drives over 9p and the VMBus disk are not told', async () => {
    const k = await kinds('wsl2');
    expect(k['/mnt/c']).toBeUndefined();
    expect(k['/']).toBeUndefined();
  });

  test('no-swap-unlimited-memlock: an emptyDir on the node NVMe disk, the pod overlay', async () => {
    const k = await kinds('no-swap-unlimited-memlock');
    expect(k['/cache']).toBe('nvme');
    expect(k['/']).toBe('virtual');
  });

  test('file system types alone', () => {
    expect(kindOfFsType('fuse.sshfs', 0)).toBe('network');
    expect(kindOfFsType('cifs', 0)).toBe('network');
    expect(kindOfFsType('ceph', 0)).toBe('network');
    expect(kindOfFsType('ramfs', 0)).toBe('memory');
    expect(kindOfFsType('overlay', 0)).toBe('virtual');
    expect(kindOfFsType('ext4', 259)).toBeUndefined();
  });
});

describe('/proc/self/mountinfo', () => {
  const text = [
    '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
    '42 27 254:0 /var/lib/docker /var/lib/docker rw,relatime shared:1 - ext4 /dev/vda rw,discard',
    '50 27 0:45 / /mnt/My\\040Data ro,nosuid master:3 shared:9 - fuse.sshfs user@host:/srv\\040x rw,user_id=0',
    '60 27 0:46 / /tmp rw - tmpfs tmpfs rw,size=1024k',
    '61 27 0:47 / /tmp rw - tmpfs tmpfs rw,size=2048k',
  ].join('\n');
  const mounts = parseMountinfo(text);

  test('fields, optional fields and octal escapes', () => {
    expect(mounts[2]).toEqual({
      id: 50,
      parentId: 27,
      major: 0,
      minor: 45,
      root: '/',
      mountPoint: '/mnt/My Data',
      options: ['ro', 'nosuid'],
      fsType: 'fuse.sshfs',
      source: 'user@host:/srv x',
      superOptions: ['rw', 'user_id=0'],
    });
    expect(unescapeMountField('a\\011b\\134c')).toBe('a\tb\\c');
  });

  test('the longest mount point containing a path, on path-component boundaries; the top of a stack', () => {
    expect(mountFor(mounts, '/var/lib/docker/overlay2')?.mountPoint).toBe('/var/lib/docker');
    expect(mountFor(mounts, '/var/lib/dockerish')?.mountPoint).toBe('/');
    expect(mountFor(mounts, '/mnt/My Data/x')?.fsType).toBe('fuse.sshfs');
    expect(mountFor(mounts, '/tmp/a')?.id).toBe(61);
    expect(mountAt(mounts, '/tmp')?.superOptions).toContain('size=2048k');
  });
});

describe('mounts from systeminformation (macOS, Windows)', () => {
  const mk = (mount: string, fs: string, type: string) => ({ fs, type, mount, size: 1, used: 0, available: 1, use: 0, rw: true }) as Systeminformation.FsSizeData;

  test('macOS: the longest mount path', () => {
    const list = [mk('/', '/dev/disk3s1s1', 'APFS'), mk('/System/Volumes/Data', '/dev/disk3s5', 'APFS'), mk('/Volumes/share', '//me@nas/share', 'smbfs')];
    expect(siMountFor(list, '/System/Volumes/Data/Users/me', 'darwin')?.fs).toBe('/dev/disk3s5');
    expect(siMountFor(list, '/Volumes/share/datasets', 'darwin')?.type).toBe('smbfs');
    expect(siMountFor(list, '/Volumes/shared', 'darwin')?.mount).toBe('/');
  });

  test('Windows: drive letters, case-insensitive', () => {
    const list = [mk('C:', 'C:', 'NTFS'), mk('D:', 'D:', 'NTFS')];
    expect(siMountFor(list, 'c:\\Users\\me\\AppData\\Local\\Temp', 'win32')?.fs).toBe('C:');
    expect(siMountFor(list, 'D:\\data', 'win32')?.fs).toBe('D:');
  });
});
