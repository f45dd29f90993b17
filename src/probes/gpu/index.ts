/**
 * The `gpu` section: NVIDIA (nvidia-smi) and AMD (rocm-smi), probed in parallel.
 *
 * Overall status — what `gpu.status` may claim:
 * - `absent`: every tool is either not on PATH or ran fine and listed no GPU.
 * - `present`: at least one GPU was listed AND every tool that exists answered. A tool that exists
 *   but failed (non-zero exit, hang, garbage) may stand for GPUs we cannot see, so "present" with the
 *   devices of the other vendor alone would state a partial list as if it were complete.
 * - `unknown` (with `reason` naming the failing tool) whenever a tool that exists failed. Devices the
 *   working tool listed are still in `devices`, and `tools.<vendor>` says which tool answered; `count`
 *   is left out, because the number of GPUs is not known.
 *
 * Never throws: an internal error in one vendor's half makes that tool `unknown`.
 */
import type { ProbeContext } from '../context.js';
import { errorMessage } from '../context.js';
import type { GpuFacts, GpuToolFacts } from '../../facts/schema.js';
import type { VendorResult } from './common.js';
import { NVIDIA_SMI, probeNvidia } from './nvidia.js';
import { probeAmd, ROCM_SMI } from './amd.js';

export async function probeGpu(ctx: ProbeContext): Promise<GpuFacts> {
  const [nvidia, amd] = await Promise.all([
    guard(NVIDIA_SMI, () => probeNvidia(ctx)),
    guard(ROCM_SMI, () => probeAmd(ctx)),
  ]);
  return combineGpu(nvidia, amd);
}

async function guard(tool: string, run: () => Promise<VendorResult>): Promise<VendorResult> {
  try {
    return await run();
  } catch (e) {
    return { tool: { status: 'unknown', reason: `internal error reading ${tool}: ${errorMessage(e)}` }, devices: [] };
  }
}

/** Combines the two vendors' results into the `gpu` section (see the policy above). */
export function combineGpu(nvidia: VendorResult, amd: VendorResult): GpuFacts {
  const tools = { nvidia: nvidia.tool, amd: amd.tool };
  const devices = [...nvidia.devices, ...amd.devices];
  const named: [string, GpuToolFacts][] = [
    [NVIDIA_SMI, nvidia.tool],
    [ROCM_SMI, amd.tool],
  ];
  const failed = named.filter(([, t]) => t.status === 'unknown');
  if (failed.length > 0) {
    return { status: 'unknown', reason: failed.map(([name, t]) => t.reason ?? `${name} failed`).join('; '), devices, tools };
  }
  if (devices.length > 0) return { status: 'present', count: devices.length, devices, tools };
  const why = named.map(([name, t]) => (t.status === 'absent' ? `${name} not found on PATH` : `${name} listed no GPUs`));
  return { status: 'absent', reason: why.join('; '), count: 0, devices, tools };
}
