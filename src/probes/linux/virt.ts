/**
 * Is this host a virtual machine, and is this process inside a container? Decided from what the kernel
 * shows, in the spirit of systemd-detect-virt (which needs CPUID; we have /proc and /sys):
 *
 * - x86 lists a `hypervisor` CPU flag in every guest. With it, DMI (sys_vendor, product_name,
 *   bios_vendor), /sys/hypervisor/type, the registered clocksources (kvm-clock, xen, hyperv) or a WSL
 *   kernel name the hypervisor; a guest none of them names is "vm-other". Without the flag, bare metal.
 * - Other architectures have no such flag: DMI names the hypervisor, or there is none to name.
 * - Containers: KUBERNETES_SERVICE_HOST, /run/.containerenv (podman), /.dockerenv (docker),
 *   /run/systemd/container, and the cgroup paths of PID 1 and of this process.
 */

export interface VirtInputs {
  /** Flags of /proc/cpuinfo, when it could be read. */
  cpuFlags?: readonly string[];
  /** Whether this architecture lists a hypervisor flag (x86). */
  flagArch: boolean;
  kernelRelease?: string;
  dmi: { sysVendor?: string; productName?: string; biosVendor?: string };
  hypervisorType?: string;
  clocksources?: string;
  dockerenv: boolean;
  containerenv: boolean;
  systemdContainer?: string;
  cgroupTexts: { file: string; text: string }[];
  env: NodeJS.ProcessEnv;
}

export interface VirtResult {
  hypervisor: string | null;
  container: string | null;
  wsl: boolean;
  evidence: string[];
}

/** DMI strings (prefixes) of hypervisors, as systemd-detect-virt names them. */
const DMI_VENDORS: [string, string][] = [
  ['KVM', 'kvm'],
  ['OpenStack', 'kvm'],
  ['KubeVirt', 'kvm'],
  ['Amazon EC2', 'amazon'],
  ['QEMU', 'qemu'],
  ['VMware', 'vmware'],
  ['VMW', 'vmware'],
  ['innotek GmbH', 'oracle'],
  ['VirtualBox', 'oracle'],
  ['Xen', 'xen'],
  ['Bochs', 'bochs'],
  ['Parallels', 'parallels'],
  ['BHYVE', 'bhyve'],
  ['Hyper-V', 'microsoft'],
  ['Apple Virtualization', 'apple'],
  ['Google Compute Engine', 'google'],
  ['Google', 'google'],
];

function fromDmi(dmi: VirtInputs['dmi'], evidence: string[]): string | null | undefined {
  const { sysVendor, productName, biosVendor } = dmi;
  // Bare-metal EC2 instances keep the Amazon vendor string; their type ends in ".metal".
  if (sysVendor?.startsWith('Amazon EC2') && productName?.endsWith('.metal')) {
    evidence.push(`/sys/class/dmi/id/product_name: ${productName} (bare-metal instance)`);
    return null;
  }
  if (sysVendor === 'Microsoft Corporation' && productName === 'Virtual Machine') {
    evidence.push('/sys/class/dmi/id: Microsoft Corporation Virtual Machine');
    return 'microsoft';
  }
  const fields: [string, string | undefined][] = [
    ['product_name', productName],
    ['sys_vendor', sysVendor],
    ['bios_vendor', biosVendor],
  ];
  for (const [name, value] of fields) {
    if (!value) continue;
    const hit = DMI_VENDORS.find(([prefix]) => value.startsWith(prefix));
    if (hit) {
      evidence.push(`/sys/class/dmi/id/${name}: ${value}`);
      return hit[1];
    }
  }
  return undefined;
}

function fromClocksource(clocksources: string | undefined, evidence: string[]): string | undefined {
  if (!clocksources) return undefined;
  const list = clocksources.split(/\s+/);
  const name = list.includes('kvm-clock') ? 'kvm' : list.includes('xen') ? 'xen' : list.some((c) => c.startsWith('hyperv')) ? 'microsoft' : undefined;
  if (name) evidence.push(`clocksources: ${list.filter(Boolean).join(' ')}`);
  return name;
}

