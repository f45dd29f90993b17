/** Pure parsers of /proc and /etc files. Each takes the file's text and never throws. */
import type { Ulimit } from '../../facts/schema.js';

// ---------------------------------------------------------------- /proc/cpuinfo

export interface CpuinfoSummary {
  /** Processor entries: the logical CPUs online. */
  processors: number;
  model?: string;
  vendor?: string;
  /** Flags (x86 `flags`) or features (arm64 `Features`) of the first processor, as listed. */
  flags: string[];
  /** Whether the kernel lists flags at all (x86 does, arm64 lists Features, some architectures neither). */
  hasFlags: boolean;
  /** Distinct (physical id, core id) pairs, when every processor lists both (x86). */
  cores?: number;
  /** Distinct physical ids, when every processor lists one (x86). */
  sockets?: number;
  armImplementer?: string;
  armPart?: string;
}

const X86_VENDORS: Record<string, string> = {
  GenuineIntel: 'Intel',
  AuthenticAMD: 'AMD',
  HygonGenuine: 'Hygon',
  CentaurHauls: 'Centaur',
  Shanghai: 'Zhaoxin',
};

/** Arm implementer codes and the parts servers and laptops run (from util-linux lscpu-arm.c). */
const ARM_IMPLEMENTERS: Record<string, { name: string; parts: Record<string, string> }> = {
  '0x41': {
    name: 'ARM',
    parts: {
      '0xd03': 'Cortex-A53',
      '0xd04': 'Cortex-A35',
      '0xd05': 'Cortex-A55',
      '0xd07': 'Cortex-A57',
      '0xd08': 'Cortex-A72',
      '0xd09': 'Cortex-A73',
      '0xd0a': 'Cortex-A75',
      '0xd0b': 'Cortex-A76',
      '0xd0c': 'Neoverse-N1',
      '0xd0d': 'Cortex-A77',
      '0xd40': 'Neoverse-V1',
      '0xd41': 'Cortex-A78',
      '0xd44': 'Cortex-X1',
      '0xd46': 'Cortex-A510',
      '0xd47': 'Cortex-A710',
      '0xd48': 'Cortex-X2',
      '0xd49': 'Neoverse-N2',
      '0xd4a': 'Neoverse-E1',
      '0xd4b': 'Cortex-A78C',
      '0xd4d': 'Cortex-A715',
      '0xd4e': 'Cortex-X3',
      '0xd4f': 'Neoverse-V2',
      '0xd80': 'Cortex-A520',
      '0xd81': 'Cortex-A720',
      '0xd82': 'Cortex-X4',
      '0xd84': 'Neoverse-V3',
      '0xd8e': 'Neoverse-N3',
    },
  },
  '0x42': { name: 'Broadcom', parts: {} },
  '0x43': { name: 'Cavium', parts: { '0x0a1': 'ThunderX', '0x0af': 'ThunderX2' } },
  '0x46': { name: 'Fujitsu', parts: { '0x001': 'A64FX' } },
  '0x48': { name: 'HiSilicon', parts: { '0xd01': 'TaiShan-v110 (Kunpeng 920)', '0xd02': 'TaiShan-v120' } },
  '0x4e': { name: 'NVIDIA', parts: { '0x004': 'Carmel' } },
  '0x50': { name: 'APM', parts: { '0x000': 'X-Gene' } },
  '0x51': { name: 'Qualcomm', parts: { '0x001': 'Oryon' } },
  '0x61': { name: 'Apple', parts: {} },
  '0x6d': { name: 'Microsoft', parts: { '0xd49': 'Azure Cobalt 100' } },
  '0xc0': { name: 'Ampere', parts: { '0xac3': 'Ampere-1', '0xac4': 'Ampere-1a' } },
};

export function armCpuName(implementer: string | undefined, part: string | undefined): { vendor?: string; model?: string } {
  if (!implementer) return {};
  const impl = ARM_IMPLEMENTERS[implementer.toLowerCase()];
  const vendor = impl?.name;
  const partName = part ? impl?.parts[part.toLowerCase()] : undefined;
  const who = vendor ?? `Arm implementer ${implementer}`;
  const model = partName ? `${who} ${partName}` : part ? `${who} part ${part}` : who;
  return vendor ? { vendor, model } : { model };
}

