import type { ProbeContext } from './context.js';
import type { StoragePathFacts } from '../facts/schema.js';
export async function probeStoragePath(_ctx: ProbeContext, _p: string): Promise<StoragePathFacts> { return { status: 'unknown', reason: 'storage probe not implemented yet' }; }
