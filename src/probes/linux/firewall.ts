/**
 * The host firewall on Linux (`host.firewall`): is a packet filter guarding the input path, what manages
 * it (ufw, firewalld, nftables, iptables) and what happens to a packet no rule accepts.
 *
 * What is read, cheapest and most telling first:
 * 1. the firewall managers' own configuration, readable without root: ufw (`/etc/ufw/ufw.conf`
 *    ENABLED=yes, `/etc/default/ufw` DEFAULT_INPUT_POLICY, `/etc/ufw/after.rules` for a DOCKER-USER
 *    filter), firewalld (`/etc/firewalld/firewalld.conf` DefaultZone and the zone's target), whether
 *    their systemd units are enabled (the `*.target.wants` links);
 * 2. as root on the host itself (never for a fixture root), the loaded rule set: `nft -j list ruleset`,
 *    else `iptables -S INPUT`, with a short deadline;
 * 3. without root, the rule sets nftables.service (`/etc/nftables.conf`) and iptables-persistent
 *    (`/etc/iptables/rules.v4`, `/etc/sysconfig/iptables`) load at boot, when their units are enabled.
 *
 * When none of these tells (no manager enabled, not root), the section is unknown with that reason: rules
 * loaded by other means cannot be seen without root, and "no firewall" is not guessed. Inside a container
 * the host's rules are not visible at all.
 *
 * `evidence` lists what was read, for people. With ufw enabled, `publishedPorts.filtered` tells whether
 * after.rules filter Docker's published ports (ufw-docker), which ufw alone does not do; unknown when
 * after.rules cannot be read (it is root-only on Ubuntu).
 */
import type { HostFacts } from '../../facts/schema.js';
import { describeMs, firstLine, runTool, type ToolResult } from '../../util/exec.js';
import type { ProbeContext } from '../context.js';
import type { FsView } from './files.js';

type Firewall = NonNullable<HostFacts['firewall']>;
type Policy = 'accept' | 'drop' | 'reject';

const unknown = (reason: string): Firewall => ({ status: 'unknown', reason });

/** systemd targets whose `.wants` directories enable the firewall units. */
const WANTS = ['multi-user', 'sysinit', 'basic', 'network-pre', 'network'];

// ---------------------------------------------------------------- parsers (pure, exported for tests)

/** `KEY=value` lines of a shell-style config file (quotes removed, comments skipped). */
export function parseKeyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, m[2]!.replace(/\s+#.*$/, '').replace(/^(["'])(.*)\1$/, '$2').trim());
  }
  return out;
}

/** ufw's DEFAULT_INPUT_POLICY (DROP, REJECT, ACCEPT) as a policy. */
export function policyWord(value: string | undefined): Policy | undefined {
  const v = value?.trim().toLowerCase();
  return v === 'accept' || v === 'drop' || v === 'reject' ? v : undefined;
}

export interface RuleSetSummary {
  /** Chains on the input hook (nftables) or the INPUT chain of the filter table (iptables). */
  inputChains: number;
  /** Rules in those chains. */
  inputRules: number;
  /** The effective policy for a packet no rule accepts, where it can be told. */
  policy?: Policy;
  /** Tables seen ("inet filter", "ip nat"…). */
  tables: string[];
}

/**
 * An nftables configuration file (`/etc/nftables.conf`): input-hook chains, their policies and rule
 * counts. A small brace-aware reader, not a full nft parser: `include` files and variables are not
 * followed. Good for what distributions ship and what administrators write by hand.
 */
