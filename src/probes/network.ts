/**
 * The network of the local host: interfaces, default route, DNS resolvers and proxy variables.
 *
 * Linux reads /sys and /proc (src/probes/linux/network.ts); other platforms use systeminformation
 * (src/probes/portable/network.ts). Proxy credentials are masked before they reach the facts, and
 * no other environment value is read into them. Never throws.
 */
import type { ProbeContext } from './context.js';
import { errorMessage } from './context.js';
import type { NetworkFacts } from '../facts/schema.js';
import { probeLinuxNetwork, type NetworkOptions } from './linux/network.js';
import { readProxy } from './portable/proxy.js';

export type { NetworkOptions };

export async function probeNetwork(ctx: ProbeContext, options: NetworkOptions = {}): Promise<NetworkFacts> {
  try {
    if (process.platform === 'linux') return await probeLinuxNetwork(ctx, options);
    const { probePortableNetwork } = await import('./portable/network.js');
    return await probePortableNetwork(ctx);
  } catch (e) {
    const reason = `internal error in the network probe: ${errorMessage(e)}`;
    let proxy: NetworkFacts['proxy'] = { noProxy: [], conflicts: [] };
    try {
      proxy = readProxy(ctx.env);
    } catch {
      /* keep the empty proxy section */
    }
    const u = { status: 'unknown' as const, reason };
    return { interfaces: u, defaultRoute: u, dns: u, proxy };
  }
}