export function parseCpuinfo(text: string): CpuinfoSummary {
  let processors = 0;
  let first: Map<string, string> | undefined;
  let current: Map<string, string> | undefined;
  const pairs = new Set<string>();
  const packages = new Set<string>();
  let allHaveIds = true;
  let allHavePackage = true;

  const closeBlock = () => {
    if (!current) return;
    const phys = current.get('physical id');
    const core = current.get('core id');
    if (phys === undefined) allHavePackage = false;
    else packages.add(phys);
    if (phys === undefined || core === undefined) allHaveIds = false;
    else pairs.add(`${phys}:${core}`);
  };

  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'processor' && /^\d+$/.test(value)) {
      closeBlock();
      processors++;
      current = new Map();
      if (!first) first = current;
      continue;
    }
    if (!current) continue;
    // Only the first block is kept whole; later blocks need only their topology ids.
    if (current === first || key === 'physical id' || key === 'core id') current.set(key, value);
  }
  closeBlock();

  const f = first ?? new Map<string, string>();
  const flagLine = f.get('flags') ?? f.get('Features');
  const flags = flagLine ? [...new Set(flagLine.split(/\s+/).filter(Boolean))].sort() : [];
  const summary: CpuinfoSummary = { processors, flags, hasFlags: flagLine !== undefined };

  const vendorId = f.get('vendor_id');
  const modelName = f.get('model name') ?? f.get('cpu model') ?? f.get('cpu');
  if (vendorId) summary.vendor = X86_VENDORS[vendorId] ?? vendorId;
  if (modelName) summary.model = modelName;
  const implementer = f.get('CPU implementer');
  const part = f.get('CPU part');
  if (implementer) {
    summary.armImplementer = implementer;
    if (part) summary.armPart = part;
    const arm = armCpuName(implementer, part);
    if (!summary.vendor && arm.vendor) summary.vendor = arm.vendor;
    if (!summary.model && arm.model) summary.model = arm.model;
  }
  if (processors > 0 && allHaveIds) summary.cores = pairs.size;
  if (processors > 0 && allHavePackage) summary.sockets = packages.size;
  return summary;
}

// ---------------------------------------------------------------- /proc/meminfo

/** Values as the file gives them: kB for sizes, counts for HugePages_*. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

// ---------------------------------------------------------------- /proc/self/limits

export interface Limit {
  soft: Ulimit;
  hard: Ulimit;
}

/** Limits by name ("Max open files"), soft and hard, in the file's units (bytes for memory). */
export function parseLimits(text: string): Map<string, Limit> {
  const out = new Map<string, Limit>();
  const value = (v: string): Ulimit | undefined => (v === 'unlimited' ? 'unlimited' : /^\d+$/.test(v) ? Number(v) : undefined);
  for (const line of text.split('\n')) {
    // Names contain spaces; columns are separated by runs of two or more spaces.
    const m = /^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const soft = value(m[2]!);
    const hard = value(m[3]!);
    if (soft !== undefined && hard !== undefined) out.set(m[1]!, { soft, hard });
  }
  return out;
}

// ---------------------------------------------------------------- /etc/os-release

/** KEY=value pairs, with shell quoting and backslash escapes undone. */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) {
      const quote = v[0];
      v = v.slice(1, -1);
      if (quote === '"') v = v.replace(/\\(["\\`$])/g, '$1');
    }
    out.set(m[1]!, v);
  }
  return out;
}

// ---------------------------------------------------------------- /etc/group

/** Group names by gid. */
export function parseGroupFile(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const parts = line.split(':');
    if (parts.length < 3 || !parts[0] || !/^\d+$/.test(parts[2] ?? '')) continue;
    const gid = Number(parts[2]);
    if (!out.has(gid)) out.set(gid, parts[0]);
  }
  return out;
}

// ---------------------------------------------------------------- sizes in mount options

/** A tmpfs `size=` option ("65536k", "2g", "1048576") in bytes. */
export function parseSizeOption(options: string[]): number | undefined {
  const opt = options.find((o) => o.startsWith('size='));
  if (!opt) return undefined;
  const m = /^size=(\d+)([kmgt]?)$/i.exec(opt);
  if (!m) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase()] ?? 1;
  return Number(m[1]) * unit;
}
