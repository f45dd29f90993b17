import type { ProbeContext } from './context.js';
import type { NetworkFacts } from '../facts/schema.js';
import { unknownNetwork } from '../facts/collect.js';
export async function probeNetwork(_ctx: ProbeContext): Promise<NetworkFacts> { return unknownNetwork('network probe not implemented yet'); }
