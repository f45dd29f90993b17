/**
 * The network on Linux: interfaces from /sys/class/net (addresses from os.networkInterfaces()), the
 * default route from /proc/net/route and /proc/net/ipv6_route, DNS from /etc/resolv.conf, proxies
 * from the environment.
 */
import os from 'node:os';
import type { ProbeContext } from '../context.js';
import type { NetworkFacts, NetworkInterfaceFacts } from '../../facts/schema.js';
import { FsView, type Read } from './files.js';
import { readDns } from '../portable/dns.js';
import { readProxy } from '../portable/proxy.js';

type Unknown = { status: 'unknown'; reason: string };
type NetInfo = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

export interface NetworkOptions {
  /** Addresses by interface (os.networkInterfaces by default, for the real root only). */
  networkInterfaces?: () => NetInfo;
}

const ARPHRD_LOOPBACK = 772;
const ARPHRD_NONE = 65534; // tun, wireguard
const VPN_NAME = /^(wg|tun|tap|tailscale|zt|utun|ipsec|nordlynx)/;

/** Prefix length of a dotted or colon-hex netmask. */
export function prefixFromNetmask(mask: string): number | undefined {
  let bits = 0;
  if (mask.includes('.')) {
    for (const part of mask.split('.')) bits += Number(part).toString(2).replace(/0/g, '').length;
    return bits;
  }
  const groups = mask.split('::');
  for (const g of groups.join(':').split(':')) if (g) bits += parseInt(g, 16).toString(2).replace(/0/g, '').length;
  return Number.isFinite(bits) ? bits : undefined;
}

export function addressesOf(infos: os.NetworkInterfaceInfo[] | undefined): NetworkInterfaceFacts['addresses'] {
  const out: NetworkInterfaceFacts['addresses'] = [];
  for (const info of infos ?? []) {
    const family = String(info.family) === 'IPv4' || String(info.family) === '4' ? 'ipv4' : 'ipv6';
    const fromCidr = info.cidr ? Number(info.cidr.split('/')[1]) : NaN;
    const prefixLength = Number.isInteger(fromCidr) ? fromCidr : prefixFromNetmask(info.netmask);
    if (prefixLength === undefined || prefixLength < 0 || prefixLength > 128) continue;
    out.push({ family, address: info.address, prefixLength });
  }
  return out;
}

function kindOf(name: string, type: number | undefined, isBridge: boolean, hasDevice: boolean): NetworkInterfaceFacts['kind'] {
  if (type === ARPHRD_LOOPBACK || name === 'lo') return 'loopback';
  if (isBridge) return 'bridge';
  if (VPN_NAME.test(name) || type === ARPHRD_NONE) return 'vpn';
  if (hasDevice) return 'physical';
  return 'virtual';
}

function stateOf(operstate: Read<string>): NetworkInterfaceFacts['state'] {
  if (!operstate.ok) return 'unknown';
  if (operstate.value === 'up') return 'up';
  if (operstate.value === 'down' || operstate.value === 'lowerlayerdown' || operstate.value === 'notpresent') return 'down';
  return 'unknown';
}

async function readInterface(view: FsView, name: string, addresses: NetInfo): Promise<NetworkInterfaceFacts> {
  const dir = `/sys/class/net/${name}`;
  const [operstate, mtu, speed, address, type, hasDevice, isBridge] = await Promise.all([
    view.value(`${dir}/operstate`),
    view.value(`${dir}/mtu`),
    view.value(`${dir}/speed`), // EINVAL while the link is down
    view.value(`${dir}/address`),
    view.value(`${dir}/type`),
    view.exists(`${dir}/device`),
    view.exists(`${dir}/bridge`),
  ]);
  const int = (r: Read<string>) => (r.ok && /^-?\d+$/.test(r.value) ? Number(r.value) : undefined);
  const typeNo = int(type);
  const kind = kindOf(name, typeNo, isBridge, hasDevice);
  const mtuNo = int(mtu);
  const speedNo = int(speed);
  const mac =
    kind !== 'loopback' && address.ok && /^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(address.value) && /[1-9a-f]/i.test(address.value)
      ? address.value.toLowerCase()
      : undefined;
  return {
    name,
    state: stateOf(operstate),
    kind,
    ...(mtuNo !== undefined && mtuNo >= 0 ? { mtu: mtuNo } : {}),
    ...(speedNo !== undefined && speedNo > 0 ? { speedMbps: speedNo } : {}),
    ...(mac ? { mac } : {}),
    addresses: addressesOf(addresses[name]),
  };
}