const CGROUP_PATTERNS: [RegExp, string][] = [
  [/kubepods/, 'kubernetes'],
  [/libpod/, 'podman'],
  [/\/docker[/-]|docker-[0-9a-f]{12,}\.scope/, 'docker'],
  [/\/lxc[/.]|lxc\.payload/, 'lxc'],
  [/containerd/, 'containerd'],
];

export function detectVirtualization(input: VirtInputs): VirtResult {
  const evidence: string[] = [];
  const wsl = /microsoft/i.test(input.kernelRelease ?? '');
  if (wsl) evidence.push(`kernel release ${input.kernelRelease} (WSL)`);

  // ---- hypervisor
  // As systemd-detect-virt: DMI first where it is decisive (Amazon, Oracle, Xen), then what the
  // hypervisor itself announces (CPUID there; the clocksource it registers and /sys/hypervisor here),
  // then any DMI string, then WSL.
  const named = (): string | null | undefined => {
    const dmiEvidence: string[] = [];
    const dmi = fromDmi(input.dmi, dmiEvidence);
    if (dmi === null || dmi === 'amazon' || dmi === 'oracle' || dmi === 'xen') {
      evidence.push(...dmiEvidence);
      return dmi;
    }
    if (input.hypervisorType) {
      evidence.push(`/sys/hypervisor/type: ${input.hypervisorType}`);
      return input.hypervisorType;
    }
    const clock = fromClocksource(input.clocksources, evidence);
    if (clock) return clock;
    if (dmi) {
      evidence.push(...dmiEvidence);
      return dmi;
    }
    return wsl ? 'microsoft' : undefined;
  };
  let hypervisor: string | null;
  if (input.flagArch && input.cpuFlags) {
    if (input.cpuFlags.includes('hypervisor')) {
      evidence.push('/proc/cpuinfo: hypervisor flag');
      hypervisor = named() ?? 'vm-other';
    } else {
      evidence.push('/proc/cpuinfo: no hypervisor flag');
      // A Xen PV guest (or dom0) has no flag but announces itself.
      hypervisor = input.hypervisorType === 'xen' ? (evidence.push('/sys/hypervisor/type: xen'), 'xen') : null;
    }
  } else {
    hypervisor = named() ?? null;
    if (hypervisor === null && !evidence.some((e) => e.includes('bare-metal'))) {
      const dmiSeen = input.dmi.sysVendor ?? input.dmi.productName;
      evidence.push(dmiSeen ? `/sys/class/dmi/id/sys_vendor: ${dmiSeen} (no hypervisor)` : 'no DMI and no hypervisor named in /sys');
    }
  }

  // ---- container
  const found = new Map<string, string[]>();
  const add = (kind: string, why: string) => found.set(kind, [...(found.get(kind) ?? []), why]);
  if (input.env.KUBERNETES_SERVICE_HOST) add('kubernetes', 'KUBERNETES_SERVICE_HOST is set');
  if (input.containerenv) add('podman', '/run/.containerenv exists');
  if (input.dockerenv) add('docker', '/.dockerenv exists');
  for (const { file, text } of input.cgroupTexts) {
    for (const [re, kind] of CGROUP_PATTERNS) {
      if (re.test(text)) {
        add(kind, `${file} mentions ${kind === 'kubernetes' ? 'kubepods' : kind === 'podman' ? 'libpod' : kind}`);
        break;
      }
    }
  }
  const systemdContainer = input.systemdContainer?.trim();
  if (systemdContainer) add(systemdContainer, `/run/systemd/container: ${systemdContainer}`);
  const order = ['kubernetes', 'podman', 'docker', ...[...found.keys()].filter((k) => !['kubernetes', 'podman', 'docker', 'lxc', 'containerd'].includes(k)), 'lxc', 'containerd'];
  const container = order.find((k) => found.has(k)) ?? null;
  if (container) for (const k of order) if (found.has(k)) evidence.push(...found.get(k)!);
  if (!container) evidence.push('no container markers (/.dockerenv, /run/.containerenv, /run/systemd/container, cgroup paths)');

  return { hypervisor, container, wsl, evidence };
}
