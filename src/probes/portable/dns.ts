/** DNS resolvers from /etc/resolv.conf (Linux, macOS), with systemd-resolved's stub seen through. */
import type { NetworkFacts } from '../../facts/schema.js';
import type { FsView } from '../linux/files.js';

export interface ResolvConf {
  nameservers: string[];
  /** Search domains: the last `search` or `domain` line wins, as in the resolver. */
  search: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const nameservers: string[] = [];
  let search: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [keyword, ...args] = line.split(/\s+/);
    if (keyword === 'nameserver' && args[0]) nameservers.push(args[0]);
    else if (keyword === 'search') search = args.filter(Boolean);
    else if (keyword === 'domain' && args[0]) search = [args[0]];
  }
  return { nameservers, search };
}

/** systemd-resolved's stub listeners (127.0.0.54 is its proxy-only listener). */
const RESOLVED_STUBS = new Set(['127.0.0.53', '127.0.0.54']);
const RESOLVED_UPSTREAM = '/run/systemd/resolve/resolv.conf';

export async function readDns(view: FsView): Promise<NetworkFacts['dns']> {
  const file = '/etc/resolv.conf';
  const text = await view.text(file);
  if (!text.ok) return { status: 'unknown', reason: text.reason };
  const conf = parseResolvConf(text.value);
  const out: Extract<NetworkFacts['dns'], { status: 'ok' }> = { status: 'ok', source: file, resolvers: conf.nameservers, search: conf.search };
  if (conf.nameservers.length > 0 && conf.nameservers.every((n) => RESOLVED_STUBS.has(n))) {
    out.stub = 'systemd-resolved';
    const upstream = await view.text(RESOLVED_UPSTREAM);
    if (upstream.ok) out.upstream = parseResolvConf(upstream.value).nameservers;
  }
  return out;
}
