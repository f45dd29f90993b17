/**
 * `nvidia-smi -q -x` → GPU device facts.
 *
 * Kept apart from nvidia.ts so that the XML parser is loaded (with a dynamic import) while
 * nvidia-smi is already running, and only when nvidia-smi exists.
 *
 * The XML format changes between DTD versions (v7 … v13 in test/fixtures/corpus/nvidia-smi-xml):
 * elements come and go, and any value may be a placeholder (`N/A`, `[Not Supported]`…). Everything
 * not reported is left out; nothing is derived from `attached_gpus` (a trimmed sample has it differ
 * from the number of `<gpu>` elements).
 */
import { XMLParser } from 'fast-xml-parser';
import type { GpuDeviceFacts, MigDeviceFacts } from '../../facts/schema.js';
import { defined, enabled, leadingInt, reported, ToolOutputError } from './common.js';
import { computeCapabilityFromTable } from './compute-capability.js';
import { firstLine } from '../../util/exec.js';

type XmlNode = Record<string, unknown>;

/** Elements that may occur once or many times: always arrays, so one GPU and eight look the same. */
const ARRAY_PATHS = new Set([
  'nvidia_smi_log.gpu',
  'nvidia_smi_log.gpu.mig_devices.mig_device',
  'nvidia_smi_log.gpu.processes.process_info',
]);

/** Large subtrees the probe never reads: kept as raw text instead of being parsed into objects. */
const SKIPPED = [
  'supported_clocks',
  'clocks_event_reasons_counters',
  'clocks_event_reasons',
  'clocks_throttle_reasons',
  'ecc_errors',
  'retired_pages',
  'remapped_rows',
  'temperature',
  'accounted_processes',
  'capabilities',
].map((name) => `nvidia_smi_log.gpu.${name}`);

let parser: XMLParser | undefined;

function getParser(): XMLParser {
  parser ??= new XMLParser({
    ignoreAttributes: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false, // versions such as "12.10" must stay strings
    trimValues: true,
    // The DOCTYPE (external `SYSTEM "nvsmi_device_v12.dtd"`, or the inline DTD of `nvidia-smi -q -x --dtd`)
    // is read by the parser for its entities; ELEMENT declarations and comments in it are skipped.
    processEntities: true,
    stopNodes: SKIPPED,
    isArray: (_name, jpath) => ARRAY_PATHS.has(String(jpath)),
  });
  return parser;
}

export interface NvidiaSmiReport {
  driverVersion?: string;
  cudaVersion?: string;
  devices: GpuDeviceFacts[];
}

const node = (value: unknown): XmlNode | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as XmlNode) : undefined;

/** Walks child elements; undefined as soon as one is missing or is text. */
function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    const n = node(current);
    if (!n) return undefined;
    current = n[key];
  }
  return current;
}

const MIB = /^MiB$/i;
const WIDTH = /^x$/i;

const positive = (n: number | undefined) => (n !== undefined && n >= 1 ? n : undefined);

function watts(value: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*W$/i.exec(reported(value) ?? '');
  return m ? Number(m[1]) : undefined;
}

function migMode(value: unknown): 'enabled' | 'disabled' | undefined {
  const on = enabled(value);
  return on === undefined ? undefined : on ? 'enabled' : 'disabled';
}

function migDevices(gpu: XmlNode): MigDeviceFacts[] {
  const list = at(gpu, 'mig_devices', 'mig_device');
  if (!Array.isArray(list)) return []; // `<mig_devices>None</mig_devices>`, or no element at all
  return list.map((m: unknown, position) =>
    defined({
      index: leadingInt(at(m, 'index')) ?? position,
      gpuInstanceId: leadingInt(at(m, 'gpu_instance_id')),
      computeInstanceId: leadingInt(at(m, 'compute_instance_id')),
      uuid: reported(at(m, 'uuid')),
      profile: reported(at(m, 'profile')),
      memoryMiB: leadingInt(at(m, 'fb_memory_usage', 'total'), MIB),
      multiprocessorCount: leadingInt(at(m, 'device_attributes', 'shared', 'multiprocessor_count')),
    }),
  );
}

/** Number of `<process_info>` under `<processes>`; undefined when the tool did not list processes (`N/A`). */
function processCount(gpu: XmlNode): number | undefined {
  const processes = gpu.processes;
  if (processes === undefined) return undefined;
  if (typeof processes === 'string') return processes.trim() === '' ? 0 : undefined;
  const list = at(processes, 'process_info');
  return Array.isArray(list) ? list.length : 0;
}