export function parseNftablesConf(text: string): RuleSetSummary {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/#.*$/, '').trim());
  const out: RuleSetSummary = { inputChains: 0, inputRules: 0, tables: [] };
  const policies: Policy[] = [];
  let depth = 0;
  let chain: { input: boolean; rules: number; policy?: Policy; lastVerdict?: Policy } | undefined;
  let chainDepth = -1;
  for (const line of lines) {
    if (!line) continue;
    const table = /^table\s+(\w+\s+)?([\w-]+)\s*\{/.exec(line);
    if (table && depth === 0) out.tables.push(`${(table[1] ?? 'ip ').trim()} ${table[2]}`);
    const chainStart = /^chain\s+[\w-]+\s*\{(.*)$/.exec(line);
    if (chainStart && !chain) {
      chain = { input: false, rules: 0 };
      chainDepth = depth;
    }
    if (chain && !chainStart) {
      // Statements inside the chain: `type … hook input …; policy drop;` or rules.
      for (const stmt of line.replace(/[{}]/g, ' ').split(';').map((s) => s.trim()).filter(Boolean)) {
        if (/^type\s+filter\s+hook\s+input\b/.test(stmt)) chain.input = true;
        else if (/^policy\s+/.test(stmt)) chain.policy = policyWord(stmt.split(/\s+/)[1]);
        else if (!/^(type|comment|counter$)/.test(stmt)) {
          chain.rules++;
          chain.lastVerdict = /^(drop|reject)\b/.test(stmt) ? (stmt.split(/\s+/)[0] as Policy) : undefined;
        }
      }
    } else if (chain && chainStart?.[1]) {
      for (const stmt of chainStart[1].split(';').map((s) => s.trim()).filter(Boolean)) {
        if (/^type\s+filter\s+hook\s+input\b/.test(stmt)) chain.input = true;
        else if (/^policy\s+/.test(stmt)) chain.policy = policyWord(stmt.split(/\s+/)[1]);
      }
    }
    depth += (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);
    if (chain && depth <= chainDepth) {
      if (chain.input) {
        out.inputChains++;
        out.inputRules += chain.rules;
        policies.push(chain.policy === 'drop' || chain.policy === 'reject' ? chain.policy : (chain.lastVerdict ?? 'accept'));
      }
      chain = undefined;
    }
  }
  out.policy = combine(policies);
  return out;
}

/** The strictest of the input chains' effective policies (a packet must pass every input hook). */
function combine(policies: Policy[]): Policy | undefined {
  if (!policies.length) return undefined;
  if (policies.includes('drop')) return 'drop';
  if (policies.includes('reject')) return 'reject';
  return 'accept';
}

/**
 * iptables rules in `iptables-save` form (`*filter`, `:INPUT DROP [0:0]`, `-A INPUT …`), as in
 * /etc/iptables/rules.v4 and /etc/sysconfig/iptables, or in `iptables -S` form (`-P INPUT DROP`).
 */
export function parseIptables(text: string): RuleSetSummary {
  const out: RuleSetSummary = { inputChains: 0, inputRules: 0, tables: [] };
  let table = 'filter';
  let policy: Policy | undefined;
  let lastVerdict: Policy | undefined;
  let sawInput = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      out.tables.push(`ip ${table}`);
      continue;
    }
    if (table !== 'filter') continue;
    const declared = /^:INPUT\s+(\S+)/.exec(line) ?? /^-P\s+INPUT\s+(\S+)/.exec(line);
    if (declared) {
      sawInput = true;
      policy = policyWord(declared[1]);
      continue;
    }
    if (/^-A\s+INPUT\b/.test(line)) {
      sawInput = true;
      out.inputRules++;
      const verdict = /\s-j\s+(DROP|REJECT)\b/.exec(line);
      // Only an unconditional last rule is a catch-all (`-A INPUT -j REJECT …`).
      lastVerdict = verdict && /^-A\s+INPUT\s+-j\s/.test(line) ? (verdict[1]!.toLowerCase() as Policy) : undefined;
    }
  }
  if (!out.tables.length && sawInput) out.tables.push('ip filter');
  if (sawInput) {
    out.inputChains = 1;
    out.policy = policy === 'drop' || policy === 'reject' ? policy : (lastVerdict ?? policy ?? 'accept');
  }
  return out;
}

interface NftItem {
  table?: { family: string; name: string };
  chain?: { family: string; table: string; name: string; hook?: string; type?: string; policy?: string };
  rule?: { family: string; table: string; chain: string; expr?: Record<string, unknown>[] };
}

