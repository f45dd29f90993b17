/**
 * The host probe: OS, CPU, memory, /dev/shm, ulimits, virtualization, NUMA, clock, cgroups, user.
 *
 * On Linux the kernel's files are read directly (src/probes/linux/host.ts, no subprocess, a few ms);
 * elsewhere systeminformation is loaded on demand and what it cannot tell is unknown with a reason
 * (src/probes/portable/host.ts). Never throws: a failure is an unknown section.
 */
import type { ProbeContext } from './context.js';
import { errorMessage } from './context.js';
import { unknownHost } from '../facts/collect.js';
import type { HostFacts } from '../facts/schema.js';
import { probeLinuxHost } from './linux/host.js';

export async function probeHost(ctx: ProbeContext): Promise<HostFacts> {
  try {
    if (process.platform === 'linux') return await probeLinuxHost(ctx);
    const { probePortableHost } = await import('./portable/host.js');
    return await probePortableHost(ctx);
  } catch (e) {
    return unknownHost(`internal error in the host probe: ${errorMessage(e)}`);
  }
}
