import type { ProbeContext } from '../context.js';
import type { DockerFacts } from '../../facts/schema.js';
export async function probeDocker(_ctx: ProbeContext): Promise<DockerFacts> { return { status: 'unknown', reason: 'docker probe not implemented yet' }; }