async function readInterfaces(view: FsView, addresses: NetInfo): Promise<NetworkFacts['interfaces']> {
  const names = await view.list('/sys/class/net');
  if (!names.ok) return { status: 'unknown', reason: names.reason };
  const items = await Promise.all(names.value.filter((n) => !n.startsWith('.') && n !== 'bonding_masters').sort().map((n) => readInterface(view, n, addresses)));
  return { status: 'ok', items };
}

// ---------------------------------------------------------------- routes

/** An IPv4 address from /proc/net/route's hex, which the kernel prints in host byte order. */
export function ipv4FromRouteHex(hex: string, endianness: 'LE' | 'BE' = os.endianness()): string | undefined {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return undefined;
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return (endianness === 'LE' ? bytes.reverse() : bytes).join('.');
}

/** An IPv6 address from 32 hex digits, in its canonical text form (RFC 5952). */
export function ipv6FromHex(hex: string): string | undefined {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 4, i * 4 + 4), 16));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLen).join(':')}`;
}

const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;
const RTF_REJECT = 0x200;

interface DefaultRoute {
  iface: string;
  gateway?: string;
  metric: number;
}

export function defaultRouteV4(text: string, endianness?: 'LE' | 'BE'): DefaultRoute | undefined {
  let best: DefaultRoute | undefined;
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, dest, gw, flagsHex, , , metric, mask] = f as [string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    if (dest !== '00000000' || mask !== '00000000' || !(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const route: DefaultRoute = { iface, metric: Number(metric) };
    const gateway = flags & RTF_GATEWAY ? ipv4FromRouteHex(gw, endianness) : undefined;
    if (gateway && gateway !== '0.0.0.0') route.gateway = gateway;
    if (!best || route.metric < best.metric) best = route;
  }
  return best;
}

export function defaultRouteV6(text: string): DefaultRoute | undefined {
  let best: DefaultRoute | undefined;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dest, destLen, , , nextHop, metricHex, , , flagsHex, iface] = f as string[];
    const flags = parseInt(flagsHex!, 16);
    if (!/^0{32}$/.test(dest!) || destLen !== '00' || !(flags & RTF_UP) || flags & RTF_REJECT || iface === 'lo') continue;
    const route: DefaultRoute = { iface: iface!, metric: parseInt(metricHex!, 16) };
    const gateway = flags & RTF_GATEWAY ? ipv6FromHex(nextHop!) : undefined;
    if (gateway && gateway !== '::') route.gateway = gateway;
    if (!best || route.metric < best.metric) best = route;
  }
  return best;
}

async function readDefaultRoute(view: FsView): Promise<NetworkFacts['defaultRoute']> {
  const [v4, v6] = await Promise.all([view.text('/proc/net/route'), view.text('/proc/net/ipv6_route')]);
  const route = (v4.ok ? defaultRouteV4(v4.value) : undefined) ?? (v6.ok ? defaultRouteV6(v6.value) : undefined);
  if (route) return { status: 'ok', present: true, interface: route.iface, ...(route.gateway ? { gateway: route.gateway } : {}) };
  if (!v4.ok) return { status: 'unknown', reason: v4.reason };
  // No IPv4 default route, and none in the IPv6 table (absent when IPv6 is off).
  return { status: 'ok', present: false };
}

async function guard<T>(what: string, read: () => Promise<T>): Promise<T | Unknown> {
  try {
    return await read();
  } catch (e) {
    return { status: 'unknown', reason: `internal error reading ${what}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function probeLinuxNetwork(ctx: ProbeContext, options: NetworkOptions = {}): Promise<NetworkFacts> {
  const view = new FsView(ctx.fsRoot);
  let addresses: NetInfo = {};
  try {
    addresses = (options.networkInterfaces ?? (view.isHostRoot ? os.networkInterfaces : () => ({})))();
  } catch {
    addresses = {};
  }
  const [interfaces, defaultRoute, dns] = await Promise.all([
    guard('network interfaces', () => readInterfaces(view, addresses)),
    guard('the default route', () => readDefaultRoute(view)),
    guard('DNS', () => readDns(view)),
  ]);
  return { interfaces, defaultRoute, dns, proxy: readProxy(ctx.env) };
}
