/**
 * AMD GPUs through rocm-smi's JSON output.
 *
 * Only the options whose values the facts use are asked for (telegraf's amd_rocm_smi input asks for
 * some thirty more, topology included, which makes rocm-smi much slower). Three key generations occur
 * (test/fixtures/corpus/rocm-smi): `GPU ID` (old) vs `Device ID`; `Card series`/`Card model` vs
 * `Card Series`/`Card Model` (ROCm 6.1+), plus `Device Name`.
 *
 * rocm-smi does not signal every failure with its exit code: without the amdgpu driver it prints
 * "Driver not initialized (amdgpu not found in modules)" on stderr, nothing on stdout, and exits 0.
 * Output that is not rocm-smi JSON is therefore a failure whatever the exit code.
 */
import { findOnPath, firstLine, runTool } from '../../util/exec.js';
import type { GpuDeviceFacts, GpuToolFacts } from '../../facts/schema.js';
import type { ProbeContext } from '../context.js';
import { defined, failedRunReason, reported, ToolOutputError, toolDeadlineMs, type VendorResult } from './common.js';

export const ROCM_SMI = 'rocm-smi';

export const ROCM_SMI_ARGS = [
  '--showproductname',
  '--showmeminfo',
  'vram',
  '--showdriverversion',
  '--showuniqueid',
  '--showserial',
  '--showbus',
  '--json',
];

export async function probeAmd(ctx: ProbeContext): Promise<VendorResult> {
  const path = findOnPath(ROCM_SMI, ctx.env);
  if (!path) return { tool: { status: 'absent', reason: `${ROCM_SMI} not found on PATH` }, devices: [] };
  const run = await runTool(path, ROCM_SMI_ARGS, { timeoutMs: toolDeadlineMs(ctx), env: ctx.env });
  const unknown = (reason: string): VendorResult => ({ tool: { status: 'unknown', reason, path }, devices: [] });
  const failed = failedRunReason(ROCM_SMI, ctx, run);
  if (failed !== undefined || run.kind !== 'ok') return unknown(failed ?? `${ROCM_SMI} failed`);
  try {
    const report = parseRocmSmiJson(run.stdout);
    const tool: GpuToolFacts = { status: 'ok', path, driverVersion: report.driverVersion };
    return { tool: defined(tool), devices: report.devices };
  } catch (e) {
    if (!(e instanceof ToolOutputError)) throw e;
    const said = firstLine(run.stderr);
    return unknown(`${ROCM_SMI} printed ${e.message}${said ? ` (stderr: ${said})` : ''}`);
  }
}

export interface RocmSmiReport {
  driverVersion?: string;
  devices: GpuDeviceFacts[];
}

type Entry = Record<string, unknown>;

const isEntry = (v: unknown): v is Entry => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Product-name keys, best first. `Card model` is a PCI id ("0x0c34") in most versions: hex is skipped. */
const MODEL_KEYS = ['Card Series', 'Card series', 'Device Name', 'Card Model', 'Card model'];

function model(card: Entry): string {
  for (const key of MODEL_KEYS) {
    const value = reported(card[key]);
    if (value !== undefined && !/^0x[0-9a-f]+$/i.test(value)) return value;
  }
  return '';
}

function mebibytes(value: unknown): number | undefined {
  const text = reported(value);
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Math.floor(Number(text) / (1024 * 1024));
}

/** Reads JSON that may follow warning lines (some rocm-smi versions print them on stdout). */
function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const start = text.search(/^\{/m);
    if (start > 0) {
      try {
        return JSON.parse(text.slice(start));
      } catch {
        /* fall through */
      }
    }
    throw new ToolOutputError(`output that is not rocm-smi JSON: ${firstLine(text, 80)}`);
  }
}

/** Parses `rocm-smi … --json`; throws ToolOutputError (to follow "rocm-smi printed …") when it is not that. */
export function parseRocmSmiJson(output: string): RocmSmiReport {
  const text = output.trim(); // the RX 6700 XT sample starts with a blank line
  if (text === '') throw new ToolOutputError('nothing');
  const data = readJson(text);
  if (!isEntry(data)) throw new ToolOutputError(`output that is not rocm-smi JSON: ${firstLine(text, 80)}`);
  const driverVersion = isEntry(data.system) ? reported(data.system['Driver version']) : undefined;
  const cards = Object.keys(data)
    .map((key) => ({ key, n: /^card(\d+)$/.exec(key) }))
    .filter((c): c is { key: string; n: RegExpExecArray } => c.n !== null && isEntry(data[c.key]))
    .sort((a, b) => Number(a.n[1]) - Number(b.n[1]));
  const devices = cards.map(({ key, n }) => {
    const card = data[key] as Entry;
    return defined<GpuDeviceFacts>({
      vendor: 'amd',
      index: Number(n[1]),
      model: model(card),
      uuid: reported(card['Unique ID']),
      serial: reported(card['Serial Number']),
      pciBusId: reported(card['PCI Bus']),
      memoryMiB: mebibytes(card['VRAM Total Memory (B)']),
      driverVersion,
      architecture: reported(card['GFX Version']),
      migMode: 'unsupported',
      migDevices: [],
    });
  });
  return defined({ driverVersion, devices });
}