function pcie(gpu: XmlNode): GpuDeviceFacts['pcie'] {
  const link = at(gpu, 'pci', 'pci_gpu_link_info');
  const facts = defined({
    generation: positive(leadingInt(at(link, 'pcie_gen', 'current_link_gen'))),
    width: positive(leadingInt(at(link, 'link_widths', 'current_link_width'), WIDTH)),
    maxGeneration: positive(leadingInt(at(link, 'pcie_gen', 'max_link_gen'))),
    maxWidth: positive(leadingInt(at(link, 'link_widths', 'max_link_width'), WIDTH)),
  });
  return Object.keys(facts).length > 0 ? facts : undefined;
}

function device(
  gpu: XmlNode,
  index: number,
  top: { driverVersion?: string; cudaVersion?: string },
  fromQuery: string | undefined,
): GpuDeviceFacts {
  // The model is kept exactly as reported, "Graphics Device" included (a driver older than the card).
  const model = reported(gpu.product_name) ?? '';
  const fromTable = fromQuery ? undefined : computeCapabilityFromTable(model);
  const mig = migMode(at(gpu, 'mig_mode', 'current_mig'));
  return defined<GpuDeviceFacts>({
    vendor: 'nvidia',
    index,
    model,
    uuid: reported(gpu.uuid),
    serial: reported(gpu.serial),
    pciBusId: reported(at(gpu, 'pci', 'pci_bus_id')),
    memoryMiB: leadingInt(at(gpu, 'fb_memory_usage', 'total'), MIB),
    driverVersion: top.driverVersion,
    cudaVersion: top.cudaVersion,
    computeCapability: fromQuery ?? fromTable,
    computeCapabilitySource: fromQuery ? 'nvidia-smi' : fromTable ? 'table' : undefined,
    architecture: reported(gpu.product_architecture),
    // No <mig_mode> (DTD ≤ v10, or a GPU without MIG) and N/A both mean the GPU cannot do MIG.
    migMode: mig ?? 'unsupported',
    migModePending: mig ? migMode(at(gpu, 'mig_mode', 'pending_mig')) : undefined,
    migDevices: migDevices(gpu),
    eccEnabled: enabled(at(gpu, 'ecc_mode', 'current_ecc')),
    persistenceMode: enabled(gpu.persistence_mode),
    driverModel: reported(at(gpu, 'driver_model', 'current_dm')),
    pcie: pcie(gpu),
    processCount: processCount(gpu),
    powerLimitWatts:
      watts(at(gpu, 'gpu_power_readings', 'current_power_limit')) ??
      watts(at(gpu, 'power_readings', 'enforced_power_limit')) ??
      watts(at(gpu, 'power_readings', 'power_limit')),
  });
}

/**
 * Parses `nvidia-smi -q -x`. `computeCapabilities`, when given, holds the answer of
 * `--query-gpu=compute_cap` per GPU in the same order (undefined where that line was not a version);
 * it is used only when it has exactly one entry per `<gpu>`, the table fills in otherwise.
 * Throws ToolOutputError (one-line message, to follow "nvidia-smi printed …") when `xml` is not
 * nvidia-smi XML.
 */
export function parseNvidiaSmiXml(xml: string, computeCapabilities?: readonly (string | undefined)[]): NvidiaSmiReport {
  const text = xml.trim();
  if (text === '') throw new ToolOutputError('nothing');
  const notOurs = () => new ToolOutputError(`output that is not nvidia-smi XML: ${firstLine(text, 80)}`);
  let doc: unknown;
  try {
    doc = getParser().parse(text);
  } catch {
    throw notOurs();
  }
  const log = node(at(doc, 'nvidia_smi_log'));
  if (!log) throw notOurs();
  // The parser is lenient; output cut short must not pass for a complete list of GPUs.
  if (!text.endsWith('</nvidia_smi_log>')) throw new ToolOutputError('incomplete XML (no closing </nvidia_smi_log>)');

  const top = { driverVersion: reported(log.driver_version), cudaVersion: reported(log.cuda_version) };
  const gpus = Array.isArray(log.gpu) ? (log.gpu as unknown[]) : [];
  const caps = computeCapabilities && computeCapabilities.length === gpus.length ? computeCapabilities : undefined;
  return defined({
    ...top,
    devices: gpus.map((g, i) => device(node(g) ?? {}, i, top, caps?.[i])),
  });
}

/**
 * `nvidia-smi --query-gpu=compute_cap --format=csv,noheader`: one version per GPU and line. A line that
 * is not a version (an old driver's "Field … is not a valid field", `[N/A]`) becomes undefined.
 */
export function parseComputeCapCsv(text: string): (string | undefined)[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => (/^\d+\.\d+$/.test(line) ? line : undefined));
}
