/** The pure parts of the host probe: file parsers, cgroup lookup, virtualization decisions, systeminformation mapping. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { countList, FsView } from '../../src/probes/linux/files.js';
import { armCpuName, parseCpuinfo, parseGroupFile, parseLimits, parseMeminfo, parseOsRelease, parseSizeOption } from '../../src/probes/linux/procfs.js';
import { parseMountinfo } from '../../src/probes/linux/mountinfo.js';
import { cpuLimit, locateController, memoryLimit, parseProcCgroup } from '../../src/probes/linux/cgroup.js';
import { detectVirtualization, type VirtInputs } from '../../src/probes/linux/virt.js';
import { mapSiCpu, mapSiMemory, mapSiOs } from '../../src/probes/portable/host.js';
import { clockFromTimedatectl } from '../../src/probes/linux/host.js';
import type { ToolResult } from '../../src/util/exec.js';
import type { Systeminformation } from 'systeminformation';

describe('/proc/cpuinfo', () => {
  const x86 = (proc: number, phys: number, core: number, flags = 'fpu sse2 avx2 avx2 avx512f') =>
    `processor\t: ${proc}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU\nphysical id\t: ${phys}\ncore id\t\t: ${core}\nflags\t\t: ${flags}\n\n`;

  test('counts threads, physical cores and sockets from the ids; flags sorted and de-duplicated', () => {
    const text = [x86(0, 0, 0), x86(1, 0, 1), x86(2, 1, 0), x86(3, 1, 1), x86(4, 0, 0), x86(5, 0, 1), x86(6, 1, 0), x86(7, 1, 1)].join('');
    expect(parseCpuinfo(text)).toEqual({
      processors: 8,
      cores: 4,
      sockets: 2,
      model: 'Intel(R) Xeon(R) CPU',
      vendor: 'Intel',
      flags: ['avx2', 'avx512f', 'fpu', 'sse2'],
      hasFlags: true,
    });
  });

  test('leaves cores and sockets out when a processor lacks its ids', () => {
    const text = `${x86(0, 0, 0)}processor\t: 1\nvendor_id\t: GenuineIntel\nflags\t\t: fpu\n\n`;
    const c = parseCpuinfo(text);
    expect(c.processors).toBe(2);
    expect(c.cores).toBeUndefined();
    expect(c.sockets).toBeUndefined();
  });

  test('arm64: Features are the flags; implementer and part name the CPU', () => {
    const block = (i: number) =>
      `processor\t: ${i}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n`;
    const c = parseCpuinfo(block(0) + block(1));
    expect(c).toMatchObject({ processors: 2, model: 'ARM Neoverse-N1', vendor: 'ARM', armImplementer: '0x41', armPart: '0xd0c' });
    expect(c.flags).toContain('asimd');
    expect(c.cores).toBeUndefined();
  });

  test('unknown Arm parts are named by their codes, never guessed', () => {
    expect(armCpuName('0xc0', '0xac5')).toEqual({ vendor: 'Ampere', model: 'Ampere part 0xac5' });
    expect(armCpuName('0x99', '0x001')).toEqual({ model: 'Arm implementer 0x99 part 0x001' });
  });

  test('an empty file has no processors', () => {
    expect(parseCpuinfo('')).toEqual({ processors: 0, flags: [], hasFlags: false });
  });
});

test('/proc/meminfo values keep their units (kB, page counts)', () => {
  const m = parseMeminfo('MemTotal:       16384000 kB\nActive(anon):       1536 kB\nHugePages_Total:      16\nHugepagesize:       2048 kB\n');
  expect(Object.fromEntries(m)).toEqual({ MemTotal: 16384000, 'Active(anon)': 1536, HugePages_Total: 16, Hugepagesize: 2048 });
});

test('/proc/self/limits: soft and hard values, "unlimited" kept as the string', () => {
  const text = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             96365                96365                processes ',
    'Max open files            1024                 1048576              files     ',
    'Max locked memory         unlimited            unlimited            bytes     ',
    'Max nice priority         0                    0                    ',
  ].join('\n');
  const l = parseLimits(text);
  expect(l.get('Max open files')).toEqual({ soft: 1024, hard: 1048576 });
  expect(l.get('Max locked memory')).toEqual({ soft: 'unlimited', hard: 'unlimited' });
  expect(l.get('Max processes')).toEqual({ soft: 96365, hard: 96365 });
  expect(l.get('Max nice priority')).toEqual({ soft: 0, hard: 0 });
});

test('/etc/os-release: quotes and escapes undone, comments skipped', () => {
  const kv = parseOsRelease('# comment\nNAME="Red Hat Enterprise Linux"\nID=rhel\nVERSION_ID=\'9.3\'\nPRETTY_NAME="A \\"quoted\\" name"\n');
  expect(Object.fromEntries(kv)).toEqual({ NAME: 'Red Hat Enterprise Linux', ID: 'rhel', VERSION_ID: '9.3', PRETTY_NAME: 'A "quoted" name' });
});

test('/etc/group: names by gid, the first entry wins', () => {
  expect(Object.fromEntries(parseGroupFile('root:x:0:\ndocker:x:999:alice,bob\n+nis\nbroken\ndup:x:999:\n'))).toEqual({ 0: 'root', 999: 'docker' });
});

test('CPU and node lists', () => {
  expect(countList('0-3,8-11')).toBe(8);
  expect(countList('0')).toBe(1);
  expect(countList('0-1\n')).toBe(2);
  expect(countList('')).toBe(0);
  expect(countList('x')).toBeUndefined();
});

test('tmpfs size= options in bytes', () => {
  expect(parseSizeOption(['rw', 'size=65536k', 'inode64'])).toBe(64 * 1024 * 1024);
  expect(parseSizeOption(['size=2g'])).toBe(2 * 1024 ** 3);
  expect(parseSizeOption(['size=50%'])).toBeUndefined();
  expect(parseSizeOption(['rw'])).toBeUndefined();
});

describe('cgroup limits', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mlready-cgroup-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const put = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };

  test('v2: the chain runs from the process cgroup up to the mount, and the smallest limit applies', async () => {
    const mounts = parseMountinfo('29 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n');
    const entries = parseProcCgroup('0::/kubepods.slice/pod1.slice/cri-containerd-abc.scope\n');
    const loc = locateController(mounts, entries, 'memory');
    expect(loc).toEqual({
      version: '2',
      dirs: [
        '/sys/fs/cgroup/kubepods.slice/pod1.slice/cri-containerd-abc.scope',
        '/sys/fs/cgroup/kubepods.slice/pod1.slice',
        '/sys/fs/cgroup/kubepods.slice',
        '/sys/fs/cgroup',
      ],
    });
    put('/sys/fs/cgroup/kubepods.slice/pod1.slice/cri-containerd-abc.scope/memory.max', 'max\n');
    put('/sys/fs/cgroup/kubepods.slice/pod1.slice/memory.max', '2147483648\n');
    put('/sys/fs/cgroup/kubepods.slice/memory.max', '64424509440\n');
    put('/sys/fs/cgroup/kubepods.slice/pod1.slice/cri-containerd-abc.scope/cpu.max', 'max 100000\n');
    put('/sys/fs/cgroup/kubepods.slice/pod1.slice/cpu.max', '150000 100000\n');
    const view = new FsView(root);
    expect(await memoryLimit(view, loc!)).toBe(2147483648);
    expect(await cpuLimit(view, loc!)).toBe(1.5);
  });

  test('v1 without a cgroup namespace: the mount shows the container cgroup as its root', () => {
    const mounts = parseMountinfo('40 30 0:32 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n41 30 0:31 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n');
    const entries = parseProcCgroup('4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n');
    expect(locateController(mounts, entries, 'memory')).toEqual({ version: '1', dirs: ['/sys/fs/cgroup/memory'] });
    expect(locateController(mounts, entries, 'cpu')).toEqual({ version: '1', dirs: ['/sys/fs/cgroup/cpu,cpuacct'] });
  });

  test('v1 "no limit" is the largest page-aligned counter, and a quota of -1 is none', async () => {
    put('/v1/memory/memory.limit_in_bytes', '9223372036854771712\n');
    put('/v1/cpu/cpu.cfs_quota_us', '-1\n');
    put('/v1/cpu/cpu.cfs_period_us', '100000\n');
    const view = new FsView(root);
    expect(await memoryLimit(view, { version: '1', dirs: ['/v1/memory'] })).toBeUndefined();
    expect(await cpuLimit(view, { version: '1', dirs: ['/v1/cpu'] })).toBeUndefined();
  });

  test('hybrid hierarchy: a v1 controller is preferred over an empty unified mount', () => {
    const mounts = parseMountinfo('35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n');
    const entries = parseProcCgroup('4:memory:/process_api/f8\n0::/\n');
    expect(locateController(mounts, entries, 'memory')).toEqual({ version: '1', dirs: ['/sys/fs/cgroup/memory/process_api/f8', '/sys/fs/cgroup/memory/process_api', '/sys/fs/cgroup/memory'] });
    expect(locateController(mounts, entries, 'cpu')).toEqual({ version: '2', dirs: ['/sys/fs/cgroup/unified'] });
  });
});

describe('virtualization', () => {
  const base: VirtInputs = {
    cpuFlags: ['fpu', 'sse2'],
    flagArch: true,
    kernelRelease: '6.1.0-18-amd64',
    dmi: {},
    dockerenv: false,
    containerenv: false,
    cgroupTexts: [],
    env: {},
  };
  const hv = ['fpu', 'hypervisor'];

  test.each<[string, Partial<VirtInputs>, string | null]>([
    ['bare metal x86: no flag', { dmi: { sysVendor: 'Dell Inc.', productName: 'PowerEdge R750' } }, null],
    ['bare metal x86 with Oracle DMI: the flag decides', { dmi: { sysVendor: 'Oracle Corporation', productName: 'ORACLE SERVER X9-2' } }, null],
    ['QEMU/KVM: the kvm clocksource wins over the QEMU DMI', { cpuFlags: hv, dmi: { sysVendor: 'QEMU' }, clocksources: 'kvm-clock tsc acpi_pm' }, 'kvm'],
    ['QEMU without KVM', { cpuFlags: hv, dmi: { sysVendor: 'QEMU', productName: 'Standard PC (Q35 + ICH9, 2009)' }, clocksources: 'tsc acpi_pm' }, 'qemu'],
    ['EC2 Nitro: DMI Amazon wins over kvm-clock', { cpuFlags: hv, dmi: { sysVendor: 'Amazon EC2', productName: 'm6i.large' }, clocksources: 'kvm-clock tsc' }, 'amazon'],
    ['VMware', { cpuFlags: hv, dmi: { sysVendor: 'VMware, Inc.', productName: 'VMware Virtual Platform' }, clocksources: 'tsc hpet' }, 'vmware'],
    ['Hyper-V', { cpuFlags: hv, dmi: { sysVendor: 'Microsoft Corporation', productName: 'Virtual Machine' } }, 'microsoft'],
    ['Xen HVM', { cpuFlags: hv, dmi: { sysVendor: 'Xen', productName: 'HVM domU' }, hypervisorType: 'xen', clocksources: 'xen tsc' }, 'xen'],
    ['Xen PV: no flag, but /sys/hypervisor says xen', { hypervisorType: 'xen' }, 'xen'],
    ['an unnamed hypervisor', { cpuFlags: hv }, 'vm-other'],
    ['GCE', { cpuFlags: hv, dmi: { sysVendor: 'Google', productName: 'Google Compute Engine' }, clocksources: 'kvm-clock tsc' }, 'kvm'],
    ['arm64 EC2 bare metal', { flagArch: false, cpuFlags: ['fp', 'asimd'], dmi: { sysVendor: 'Amazon EC2', productName: 'c7g.metal' } }, null],
    ['arm64 KVM guest: product_name is read first', { flagArch: false, cpuFlags: ['fp', 'asimd'], dmi: { sysVendor: 'QEMU', productName: 'KVM Virtual Machine' } }, 'kvm'],
    ['arm64 without DMI or a named hypervisor', { flagArch: false, cpuFlags: ['fp', 'asimd'] }, null],
  ])('%s', (_name, overrides, expected) => {
    expect(detectVirtualization({ ...base, ...overrides }).hypervisor).toBe(expected);
  });

  test.each<[string, Partial<VirtInputs>, string | null]>([
    ['no markers', {}, null],
    ['/.dockerenv', { dockerenv: true }, 'docker'],
    ['/run/.containerenv', { containerenv: true }, 'podman'],
    ['podman has both files', { containerenv: true, dockerenv: true }, 'podman'],
    ['KUBERNETES_SERVICE_HOST', { env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dockerenv: true }, 'kubernetes'],
    ['cgroup v1 docker path', { cgroupTexts: [{ file: '/proc/1/cgroup', text: '12:memory:/docker/3f4e5a6b7c8d9e0f\n' }] }, 'docker'],
    ['systemd docker scope', { cgroupTexts: [{ file: '/proc/1/cgroup', text: '0::/system.slice/docker-3f4e5a6b7c8d9e0f1a2b.scope\n' }] }, 'docker'],
    ['containerd under k8s', { cgroupTexts: [{ file: '/proc/1/cgroup', text: '0::/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abc.scope\n' }] }, 'kubernetes'],
    ['plain containerd', { cgroupTexts: [{ file: '/proc/1/cgroup', text: '0::/default/containerd-task\n' }] }, 'containerd'],
    ['LXC', { cgroupTexts: [{ file: '/proc/1/cgroup', text: '0::/lxc.payload.web01\n' }] }, 'lxc'],
    ['systemd-nspawn', { systemdContainer: 'systemd-nspawn\n' }, 'systemd-nspawn'],
    ['the host: only systemd slices', { cgroupTexts: [{ file: '/proc/1/cgroup', text: '0::/init.scope\n' }] }, null],
  ])('container: %s', (_name, overrides, expected) => {
    const r = detectVirtualization({ ...base, ...overrides });
    expect(r.container).toBe(expected);
    expect(r.evidence.length).toBeGreaterThan(0);
  });

  test('WSL 2: microsoft kernel and a hypervisor flag', () => {
    const r = detectVirtualization({ ...base, cpuFlags: ['fpu', 'hypervisor'], kernelRelease: '5.15.153.1-microsoft-standard-WSL2' });
    expect(r).toMatchObject({ hypervisor: 'microsoft', wsl: true, container: null });
  });

  test('WSL 1: a Microsoft kernel name without a VM', () => {
    const r = detectVirtualization({ ...base, kernelRelease: '4.4.0-19041-Microsoft' });
    expect(r).toMatchObject({ hypervisor: null, wsl: true });
  });
});

describe('systeminformation mapping (macOS, Windows)', () => {
  test('CPU: brand and vendor, physical and logical cores, flags lower-cased and sorted', () => {
    const cpu = { manufacturer: 'Intel', brand: 'Core™ i9-9880H', physicalCores: 8, cores: 16, processors: 1, flags: '' } as Systeminformation.CpuData;
    expect(mapSiCpu(cpu, 'FPU VME AVX2 SSE4.2 AVX2')).toEqual({
      status: 'ok',
      model: 'Intel Core™ i9-9880H',
      vendor: 'Intel',
      sockets: 1,
      cores: 8,
      threads: 16,
      flags: ['avx2', 'fpu', 'sse4.2', 'vme'],
    });
  });

  test('CPU without a core count is unknown, not zero', () => {
    const cpu = { manufacturer: 'Apple', brand: 'M2', physicalCores: 0, cores: 0, processors: 1, flags: '' } as Systeminformation.CpuData;
    expect(mapSiCpu(cpu, undefined)).toEqual({ status: 'unknown', reason: 'systeminformation reported no core count' });
  });

  test('memory and OS', () => {
    const mem = { total: 17179869184, available: 8589934592, swaptotal: 2147483648, swapfree: 1073741824 } as Systeminformation.MemData;
    expect(mapSiMemory(mem)).toEqual({ status: 'ok', totalBytes: 17179869184, availableBytes: 8589934592, swapBytes: 2147483648, swapFreeBytes: 1073741824 });
    const info = { distro: 'macOS', release: '14.4.1', codename: 'macOS Sonoma', kernel: '23.4.0', arch: 'arm64' } as Systeminformation.OsData;
    expect(mapSiOs(info, 'darwin', 'arm64')).toEqual({
      status: 'ok',
      platform: 'darwin',
      kernel: '23.4.0',
      arch: 'arm64',
      distro: 'macOS',
      distroId: 'macos',
      release: '14.4.1',
      codename: 'macOS Sonoma',
    });
  });
});

describe('clock synchronisation from timedatectl', () => {
  test.each<[string, ToolResult, unknown]>([
    ['yes', { kind: 'ok', code: 0, stdout: 'yes\n', stderr: '', durationMs: 9 }, { status: 'ok', synchronized: true, source: 'timedatectl' }],
    ['no', { kind: 'ok', code: 0, stdout: 'no\n', stderr: '', durationMs: 9 }, { status: 'ok', synchronized: false, source: 'timedatectl' }],
    [
      'no bus',
      { kind: 'ok', code: 1, stdout: '', stderr: 'System has not been booted with systemd as init system (PID 1). Can\'t operate.\nFailed to connect to bus: Host is down\n', durationMs: 3 },
      { status: 'unknown', reason: "timedatectl failed: System has not been booted with systemd as init system (PID 1). Can't operate." },
    ],
    ['a hang', { kind: 'timeout', timeoutMs: 300, stdout: '' }, { status: 'unknown', reason: 'timedatectl timed out after 0.3 s' }],
    ['absent', { kind: 'not-found', command: 'timedatectl' }, { status: 'unknown', reason: 'timedatectl is not installed and systemd-timesyncd has not reported a synchronisation' }],
  ])('%s', (_name, res, expected) => {
    expect(clockFromTimedatectl(res)).toEqual(expected);
  });
});
