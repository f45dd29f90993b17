/**
 * NVIDIA GPUs through nvidia-smi: `nvidia-smi -q -x` for the devices and, at the same time,
 * `nvidia-smi --query-gpu=compute_cap --format=csv,noheader` for the compute capability, which the XML
 * does not carry. Drivers older than 510 reject that field; then (and whenever its answer does not have
 * one line per GPU) the model table in data/ answers, and the device says which source was used.
 * The second query can only add compute capabilities: its failure never makes the GPU section unknown.
 */
import { findOnPath, firstLine, runTool, type ToolResult } from '../../util/exec.js';
import type { ProbeContext } from '../context.js';
import type { GpuToolFacts } from '../../facts/schema.js';
import { defined, failedRunReason, ToolOutputError, toolDeadlineMs, type VendorResult } from './common.js';

export const NVIDIA_SMI = 'nvidia-smi';

/** nvidia-smi's exit code for NVML_ERROR_NOT_FOUND: the driver works but there is no GPU ("No devices were found"). */
const EXIT_NO_DEVICES = 6;

export async function probeNvidia(ctx: ProbeContext): Promise<VendorResult> {
  const path = findOnPath(NVIDIA_SMI, ctx.env);
  if (!path) return { tool: { status: 'absent', reason: `${NVIDIA_SMI} not found on PATH` }, devices: [] };
  const options = { timeoutMs: toolDeadlineMs(ctx), env: ctx.env };
  // Both queries run concurrently, and the XML parser loads while they run.
  const [xml, cap, parsers] = await Promise.all([
    runTool(path, ['-q', '-x'], options),
    runTool(path, ['--query-gpu=compute_cap', '--format=csv,noheader'], { ...options, maxBytes: 64 * 1024 }),
    import('./nvidia-xml.js'),
  ]);
  return nvidiaResult(path, ctx, xml, cap, parsers);
}

/** Turns the two runs into the vendor result (exported for tests). */
export function nvidiaResult(
  path: string,
  ctx: ProbeContext,
  xml: ToolResult,
  cap: ToolResult,
  parsers: typeof import('./nvidia-xml.js'),
): VendorResult {
  const unknown = (reason: string): VendorResult => ({ tool: { status: 'unknown', reason, path }, devices: [] });

  if (xml.kind === 'ok' && xml.code === EXIT_NO_DEVICES && /no devices were found/i.test(`${xml.stdout}\n${xml.stderr}`)) {
    return { tool: { status: 'ok', path }, devices: [] };
  }
  const failed = failedRunReason(NVIDIA_SMI, ctx, xml);
  if (failed !== undefined || xml.kind !== 'ok') return unknown(failed ?? `${NVIDIA_SMI} failed`);

  const caps = cap.kind === 'ok' && cap.code === 0 ? parsers.parseComputeCapCsv(cap.stdout) : undefined;
  try {
    const report = parsers.parseNvidiaSmiXml(xml.stdout, caps);
    const tool: GpuToolFacts = { status: 'ok', path, driverVersion: report.driverVersion, cudaVersion: report.cudaVersion };
    return { tool: defined(tool), devices: report.devices };
  } catch (e) {
    if (!(e instanceof ToolOutputError)) throw e;
    const said = firstLine(xml.stderr);
    return unknown(`${NVIDIA_SMI} printed ${e.message}${said ? ` (stderr: ${said})` : ''}`);
  }
}
