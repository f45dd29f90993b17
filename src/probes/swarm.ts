import type { ProbeContext } from './context.js';
import type { SwarmFacts } from '../facts/cluster-schema.js';

export async function probeSwarm(_ctx: ProbeContext): Promise<SwarmFacts> {
  return { status: 'unknown', reason: 'the Swarm probe is not implemented yet' };
}
