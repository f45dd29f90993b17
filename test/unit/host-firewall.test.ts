/**
 * host.firewall: the managers' configuration files (fixture trees under test/fixtures/linux/firewall-*,
 * written by make-fixtures.py), the parsers of rule sets, and the loaded rule set read with fake
 * `nft`/`iptables` tools on PATH.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeHost } from '../../src/probes/host.js';
import type { ProbeContext } from '../../src/probes/context.js';
import { FsView } from '../../src/probes/linux/files.js';
import {
  firewalldZoneTarget,
  parseIptables,
  parseKeyValues,
  parseNftablesConf,
  parseNftJson,
  readFirewall,
  readLive,
  type Found,
} from '../../src/probes/linux/firewall.js';
import { FIXTURES } from '../helpers/paths.js';
import { fakeToolsPath } from '../helpers/tools.js';

const LINUX = path.join(FIXTURES, 'linux');
const describeLinux = process.platform === 'linux' ? describe : describe.skip;

function ctxFor(fsRoot: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 5000): ProbeContext {
  return { timeoutMs, signal: new AbortController().signal, env, cwd: '/', tmpdir: os.tmpdir(), fsRoot, progress: () => {} };
}
const firewallOf = (scenario: string, env: NodeJS.ProcessEnv = {}) => readFirewall(new FsView(path.join(LINUX, scenario)), ctxFor(path.join(LINUX, scenario), env));

describeLinux('host.firewall from configuration files', () => {
  test('ufw enabled, default input DROP, stock after.rules: Docker-published ports bypass ufw', async () => {
    const fw = await firewallOf('firewall-ufw-docker-bypass');
    expect(fw).toMatchObject({ status: 'ok', active: true, backends: ['ufw'], defaultInputPolicy: 'drop' });
    const evidence = (fw as { evidence: string[] }).evidence;
    expect(evidence).toEqual(expect.arrayContaining(['/etc/ufw/ufw.conf: ENABLED=yes', '/etc/default/ufw: DEFAULT_INPUT_POLICY=DROP']));
    expect(evidence.some((e) => e.includes('no DOCKER-USER rules'))).toBe(true);
    expect(fw).toMatchObject({ publishedPorts: { status: 'ok', filtered: false } });
  });

  test('ufw with ufw-docker rules: published ports are filtered', async () => {
    const fw = await firewallOf('firewall-ufw-docker-user');
    expect(fw).toMatchObject({ status: 'ok', active: true, backends: ['ufw'], defaultInputPolicy: 'drop', publishedPorts: { status: 'ok', filtered: true } });
  });

  test('ufw with an unreadable after.rules: published ports unknown with the reason, never a guess', async () => {
    const root = path.join(mkdtempSync(path.join(os.tmpdir(), 'mlready-fw-')), 'root');
    cpSync(path.join(LINUX, 'firewall-ufw-docker-user'), root, { recursive: true });
    const after = path.join(root, 'etc/ufw/after.rules');
    rmSync(after);
    mkdirSync(after); // reading a directory fails with EISDIR: neither filtered nor "no rules"
    const fw = await readFirewall(new FsView(root), ctxFor(root));
    expect(fw).toMatchObject({ status: 'ok', backends: ['ufw'], publishedPorts: { status: 'unknown', reason: expect.stringContaining('/etc/ufw/after.rules') } });
    rmSync(path.dirname(root), { recursive: true, force: true });
  });

  test('firewalld enabled with the stock public zone: unmatched packets are rejected', async () => {
    const fw = await firewallOf('firewall-firewalld-rocky');
    expect(fw).toEqual({
      status: 'ok',
      active: true,
      backends: ['firewalld'],
      defaultInputPolicy: 'reject',
      evidence: [
        '/etc/systemd/system/multi-user.target.wants/firewalld.service: firewalld is enabled',
        '/usr/lib/firewalld/zones/public.xml: default zone public, unmatched packets: reject',
      ],
    });
  });

  test('nftables.service enabled with an input chain whose policy is drop', async () => {
    const fw = await firewallOf('firewall-nftables-drop');
    expect(fw).toMatchObject({ status: 'ok', active: true, backends: ['nftables'], defaultInputPolicy: 'drop' });
    expect((fw as { evidence: string[] }).evidence[0]).toContain('1 input chain, 6 rules, unmatched packets: drop');
  });

  test('iptables-persistent: policy ACCEPT but a final unconditional REJECT', async () => {
    const fw = await firewallOf('firewall-iptables-persistent');
    expect(fw).toMatchObject({ status: 'ok', active: true, backends: ['iptables'], defaultInputPolicy: 'reject' });
  });

  test('Debian as installed: the stock nftables.conf is not enabled, and nothing else tells → unknown with the reason', async () => {
    const fw = await firewallOf('firewall-none-debian');
    expect(fw).toEqual({
      status: 'unknown',
      reason: expect.stringMatching(/^no firewall manager is enabled \(ufw, firewalld, nftables\.service, iptables-persistent\) and the loaded rule set is not read for a root other than "\/"/),
    });
  });

  test('inside a container or a pod the host firewall is not visible', async () => {
    expect(await firewallOf('cgroup-v2-limited-container')).toEqual({ status: 'unknown', reason: expect.stringContaining('inside a Docker container') });
    expect(await firewallOf('firewall-ufw-docker-bypass', { KUBERNETES_SERVICE_HOST: '10.96.0.1' })).toEqual({
      status: 'unknown',
      reason: expect.stringContaining('inside a Kubernetes pod'),
    });
  });

  test('probeHost fills host.firewall (and every existing scenario still gets a section)', async () => {
    const host = await probeHost(ctxFor(path.join(LINUX, 'firewall-firewalld-rocky')));
    expect(host.firewall).toMatchObject({ status: 'ok', backends: ['firewalld'] });
    for (const scenario of ['arm64-graviton', 'wsl2', 'avx512-amx-sapphire-rapids']) {
      const h = await probeHost(ctxFor(path.join(LINUX, scenario)));
      expect(h.firewall?.status).toBe('unknown');
    }
  });
});

describe('rule-set parsers', () => {
  test('shell-style key=value files', () => {
    const kv = parseKeyValues('# c\nENABLED=yes\nDEFAULT_INPUT_POLICY="DROP"  # trailing\nIPT_MODULES=""\n');
    expect(kv.get('ENABLED')).toBe('yes');
    expect(kv.get('DEFAULT_INPUT_POLICY')).toBe('DROP');
    expect(kv.get('IPT_MODULES')).toBe('');
  });

  test('nftables.conf: one-line chains, several tables, accept-everything', () => {
    expect(parseNftablesConf('table inet filter {\n  chain input { type filter hook input priority 0; policy drop; }\n}\n')).toMatchObject({ inputChains: 1, inputRules: 0, policy: 'drop', tables: ['inet filter'] });
    const stock = parseNftablesConf('flush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter;\n\t}\n\tchain output {\n\t\ttype filter hook output priority filter;\n\t}\n}\n');
    expect(stock).toMatchObject({ inputChains: 1, inputRules: 0, policy: 'accept' });
    const reject = parseNftablesConf('table ip fw {\n chain in {\n  type filter hook input priority 0; policy accept;\n  tcp dport { 22, 80 } accept\n  reject with icmpx type admin-prohibited\n }\n}\n');
    expect(reject).toMatchObject({ inputChains: 1, inputRules: 2, policy: 'reject', tables: ['ip fw'] });
  });

  test('iptables-save and iptables -S', () => {
    expect(parseIptables('*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n')).toMatchObject({ inputChains: 1, inputRules: 1, policy: 'drop', tables: ['ip nat', 'ip filter'] });
    expect(parseIptables('-P INPUT ACCEPT\n')).toMatchObject({ inputChains: 1, inputRules: 0, policy: 'accept' });
    // A conditional REJECT is not a catch-all.
    expect(parseIptables('-P INPUT ACCEPT\n-A INPUT -p tcp --dport 23 -j REJECT\n')).toMatchObject({ inputRules: 1, policy: 'accept' });
  });

  test('nft -j list ruleset: Docker\'s own tables are not an input filter; a firewall\'s are', () => {
    const docker = parseNftJson(JSON.stringify({ nftables: DOCKER_ONLY }));
    expect(docker).toEqual({ inputChains: 0, inputRules: 0, policy: 'accept', tables: ['ip nat', 'ip filter'] });
    const fw = parseNftJson(JSON.stringify({ nftables: [...DOCKER_ONLY, ...INPUT_DROP] }));
    expect(fw).toMatchObject({ inputChains: 1, inputRules: 2, policy: 'drop' });
  });

  test('firewalld zone targets', async () => {
    expect(await firewalldZoneTarget('<?xml version="1.0"?><zone target="DROP"><short>Drop</short></zone>')).toBe('drop');
    expect(await firewalldZoneTarget('<zone target="ACCEPT"/>')).toBe('accept');
    expect(await firewalldZoneTarget('<zone><short>Public</short></zone>')).toBe('reject');
    expect(await firewalldZoneTarget('<service/>')).toBeUndefined();
  });
});

describeLinux('the loaded rule set (as root on the host), with fake tools', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const live = async (tools: Record<string, string>, timeoutMs = 5000) => {
    const { dir, PATH } = fakeToolsPath(tools);
    dirs.push(dir);
    const found: Found = { backends: [], evidence: [] };
    const result = await readLive(ctxFor('/', { PATH }, timeoutMs), found);
    return { result, found };
  };

  test('nft prints Docker\'s tables only: nothing filters input', async () => {
    const json = JSON.stringify({ nftables: DOCKER_ONLY }).replace(/'/g, `'\\''`);
    const { result, found } = await live({ nft: `#!/bin/sh\nprintf '%s' '${json}'\n` });
    expect(result).toBe(true);
    expect(found).toMatchObject({ backends: ['nftables'], active: false, policy: 'accept' });
    expect(found.evidence[0]).toBe('nft list ruleset: 2 tables (ip nat, ip filter); no input chain');
  });

  test('nft fails: iptables -S INPUT answers', async () => {
    const { result, found } = await live({
      nft: '#!/bin/sh\necho "Error: syntax error" >&2\nexit 1\n',
      iptables: '#!/bin/sh\nprintf -- "-P INPUT DROP\\n-A INPUT -i lo -j ACCEPT\\n"\n',
    });
    expect(result).toBe(true);
    expect(found).toMatchObject({ backends: ['iptables'], active: true, policy: 'drop' });
  });

  test('a hanging nft is cut off and named in the reason', async () => {
    const { result } = await live({ nft: '#!/bin/sh\nsleep 5\n', iptables: '#!/bin/sh\nexit 3\n' }, 400);
    expect(result).toBe('nft timed out after 0.1 s');
  });
});

/** Abridged from `nft -j list ruleset` on a Debian 12 host running Docker 20.10 (iptables-nft). */
const DOCKER_ONLY = [
  { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
  { table: { family: 'ip', name: 'nat', handle: 1 } },
  { chain: { family: 'ip', table: 'nat', name: 'DOCKER', handle: 1 } },
  { chain: { family: 'ip', table: 'nat', name: 'POSTROUTING', handle: 2, type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' } },
  { chain: { family: 'ip', table: 'nat', name: 'PREROUTING', handle: 5, type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' } },
  { rule: { family: 'ip', table: 'nat', chain: 'DOCKER', handle: 4, expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'docker0' } }, { counter: { packets: 0, bytes: 0 } }, { return: null }] } },
  { table: { family: 'ip', name: 'filter', handle: 2 } },
  { chain: { family: 'ip', table: 'filter', name: 'FORWARD', handle: 6, type: 'filter', hook: 'forward', prio: 0, policy: 'drop' } },
  { chain: { family: 'ip', table: 'filter', name: 'DOCKER-USER', handle: 7 } },
  { rule: { family: 'ip', table: 'filter', chain: 'DOCKER-USER', handle: 9, expr: [{ counter: { packets: 0, bytes: 0 } }, { return: null }] } },
];
const INPUT_DROP = [
  { table: { family: 'inet', name: 'filter', handle: 3 } },
  { chain: { family: 'inet', table: 'filter', name: 'input', handle: 1, type: 'filter', hook: 'input', prio: 0, policy: 'drop' } },
  { rule: { family: 'inet', table: 'filter', chain: 'input', handle: 2, expr: [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: ['established', 'related'] } }, { accept: null }] } },
  { rule: { family: 'inet', table: 'filter', chain: 'input', handle: 3, expr: [{ match: { op: '==', left: { meta: { key: 'iif' } }, right: 'lo' } }, { accept: null }] } },
];
