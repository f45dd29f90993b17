import type { ProbeContext } from '../context.js';
import type { GpuFacts } from '../../facts/schema.js';
import { unknownGpu } from '../../facts/collect.js';
export async function probeGpu(_ctx: ProbeContext): Promise<GpuFacts> { return unknownGpu('gpu probe not implemented yet'); }