/** `nft -j list ruleset` (libnftables JSON). */
export function parseNftJson(text: string): RuleSetSummary {
  const doc = JSON.parse(text) as { nftables?: NftItem[] };
  const items = Array.isArray(doc.nftables) ? doc.nftables : [];
  const out: RuleSetSummary = { inputChains: 0, inputRules: 0, tables: [] };
  const key = (family: string, table: string, chain: string) => `${family}\u0000${table}\u0000${chain}`;
  const inputs = new Map<string, { policy?: Policy; rules: number; lastVerdict?: Policy }>();
  for (const item of items) {
    if (item.table) out.tables.push(`${item.table.family} ${item.table.name}`);
    const c = item.chain;
    if (c && c.hook === 'input' && (c.type ?? 'filter') === 'filter') {
      inputs.set(key(c.family, c.table, c.name), { ...(policyWord(c.policy) ? { policy: policyWord(c.policy)! } : {}), rules: 0 });
    }
  }
  for (const item of items) {
    const r = item.rule;
    if (!r) continue;
    const chain = inputs.get(key(r.family, r.table, r.chain));
    if (!chain) continue;
    chain.rules++;
    const expr = r.expr ?? [];
    const unconditional = expr.every((e) => 'counter' in e || 'drop' in e || 'reject' in e || 'log' in e);
    chain.lastVerdict = unconditional ? (expr.some((e) => 'drop' in e) ? 'drop' : expr.some((e) => 'reject' in e) ? 'reject' : undefined) : undefined;
  }
  out.inputChains = inputs.size;
  const policies: Policy[] = [];
  for (const c of inputs.values()) {
    out.inputRules += c.rules;
    policies.push(c.policy === 'drop' || c.policy === 'reject' ? c.policy : (c.lastVerdict ?? 'accept'));
  }
  // No chain on the input hook: nothing filters input, packets are accepted.
  out.policy = combine(policies) ?? 'accept';
  return out;
}

/** A firewalld zone file's target (`<zone target="DROP">`); absent or "default" means reject. */
export async function firewalldZoneTarget(xml: string): Promise<Policy | undefined> {
  const { XMLParser } = await import('fast-xml-parser');
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as { zone?: { target?: string } | string };
  const zone = typeof doc.zone === 'object' ? doc.zone : undefined;
  if (doc.zone === undefined) return undefined;
  const target = zone?.target?.trim().toUpperCase();
  if (!target || target === 'DEFAULT' || target === '%%REJECT%%' || target === 'REJECT') return 'reject';
  if (target === 'DROP') return 'drop';
  if (target === 'ACCEPT') return 'accept';
  return undefined;
}

// ---------------------------------------------------------------- reading

async function enabledUnit(view: FsView, unit: string): Promise<string | undefined> {
  for (const target of WANTS) {
    // An enabled unit is a symbolic link there (its target is not followed: a fixture root has none).
    const link = `/etc/systemd/system/${target}.target.wants/${unit}`;
    if ((await view.link(link)).ok) return link;
  }
  return undefined;
}

export interface Found {
  backends: string[];
  evidence: string[];
  active?: boolean;
  policy?: Policy;
  publishedPorts?: { status: 'ok'; filtered: boolean } | { status: 'unknown'; reason: string };
}

async function readUfw(view: FsView, found: Found): Promise<'enabled' | 'disabled' | 'absent'> {
  const conf = await view.text('/etc/ufw/ufw.conf');
  if (!conf.ok) return 'absent';
  const enabled = parseKeyValues(conf.value).get('ENABLED')?.toLowerCase() === 'yes';
  if (!enabled) {
    found.evidence.push('/etc/ufw/ufw.conf: ENABLED=no');
    return 'disabled';
  }
  found.backends.push('ufw');
  found.active = true;
  found.evidence.push('/etc/ufw/ufw.conf: ENABLED=yes');
  const defaults = await view.text('/etc/default/ufw');
  if (defaults.ok) {
    const value = parseKeyValues(defaults.value).get('DEFAULT_INPUT_POLICY');
    const policy = policyWord(value);
    if (policy) {
      found.policy = policy;
      found.evidence.push(`/etc/default/ufw: DEFAULT_INPUT_POLICY=${value}`);
    }
  } else {
    found.evidence.push(defaults.reason);
  }
  const after = await view.text('/etc/ufw/after.rules');
  if (after.ok) {
    const filtered = /^\s*-A\s+DOCKER-USER\b/m.test(after.value);
    found.publishedPorts = { status: 'ok', filtered };
    found.evidence.push(
      filtered
        ? '/etc/ufw/after.rules filters the DOCKER-USER chain (ports Docker publishes pass through ufw rules)'
        : '/etc/ufw/after.rules: no DOCKER-USER rules (ports Docker publishes bypass ufw)',
    );
  } else if (after.code === 'ENOENT') {
    // No after.rules at all: nothing filters DOCKER-USER.
    found.publishedPorts = { status: 'ok', filtered: false };
    found.evidence.push(after.reason);
  } else {
    found.publishedPorts = { status: 'unknown', reason: after.code === 'EACCES' ? `${after.reason}: run as root to tell whether ufw filters the ports Docker publishes` : after.reason };
    found.evidence.push(after.reason);
  }
  return 'enabled';
}

