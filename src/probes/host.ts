import type { ProbeContext } from './context.js';
import type { HostFacts } from '../facts/schema.js';
import { unknownHost } from '../facts/collect.js';
export async function probeHost(_ctx: ProbeContext): Promise<HostFacts> { return unknownHost('host probe not implemented yet'); }
