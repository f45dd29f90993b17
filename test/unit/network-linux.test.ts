/** The network probe: interfaces, routes and DNS from fixture trees and this machine; proxy variables and their secrets. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeNetwork } from '../../src/probes/network.js';
import { probeHost } from '../../src/probes/host.js';
import { probeStoragePath } from '../../src/probes/storage.js';
import type { ProbeContext } from '../../src/probes/context.js';
import type { NetworkFacts } from '../../src/facts/schema.js';
import { addressesOf, defaultRouteV4, defaultRouteV6, ipv4FromRouteHex, ipv6FromHex, prefixFromNetmask } from '../../src/probes/linux/network.js';
import { parseResolvConf } from '../../src/probes/portable/dns.js';
import { readProxy, redactProxyUrl } from '../../src/probes/portable/proxy.js';
import { mapSiInterface } from '../../src/probes/portable/network.js';
import type { Systeminformation } from 'systeminformation';
import { FIXTURES } from '../helpers/paths.js';

const LINUX = path.join(FIXTURES, 'linux');
const describeLinux = process.platform === 'linux' ? describe : describe.skip;

function ctxFor(fsRoot: string, env: NodeJS.ProcessEnv = {}): ProbeContext {
  return { timeoutMs: 5000, signal: new AbortController().signal, env, cwd: '/', tmpdir: os.tmpdir(), fsRoot, progress: () => {} };
}

type Ok<T> = Extract<T, { status: 'ok' }>;
function ok<T extends { status: string }>(section: T): Ok<T> {
  if (section.status !== 'ok') throw new Error(`expected status ok, got ${JSON.stringify(section)}`);
  return section as Ok<T>;
}

const info = (address: string, netmask: string, family: 'IPv4' | 'IPv6', cidr: string | null): os.NetworkInterfaceInfo =>
  ({ address, netmask, family, mac: '00:00:00:00:00:00', internal: false, cidr, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as os.NetworkInterfaceInfo;

describeLinux('probeNetwork on fixture trees', () => {
  test('arm64-graviton: interface kinds, states, MTU, MACs and addresses; default route; systemd-resolved stub and upstream', async () => {
    const net = await probeNetwork(ctxFor(path.join(LINUX, 'arm64-graviton')), {
      networkInterfaces: () => ({
        lo: [info('127.0.0.1', '255.0.0.0', 'IPv4', '127.0.0.1/8'), info('::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'IPv6', '::1/128')],
        ens5: [info('172.31.40.12', '255.255.240.0', 'IPv4', '172.31.40.12/20'), info('fe80::c6b:3aff:fe51:c29d', 'ffff:ffff:ffff:ffff::', 'IPv6', null)],
        wg0: [info('10.0.0.2', '255.255.255.0', 'IPv4', '10.0.0.2/24')],
      }),
    });
    expect(ok(net.interfaces).items).toEqual([
      { name: 'docker0', state: 'down', kind: 'bridge', mtu: 1500, mac: '02:42:3c:91:77:0e', addresses: [] },
      {
        name: 'ens5',
        state: 'up',
        kind: 'physical',
        mtu: 9001,
        mac: '0e:6b:3a:51:c2:9d',
        addresses: [
          { family: 'ipv4', address: '172.31.40.12', prefixLength: 20 },
          { family: 'ipv6', address: 'fe80::c6b:3aff:fe51:c29d', prefixLength: 64 },
        ],
      },
      {
        name: 'lo',
        state: 'unknown',
        kind: 'loopback',
        mtu: 65536,
        addresses: [
          { family: 'ipv4', address: '127.0.0.1', prefixLength: 8 },
          { family: 'ipv6', address: '::1', prefixLength: 128 },
        ],
      },
      { name: 'veth3a2b1c0', state: 'up', kind: 'virtual', mtu: 1500, speedMbps: 10000, mac: 'a6:0f:11:52:e3:44', addresses: [] },
      { name: 'wg0', state: 'unknown', kind: 'vpn', mtu: 8921, addresses: [{ family: 'ipv4', address: '10.0.0.2', prefixLength: 24 }] },
    ]);
    expect(net.defaultRoute).toEqual({ status: 'ok', present: true, interface: 'ens5', gateway: '172.31.32.1' });
    expect(net.dns).toEqual({
      status: 'ok',
      source: '/etc/resolv.conf',
      resolvers: ['127.0.0.53'],
      search: ['ec2.internal'],
      stub: 'systemd-resolved',
      upstream: ['172.31.0.2'],
    });
    expect(net.proxy).toEqual({ noProxy: [], conflicts: [] });
  });

  test('avx512-amx-sapphire-rapids: link speeds only when positive, InfiniBand, two resolvers', async () => {
    const net = await probeNetwork(ctxFor(path.join(LINUX, 'avx512-amx-sapphire-rapids')), { networkInterfaces: () => ({}) });
    const byName = Object.fromEntries(ok(net.interfaces).items.map((i) => [i.name, i]));
    expect(byName.eno1).toMatchObject({ state: 'up', kind: 'physical', speedMbps: 25000 });
    expect(byName.eno2).toMatchObject({ state: 'down', kind: 'physical' });
    expect(byName.eno2).not.toHaveProperty('speedMbps');
    expect(byName.ib0).toMatchObject({ kind: 'physical', mtu: 2044, speedMbps: 200000 });
    expect(net.defaultRoute).toEqual({ status: 'ok', present: true, interface: 'eno1', gateway: '10.20.0.1' });
    expect(net.dns).toEqual({ status: 'ok', source: '/etc/resolv.conf', resolvers: ['10.20.0.53', '10.20.0.54'], search: ['lab.example.org'] });
  });

  test('no-swap-unlimited-memlock: the pod network and cluster DNS', async () => {
    const net = await probeNetwork(ctxFor(path.join(LINUX, 'no-swap-unlimited-memlock')));
    expect(net.defaultRoute).toEqual({ status: 'ok', present: true, interface: 'eth0', gateway: '10.244.0.1' });
    expect(ok(net.dns).search).toEqual(['ml-jobs.svc.cluster.local', 'svc.cluster.local', 'cluster.local']);
    // A fixture root never borrows this machine's addresses.
    for (const i of ok(net.interfaces).items) expect(i.addresses).toEqual([]);
  });

  describe('small trees', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(path.join(os.tmpdir(), 'mlready-net-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));
    const put = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';

    test('no default route: present is false', async () => {
      put('/proc/net/route', `${HEADER}eth0\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n`);
      put('/proc/net/ipv6_route', '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n');
      const net = await probeNetwork(ctxFor(root));
      expect(net.defaultRoute).toEqual({ status: 'ok', present: false });
    });

    test('IPv6-only: the default route comes from ipv6_route', async () => {
      put('/proc/net/route', HEADER);
      put(
        '/proc/net/ipv6_route',
        '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n',
      );
      const net = await probeNetwork(ctxFor(root));
      expect(net.defaultRoute).toEqual({ status: 'ok', present: true, interface: 'eth0', gateway: 'fd00::1' });
    });

    test('unreadable files make their own sections unknown; the proxy section is always read', async () => {
      const net = await probeNetwork(ctxFor(root, { https_proxy: 'http://proxy:3128' }));
      expect(net).toEqual({
        interfaces: { status: 'unknown', reason: '/sys/class/net does not exist' },
        defaultRoute: { status: 'unknown', reason: '/proc/net/route does not exist' },
        dns: { status: 'unknown', reason: '/etc/resolv.conf does not exist' },
        proxy: { httpsProxy: 'http://proxy:3128', noProxy: [], conflicts: [] },
      });
    });

    test('a systemd-resolved stub whose upstream file is missing is reported as the stub alone', async () => {
      put('/etc/resolv.conf', 'nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n');
      const net = await probeNetwork(ctxFor(root));
      expect(net.dns).toEqual({ status: 'ok', source: '/etc/resolv.conf', resolvers: ['127.0.0.53'], search: ['.'], stub: 'systemd-resolved' });
    });
  });
});

describeLinux('probeNetwork on this machine', () => {
  test('the loopback interface, addresses from the OS, a readable route table', async () => {
    const net = await probeNetwork(ctxFor('/', process.env));
    const items = ok(net.interfaces).items;
    const lo = items.find((i) => i.name === 'lo');
    expect(lo).toMatchObject({ kind: 'loopback' });
    expect(lo).not.toHaveProperty('mac');
    expect(lo!.addresses).toEqual(expect.arrayContaining([{ family: 'ipv4', address: '127.0.0.1', prefixLength: 8 }]));
    // Every interface the OS gives addresses for is listed, with those addresses.
    const names = items.map((i) => i.name);
    for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
      expect(names).toContain(name);
      expect(items.find((i) => i.name === name)!.addresses.map((a) => a.address).sort()).toEqual(addrs!.map((a) => a.address).sort());
    }
    expect(net.defaultRoute.status).toBe('ok');
  });
});

describe('proxy variables', () => {
  const CANARY = 'CANARY-pw-8f3a1c';

  test('credentials are masked with the URL parser, keeping the rest as written', () => {
    expect(redactProxyUrl('http://user:secret@proxy:3128')).toBe('http://***@proxy:3128');
    expect(redactProxyUrl('http://user:secret@proxy:3128/')).toBe('http://***@proxy:3128/');
    expect(redactProxyUrl('socks5h://token@socks.corp:1080')).toBe('socks5h://***@socks.corp:1080');
    expect(redactProxyUrl('http://proxy.corp:3128')).toBe('http://proxy.corp:3128');
    expect(redactProxyUrl('  http://u:p%40ss@[fd00::1]:3128  ')).toBe('http://***@[fd00::1]:3128');
    expect(redactProxyUrl('user:pw@proxy:8080')).toBe('***@proxy:8080');
    expect(redactProxyUrl('proxy.corp:8080')).toBe('proxy.corp:8080');
  });

  test.each([
    ['an unescaped @ in the password', `http://user:${CANARY}@x@proxy:3128`, 'http://***@proxy:3128'],
    ['a password with "/" the parser reads as a path', `http://user:12/${CANARY}@proxy:3128`, 'http://***@proxy:3128'],
    ['a password with "#"', `http://user:a#${CANARY}@proxy:3128`, 'http://***@proxy:3128'],
    ['a password with "?"', `http://user:a?${CANARY}@proxy:3128`, 'http://***@proxy:3128'],
    ['a password only', `http://:${CANARY}@proxy:3128`, 'http://***@proxy:3128'],
    ['no scheme', `alice:${CANARY}@proxy:3128`, '***@proxy:3128'],
    ['a token as user name', `https://${CANARY}@proxy:443`, 'https://***@proxy:443'],
    ['not a URL at all', `::${CANARY}@@`, '***@'],
  ])('never leaks the password: %s', (_name, value, masked) => {
    const out = redactProxyUrl(value);
    expect(out).toBe(masked);
    expect(out).not.toContain(CANARY);
  });

  test('lowercase wins, differing spellings are conflicts, NO_PROXY is split and trimmed', () => {
    expect(
      readProxy({
        HTTP_PROXY: 'http://upper:3128',
        http_proxy: 'http://lower:3128',
        HTTPS_PROXY: 'http://same:3128',
        https_proxy: 'http://same:3128',
        ALL_PROXY: 'socks5://socks:1080',
        NO_PROXY: 'localhost',
        no_proxy: ' localhost, 127.0.0.1 ,.corp.example,, 10.0.0.0/8 ',
      }),
    ).toEqual({
      httpProxy: 'http://lower:3128',
      httpsProxy: 'http://same:3128',
      allProxy: 'socks5://socks:1080',
      noProxy: ['localhost', '127.0.0.1', '.corp.example', '10.0.0.0/8'],
      conflicts: ['HTTP_PROXY/http_proxy', 'NO_PROXY/no_proxy'],
    });
    expect(readProxy({ HTTP_PROXY: '', https_proxy: '  ' })).toEqual({ noProxy: [], conflicts: [] });
  });

  test('a canary password in the environment appears nowhere in the facts', async () => {
    const env: NodeJS.ProcessEnv = {
      HTTP_PROXY: `http://alice:${CANARY}@proxy.corp:3128`,
      http_proxy: `http://bob:${CANARY}-2@proxy.corp:3128`,
      HTTPS_PROXY: `http://alice:${CANARY}@proxy.corp:3129/`,
      all_proxy: `socks5://carol:${CANARY}@socks.corp:1080`,
      NO_PROXY: 'localhost,.corp',
      AWS_SECRET_ACCESS_KEY: `${CANARY}-aws`,
      GITHUB_TOKEN: `${CANARY}-gh`,
      DATABASE_URL: `postgres://app:${CANARY}@db:5432/app`,
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      PATH: process.env.PATH,
    };
    const root = path.join(LINUX, 'no-swap-unlimited-memlock');
    const ctx = ctxFor(root, env);
    const [net, host, storage] = await Promise.all([probeNetwork(ctx), probeHost(ctx), probeStoragePath(ctx, '/')]);
    const json = JSON.stringify({ net, host, storage });
    expect(json).not.toContain(CANARY);
    expect(json).not.toContain('alice');
    expect(json).not.toContain('bob');
    expect(net.proxy).toEqual({
      httpProxy: 'http://***@proxy.corp:3128',
      httpsProxy: 'http://***@proxy.corp:3129/',
      allProxy: 'socks5://***@socks.corp:1080',
      noProxy: ['localhost', '.corp'],
      conflicts: ['HTTP_PROXY/http_proxy'],
    } satisfies NetworkFacts['proxy']);
  });
});

describe('route and address parsing', () => {
  test('IPv4 gateways are printed in host byte order', () => {
    expect(ipv4FromRouteHex('010200C0', 'LE')).toBe('192.0.2.1');
    expect(ipv4FromRouteHex('C0000201', 'BE')).toBe('192.0.2.1');
    expect(ipv4FromRouteHex('zz', 'LE')).toBeUndefined();
  });

  test('the default route with the lowest metric; rejected and non-default routes ignored', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
      'eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'eth1\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0',
      'eth0\t0000000A\t00000000\t0001\t0\t0\t100\t000000FF\t0\t0\t0',
    ].join('\n');
    expect(defaultRouteV4(text, 'LE')).toEqual({ iface: 'eth0', gateway: '10.0.0.1', metric: 100 });
    expect(defaultRouteV4('Iface\tDestination\ntun0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0', 'LE')).toEqual({ iface: 'tun0', metric: 0 });
  });

  test('IPv6 default routes skip the kernel reject route on lo', () => {
    const text = [
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000002 00000000 00000003     eth0',
    ].join('\n');
    expect(defaultRouteV6(text)).toEqual({ iface: 'eth0', gateway: 'fe80::1', metric: 1024 });
  });

  test('IPv6 text form compresses the longest run of zero groups', () => {
    expect(ipv6FromHex('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1');
    expect(ipv6FromHex('00000000000000000000000000000001')).toBe('::1');
    expect(ipv6FromHex('fe800000000000000c6b3afffe51c29d')).toBe('fe80::c6b:3aff:fe51:c29d');
    expect(ipv6FromHex('20010db8000100020003000400050006')).toBe('2001:db8:1:2:3:4:5:6');
  });

  test('prefix lengths from CIDR, or from the netmask when Node gives no CIDR', () => {
    expect(addressesOf([info('10.1.2.3', '255.255.252.0', 'IPv4', null)])).toEqual([{ family: 'ipv4', address: '10.1.2.3', prefixLength: 22 }]);
    expect(prefixFromNetmask('ffff:ffff:ffff:ff00::')).toBe(56);
  });

  test('resolv.conf: nameservers in order, the last search or domain line, comments ignored', () => {
    expect(parseResolvConf('# c\nnameserver 1.1.1.1\nnameserver fe80::1%eth0 ; x\ndomain a.example\nsearch b.example c.example\n')).toEqual({
      nameservers: ['1.1.1.1', 'fe80::1%eth0'],
      search: ['b.example', 'c.example'],
    });
  });
});

test('systeminformation interfaces (macOS, Windows) map to the same kinds', () => {
  const si = (o: Partial<Systeminformation.NetworkInterfacesData>) =>
    ({ iface: 'en0', internal: false, virtual: false, operstate: 'up', mac: 'a4:83:e7:01:02:03', mtu: 1500, speed: 1000, ...o }) as Systeminformation.NetworkInterfacesData;
  expect(mapSiInterface(si({}), {})).toEqual({ name: 'en0', state: 'up', kind: 'physical', mtu: 1500, speedMbps: 1000, mac: 'a4:83:e7:01:02:03', addresses: [] });
  expect(mapSiInterface(si({ iface: 'lo0', internal: true, mac: '00:00:00:00:00:00', speed: null }), {}).kind).toBe('loopback');
  expect(mapSiInterface(si({ iface: 'utun3', operstate: 'unknown', mac: '' }), {})).toMatchObject({ kind: 'vpn', state: 'unknown' });
  expect(mapSiInterface(si({ iface: 'bridge100' }), {}).kind).toBe('bridge');
  expect(mapSiInterface(si({ iface: 'vEthernet (WSL)', virtual: true, mac: '00-15-5D-A2-7C-01' }), {})).toMatchObject({ kind: 'virtual', mac: '00:15:5d:a2:7c:01' });
});
