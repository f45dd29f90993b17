/**
 * The network on macOS and Windows, from systeminformation (interfaces, default gateway) and
 * os.networkInterfaces() (addresses). DNS is read from /etc/resolv.conf on macOS; Windows keeps its
 * resolvers in the registry, which is not read.
 */
import os from 'node:os';
import type { Systeminformation } from 'systeminformation';
import type { ProbeContext } from '../context.js';
import type { NetworkFacts, NetworkInterfaceFacts } from '../../facts/schema.js';
import { FsView } from '../linux/files.js';
import { readDns } from './dns.js';
import { readProxy } from './proxy.js';
import { callBudget, loadSi, settle } from './si.js';
import { addressesOf } from '../linux/network.js';

const VPN_NAME = /^(utun|tun|tap|wg|ipsec|ppp|tailscale|zt)/i;

export function mapSiInterface(i: Systeminformation.NetworkInterfacesData, addresses: NodeJS.Dict<os.NetworkInterfaceInfo[]>): NetworkInterfaceFacts {
  const kind: NetworkInterfaceFacts['kind'] = i.internal
    ? 'loopback'
    : /^bridge/i.test(i.iface)
      ? 'bridge'
      : VPN_NAME.test(i.iface)
        ? 'vpn'
        : i.virtual
          ? 'virtual'
          : 'physical';
  const state: NetworkInterfaceFacts['state'] = i.operstate === 'up' ? 'up' : i.operstate === 'down' ? 'down' : 'unknown';
  const mac = kind !== 'loopback' && /^[0-9a-f]{2}([:-][0-9a-f]{2})+$/i.test(i.mac) && /[1-9a-f]/i.test(i.mac) ? i.mac.toLowerCase().replace(/-/g, ':') : undefined;
  return {
    name: i.iface,
    state,
    kind,
    ...(typeof i.mtu === 'number' && i.mtu >= 0 ? { mtu: i.mtu } : {}),
    ...(typeof i.speed === 'number' && i.speed > 0 ? { speedMbps: Math.round(i.speed) } : {}),
    ...(mac ? { mac } : {}),
    addresses: addressesOf(addresses[i.iface]),
  };
}

export async function probePortableNetwork(ctx: ProbeContext): Promise<NetworkFacts> {
  const proxy = readProxy(ctx.env);
  const dnsPromise: Promise<NetworkFacts['dns']> =
    process.platform === 'win32'
      ? Promise.resolve({ status: 'unknown', reason: 'DNS resolvers are not read on Windows' })
      : readDns(new FsView('/')).catch((e: unknown) => ({ status: 'unknown', reason: `cannot read /etc/resolv.conf: ${String(e)}` }));
  let si;
  try {
    si = await loadSi();
  } catch (e) {
    const u = { status: 'unknown' as const, reason: `systeminformation could not be loaded: ${e instanceof Error ? e.message : String(e)}` };
    return { interfaces: u, defaultRoute: u, dns: await dnsPromise, proxy };
  }
  const ms = callBudget(ctx.timeoutMs);
  const [ifaces, gateway, defaultIface, dns] = await Promise.all([
    settle('networkInterfaces', () => si.networkInterfaces() as Promise<Systeminformation.NetworkInterfacesData[]>, ms),
    settle('networkGatewayDefault', () => si.networkGatewayDefault(), ms),
    settle('networkInterfaceDefault', () => si.networkInterfaceDefault(), ms),
    dnsPromise,
  ]);
  let addresses: NodeJS.Dict<os.NetworkInterfaceInfo[]> = {};
  try {
    addresses = os.networkInterfaces();
  } catch {
    /* addresses stay empty */
  }
  const interfaces: NetworkFacts['interfaces'] = ifaces.ok
    ? { status: 'ok', items: (Array.isArray(ifaces.value) ? ifaces.value : [ifaces.value]).map((i) => mapSiInterface(i, addresses)) }
    : { status: 'unknown', reason: ifaces.reason };
  // systeminformation answers "" both when there is no default gateway and when it could not tell.
  const defaultRoute: NetworkFacts['defaultRoute'] =
    gateway.ok && gateway.value
      ? { status: 'ok', present: true, ...(defaultIface.ok && defaultIface.value ? { interface: defaultIface.value } : {}), gateway: gateway.value }
      : { status: 'unknown', reason: gateway.ok ? 'systeminformation reported no default gateway (there is none, or it could not tell)' : gateway.reason };
  return { interfaces, defaultRoute, dns, proxy };
}
