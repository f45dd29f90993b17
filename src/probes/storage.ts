/**
 * One filesystem path: size, free space, inodes, the mount it is on and the kind of device behind it.
 *
 * Linux reads statfs and the kernel's mount table (src/probes/linux/storage.ts); other platforms use
 * statfs plus systeminformation's mount list (src/probes/portable/storage.ts). Never throws: a path that
 * does not exist or cannot be read is unknown with a reason.
 */
import type { ProbeContext } from './context.js';
import { errorMessage } from './context.js';
import type { StoragePathFacts } from '../facts/schema.js';
import { probeLinuxStoragePath } from './linux/storage.js';

export async function probeStoragePath(ctx: ProbeContext, p: string): Promise<StoragePathFacts> {
  try {
    if (process.platform === 'linux') return await probeLinuxStoragePath(ctx, p);
    const { probePortableStoragePath } = await import('./portable/storage.js');
    return await probePortableStoragePath(ctx, p);
  } catch (e) {
    return { status: 'unknown', reason: `internal error in the storage probe for ${p}: ${errorMessage(e)}` };
  }
}