async function readFirewalld(view: FsView, found: Found): Promise<boolean> {
  const unit = await enabledUnit(view, 'firewalld.service');
  if (!unit) return false;
  found.backends.push('firewalld');
  found.active = true;
  found.evidence.push(`${unit}: firewalld is enabled`);
  const conf = await view.text('/etc/firewalld/firewalld.conf');
  const zone = (conf.ok ? parseKeyValues(conf.value).get('DefaultZone') : undefined) || 'public';
  if (!/^[\w-]+$/.test(zone)) return true;
  for (const dir of ['/etc/firewalld/zones', '/usr/lib/firewalld/zones']) {
    const file = await view.text(`${dir}/${zone}.xml`);
    if (!file.ok) continue;
    try {
      const policy = await firewalldZoneTarget(file.value);
      if (policy) {
        found.policy = policy;
        found.evidence.push(`${dir}/${zone}.xml: default zone ${zone}, unmatched packets: ${policy}`);
      }
    } catch {
      found.evidence.push(`${dir}/${zone}.xml: not readable as XML`);
    }
    break;
  }
  return true;
}

/** The rule sets nftables.service and iptables-persistent load at boot, when their units are enabled. */
async function readBootRuleSets(view: FsView, found: Found): Promise<boolean> {
  let any = false;
  const nftUnit = await enabledUnit(view, 'nftables.service');
  if (nftUnit) {
    for (const file of ['/etc/nftables.conf', '/etc/sysconfig/nftables.conf']) {
      const text = await view.text(file);
      if (!text.ok) continue;
      const s = parseNftablesConf(text.value);
      any = true;
      found.backends.push('nftables');
      found.evidence.push(`${nftUnit}: nftables.service is enabled; ${file}: ${describeSummary(s)}`);
      apply(found, s);
      break;
    }
  }
  for (const [unitName, file] of [
    ['netfilter-persistent.service', '/etc/iptables/rules.v4'],
    ['iptables.service', '/etc/sysconfig/iptables'],
  ] as const) {
    const unit = await enabledUnit(view, unitName);
    if (!unit) continue;
    const text = await view.text(file);
    if (!text.ok) {
      found.evidence.push(`${unit}: ${unitName} is enabled, but ${text.reason}`);
      continue;
    }
    const s = parseIptables(text.value);
    any = true;
    if (!found.backends.includes('iptables')) found.backends.push('iptables');
    found.evidence.push(`${unit}: ${unitName} is enabled; ${file}: ${describeSummary(s)}`);
    apply(found, s);
  }
  return any;
}

function describeSummary(s: RuleSetSummary): string {
  if (!s.inputChains) return 'no input chain';
  return `${s.inputChains} input chain${s.inputChains === 1 ? '' : 's'}, ${s.inputRules} rule${s.inputRules === 1 ? '' : 's'}, unmatched packets: ${s.policy ?? 'not told'}`;
}

/** Merges a rule set into what was found: active when something filters the input path. */
function apply(found: Found, s: RuleSetSummary): void {
  const filters = s.inputRules > 0 || s.policy === 'drop' || s.policy === 'reject';
  found.active = (found.active ?? false) || filters;
  if (s.policy) found.policy = combine([...(found.policy ? [found.policy] : []), s.policy]);
}

