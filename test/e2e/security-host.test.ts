/**
 * Host firewall and VPN facts through the CLI: `mlready probe` writes a host.firewall section that the
 * facts schema accepts, and `mlready assess --facts` judges firewalls, ufw with Docker, and VPN tunnels
 * (SECURITY-008 … SECURITY-011) — each checked on what the CLI printed.
 */
import { cliEnv, runCli } from '../helpers/cli.js';
import { assertValid } from '../helpers/schema.js';
import { patchedFacts, tempDir, writeJson } from '../helpers/facts.js';
import type { Facts } from '../../src/facts/schema.js';

const env = cliEnv({ GITHUB_ACTIONS: undefined });
interface Finding {
  ruleId: string;
  outcome: string;
  severity: string;
  message?: string;
  reason?: string;
}

let dir: string;
beforeAll(() => {
  dir = tempDir('mlready-security-host-');
});

async function findingsFor(facts: Facts, profile = 'training-gpu'): Promise<Map<string, Finding>> {
  const file = writeJson(dir, `facts-${Math.random().toString(36).slice(2)}.json`, facts);
  const r = await runCli(['assess', '--format', 'json', '--profile', profile, '--facts', file, '--fail-on', 'never'], { env, cwd: dir });
  expect(r.stderr).toBe('');
  return new Map((JSON.parse(r.stdout) as { findings: Finding[] }).findings.map((f) => [f.ruleId, f]));
}

const UFW_NO_DOCKER_USER = {
  status: 'ok',
  active: true,
  backends: ['ufw'],
  defaultInputPolicy: 'drop',
  publishedPorts: { status: 'ok', filtered: false },
  evidence: ['/etc/ufw/ufw.conf: ENABLED=yes', '/etc/default/ufw: DEFAULT_INPUT_POLICY=DROP', '/etc/ufw/after.rules: no DOCKER-USER rules (ports Docker publishes bypass ufw)'],
};

test('mlready probe --target local writes a host.firewall section the schema accepts', async () => {
  const r = await runCli(['probe', '--target', 'local'], { env, cwd: dir });
  expect(r.code).toBe(0);
  const facts = JSON.parse(r.stdout) as Facts;
  assertValid('facts', facts);
  expect(facts.host.firewall).toBeDefined();
  const fw = facts.host.firewall!;
  if (fw.status === 'ok') expect(fw.evidence.length).toBeGreaterThan(0);
  else expect(fw.reason).toMatch(/\S/);
});

test('ufw with Docker: the firewall passes, the bypass of published ports is reported', async () => {
  const f = await findingsFor(patchedFacts({ host: { firewall: UFW_NO_DOCKER_USER } }));
  expect(f.get('SECURITY-008')!.outcome).toBe('pass');
  expect(f.get('SECURITY-009')!.outcome).toBe('pass');
  expect(f.get('SECURITY-010')).toMatchObject({ outcome: 'fail', severity: 'warning' });
  expect(f.get('SECURITY-010')!.message).toMatch(/^ufw guards this host, but Docker publishes container ports past it/);
  // Fixed with ufw-docker:
  const fixed = await findingsFor(patchedFacts({ host: { firewall: { ...UFW_NO_DOCKER_USER, publishedPorts: { status: 'ok', filtered: true } } } }));
  expect(fixed.get('SECURITY-010')!.outcome).toBe('pass');
  // after.rules unreadable (not root): unknown with the probe's reason, not a failure.
  const reason = '/etc/ufw/after.rules: permission denied: run as root to tell whether ufw filters the ports Docker publishes';
  const unreadable = await findingsFor(patchedFacts({ host: { firewall: { ...UFW_NO_DOCKER_USER, publishedPorts: { status: 'unknown', reason } } } }));
  expect(unreadable.get('SECURITY-010')).toMatchObject({ outcome: 'unknown', reason: expect.stringContaining(reason) });
});

test('no active firewall fails on a server profile; an accept policy fails SECURITY-009; a laptop is not judged', async () => {
  const none = await findingsFor(patchedFacts({ host: { firewall: { status: 'ok', active: false, backends: ['nftables'], defaultInputPolicy: 'accept', evidence: ['nft list ruleset: 2 tables (ip nat, ip filter); no input chain'] } } }));
  expect(none.get('SECURITY-008')).toMatchObject({ outcome: 'fail', message: expect.stringContaining('nft list ruleset: 2 tables') });
  expect(none.get('SECURITY-009')!.outcome).toBe('skipped');
  const accept = await findingsFor(patchedFacts({ host: { firewall: { status: 'ok', active: true, backends: ['nftables'], defaultInputPolicy: 'accept', evidence: ['/etc/nftables.conf: 1 input chain, 3 rules, unmatched packets: accept'] } } }), 'inference-gpu');
  expect(accept.get('SECURITY-009')!.outcome).toBe('fail');
  const laptop = await findingsFor(patchedFacts({ host: { firewall: { status: 'ok', active: false, backends: [], evidence: [] } } }, 'cpu-laptop-macos'), 'dev-workstation');
  expect(laptop.get('SECURITY-008')!.outcome).toBe('skipped');
});

test('an unreadable firewall is unknown with the probe\'s reason, never a pass or a fail', async () => {
  const reason = 'no firewall manager is enabled (ufw, firewalld, nftables.service, iptables-persistent) and the loaded rule set can only be read as root (`sudo nft list ruleset`)';
  const f = await findingsFor(patchedFacts({ host: { firewall: { status: 'unknown', reason } } }));
  for (const id of ['SECURITY-008', 'SECURITY-009', 'SECURITY-010']) expect(f.get(id)).toMatchObject({ outcome: 'unknown', reason: expect.stringContaining('the loaded rule set can only be read as root') });
});

test('a split-tunnel VPN smaller than the Docker bridge is reported as information', async () => {
  const f = await findingsFor(
    patchedFacts({
      network: {
        interfaces: {
          items: [
            { name: 'ens1f0', state: 'up', kind: 'physical', mtu: 1500, addresses: [{ family: 'ipv4', address: '10.20.0.11', prefixLength: 24 }] },
            { name: 'wg0', state: 'unknown', kind: 'vpn', mtu: 1420, addresses: [{ family: 'ipv4', address: '10.66.0.4', prefixLength: 32 }] },
            { name: 'docker0', state: 'up', kind: 'bridge', mtu: 1500, addresses: [{ family: 'ipv4', address: '172.17.0.1', prefixLength: 16 }] },
          ],
        },
      },
    }),
  );
  expect(f.get('SECURITY-011')).toMatchObject({ outcome: 'fail', severity: 'info' });
  expect(f.get('SECURITY-011')!.message).toMatch(/docker0 \(1500\): wg0 \(MTU 1420\)/);
  expect(f.get('NET-006')!.outcome).toBe('pass');
});
