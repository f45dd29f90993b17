import { redactFacts, Redactor } from '../../src/facts/redact.js';
import { baseFacts, patchedFacts } from '../helpers/facts.js';
import { assertValid } from '../helpers/schema.js';

const key = Buffer.from('test-key');

describe('--redact', () => {
  const facts = patchedFacts({
    network: {
      proxy: { httpProxy: 'http://***@proxy.corp.example.com:3128', noProxy: ['localhost', '127.0.0.1', '.svc', '.corp.example.com', '10.0.0.0/8'], conflicts: [] },
    },
    runtime: { docker: { registryMirrors: ['https://mirror.corp.example.com'], swarm: { state: 'active', nodeId: 'abcd1234efgh', nodeAddr: '10.20.0.11', controlAvailable: true, nodes: 1, managers: 1 } } },
    probes: [{ target: 'docker', durationMs: 3, outcome: 'ok', reason: 'engine at 10.20.0.11 answered; host gpu-node-01.example.com' }],
  });
  const redacted = redactFacts(facts, key);
  const text = JSON.stringify(redacted);

  test('identifiers are gone from every part of the document', () => {
    for (const secret of ['gpu-node-01', '10.20.0.11', '10.20.0.1', '10.20.0.2', 'b8:ce:f6:12:34:56', 'GPU-513536b6', '1650522003820', 'proxy.corp.example.com', 'mirror.corp.example.com', 'abcd1234efgh', 'cluster.example.internal']) {
      expect(text).not.toContain(secret);
    }
    expect(redacted.redacted).toBe(true);
    assertValid('facts', redacted);
  });

  test('hashes are stable: the same value gives the same hash everywhere and on every run', () => {
    const again = redactFacts(facts, key);
    expect(again).toEqual(redacted);
    const ip = redacted.runtime.docker.swarm!.nodeAddr!;
    expect(ip).toMatch(/^ip-[0-9a-f]{12}$/);
    const nic = redacted.network.interfaces.status === 'ok' ? redacted.network.interfaces.items.find((i) => i.name === 'ens1f0')! : undefined;
    expect(nic!.addresses[0]!.address).toBe(ip);
    expect(redacted.probes[0]!.reason).toContain(ip);
    expect(redactFacts(facts, Buffer.from('another key')).runtime.docker.swarm!.nodeAddr).not.toBe(ip);
  });

  test('what verdicts depend on is kept: loopback, cluster-local names, versions, sizes', () => {
    expect(redacted.network.proxy.noProxy.slice(0, 3)).toEqual(['localhost', '127.0.0.1', '.svc']);
    expect(redacted.network.proxy.noProxy[3]).toMatch(/^\.host-[0-9a-f]{12}$/);
    expect(redacted.network.proxy.httpProxy).toMatch(/^http:\/\/\*\*\*@host-[0-9a-f]{12}:3128$/);
    const lo = redacted.network.interfaces.status === 'ok' ? redacted.network.interfaces.items.find((i) => i.name === 'lo')! : undefined;
    expect(lo!.addresses.map((a) => a.address)).toEqual(['127.0.0.1', '::1']);
    expect(redacted.gpu.devices[0]!.driverVersion).toBe('535.54.03');
    expect(redacted.host.memory).toEqual(baseFacts().host.memory);
    expect(redacted.runtime.docker.insecureRegistries).toEqual(['127.0.0.0/8']);
  });

  test('free text: only distinctive values are searched for, versions are never mistaken for addresses', () => {
    const r = new Redactor(key);
    r.host('gpu');
    expect(r.text('nvidia.com/gpu')).toBe('nvidia.com/gpu');
    expect(r.text('listening on 192.168.1.7:2375')).toMatch(/^listening on ip-[0-9a-f]{12}:2375$/);
    const doc = redactFacts(patchedFacts({ runtime: { docker: { serverVersion: '1.6.20.1' } } }), key);
    expect(doc.runtime.docker.serverVersion).toBe('1.6.20.1');
  });
});

describe('--redact on cluster facts', () => {
  test('Kubernetes server and node names, swarm node ids and host names are hashed', () => {
    for (const base of ['k8s-gpu-cluster', 'swarm-cluster']) {
      const facts = baseFacts(base);
      const names = [
        ...(facts.cluster.kubernetes.gpuNodes?.status === 'ok' ? facts.cluster.kubernetes.gpuNodes.items.map((n) => n.name) : []),
        ...(facts.cluster.swarm.nodes?.items.flatMap((n) => [n.hostname, n.id]) ?? []),
        ...(facts.cluster.kubernetes.server ? [new URL(facts.cluster.kubernetes.server).hostname] : []),
      ].filter((n) => n.length >= 6);
      expect(names.length).toBeGreaterThan(0);
      const text = JSON.stringify(redactFacts(facts, key));
      for (const n of names) expect(text).not.toContain(n);
      assertValid('facts', redactFacts(facts, key));
    }
  });

  test('the HTTPS_PROXY the API requests went through is hashed, its port kept', () => {
    const facts = patchedFacts({ cluster: { kubernetes: { proxy: 'egress-proxy.corp.example:3128' } } }, 'k8s-gpu-cluster');
    const redacted = redactFacts(facts, key).cluster.kubernetes.proxy!;
    expect(redacted).toMatch(/^host-[0-9a-f]+:3128$/);
    expect(redactFacts(facts, key).cluster.kubernetes.proxy).toBe(redacted); // stable
  });
});