/** The loaded rule set, as root on the host: nft, else iptables. True when read, else why not. */
export async function readLive(ctx: ProbeContext, found: Found): Promise<true | string> {
  const timeoutMs = Math.max(100, Math.min(1000, ctx.timeoutMs / 4));
  const env = ctx.env;
  const tool = async (name: string, args: string[]): Promise<ToolResult> => {
    let res = await runTool(name, args, { timeoutMs, env, maxBytes: 8 * 1024 * 1024 });
    // root's tools live in sbin, which a user's PATH may lack.
    for (const dir of ['/usr/sbin', '/sbin']) {
      if (res.kind !== 'not-found') break;
      res = await runTool(`${dir}/${name}`, args, { timeoutMs, env, maxBytes: 8 * 1024 * 1024 });
    }
    return res;
  };
  const failed = (name: string, res: ToolResult): string | undefined => {
    if (res.kind === 'not-found') return undefined;
    if (res.kind === 'timeout') return `${name} timed out after ${describeMs(res.timeoutMs)}`;
    if (res.kind === 'error') return `${name}: ${res.message}`;
    return `${name} failed: ${firstLine(res.stderr || res.stdout) || `exit code ${res.code}`}`;
  };
  const nft = await tool('nft', ['-j', 'list', 'ruleset']);
  if (nft.kind === 'ok' && nft.code === 0) {
    try {
      const s = parseNftJson(nft.stdout || '{"nftables":[]}');
      found.backends.push('nftables');
      found.evidence.push(`nft list ruleset: ${s.tables.length} table${s.tables.length === 1 ? '' : 's'}${s.tables.length ? ` (${s.tables.join(', ')})` : ''}; ${describeSummary(s)}`);
      apply(found, s);
      return true;
    } catch (e) {
      return `nft -j list ruleset printed no JSON: ${(e as Error).message}`;
    }
  }
  const nftProblem = failed('nft', nft);
  const ipt = await tool('iptables', ['-S', 'INPUT']);
  if (ipt.kind === 'ok' && ipt.code === 0) {
    const s = parseIptables(ipt.stdout);
    found.backends.push('iptables');
    found.evidence.push(`iptables -S INPUT: ${describeSummary(s)}`);
    apply(found, s);
    return true;
  }
  return nftProblem ?? failed('iptables', ipt) ?? 'neither nft nor iptables is installed';
}

function insideContainer(view: FsView, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (env.KUBERNETES_SERVICE_HOST) return Promise.resolve('a Kubernetes pod');
  return Promise.all([view.exists('/.dockerenv'), view.exists('/run/.containerenv')]).then(([d, p]) =>
    d ? 'a Docker container' : p ? 'a Podman container' : undefined,
  );
}

export async function readFirewall(view: FsView, ctx: ProbeContext): Promise<Firewall> {
  const container = await insideContainer(view, ctx.env);
  if (container) return unknown(`mlready runs inside ${container}: the host's firewall is not visible from here`);
  const found: Found = { backends: [], evidence: [] };
  const ufw = await readUfw(view, found);
  const firewalld = await readFirewalld(view, found);
  const managed = ufw === 'enabled' || firewalld;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  let liveProblem: string | undefined;
  if (!managed && root && view.isHostRoot) {
    const live = await readLive(ctx, found);
    if (live !== true) liveProblem = live;
  }
  if (!managed && !found.backends.length) await readBootRuleSets(view, found);
  if (!found.backends.length) {
    const why = liveProblem ?? (!view.isHostRoot ? `the loaded rule set is not read for a root other than "/" (${view.root})` : 'the loaded rule set can only be read as root (`sudo nft list ruleset`)');
    const seen = ufw === 'disabled' ? 'ufw is installed but disabled; no' : 'no';
    return unknown(`${seen} firewall manager is enabled (ufw, firewalld, nftables.service, iptables-persistent) and ${why}`);
  }
  return {
    status: 'ok',
    active: found.active ?? false,
    backends: found.backends,
    ...(found.policy ? { defaultInputPolicy: found.policy } : {}),
    ...(found.publishedPorts ? { publishedPorts: found.publishedPorts } : {}),
    evidence: found.evidence,
  };
}
