/**
 * The systeminformation-based probes used on macOS and Windows. systeminformation also runs on Linux,
 * so they are exercised here against this machine; their mapping is tested in host-parsers.test.ts.
 */
import os from 'node:os';
import type { ProbeContext } from '../../src/probes/context.js';
import { probePortableHost } from '../../src/probes/portable/host.js';
import { probePortableNetwork } from '../../src/probes/portable/network.js';
import { probePortableStoragePath } from '../../src/probes/portable/storage.js';

const ctx: ProbeContext = {
  timeoutMs: 10000,
  signal: new AbortController().signal,
  env: { PATH: process.env.PATH, https_proxy: 'http://u:CANARY-portable@proxy:3128' },
  cwd: process.cwd(),
  tmpdir: os.tmpdir(),
  fsRoot: '/',
  progress: () => {},
};

test('host: CPU, memory and OS from systeminformation; what it cannot tell is unknown with a reason', async () => {
  const host = await probePortableHost(ctx);
  expect(host.hostname).toBe(os.hostname());
  expect(host.cpu).toMatchObject({ status: 'ok', threads: os.cpus().length });
  expect(host.memory).toMatchObject({ status: 'ok', totalBytes: os.totalmem() });
  expect(host.os).toMatchObject({ status: 'ok', platform: process.platform, arch: os.machine() });
  for (const s of ['shm', 'ulimits', 'virtualization', 'numa', 'clock', 'cgroup'] as const) {
    expect(host[s]).toEqual({ status: 'unknown', reason: expect.stringMatching(/\S/) });
  }
});

test('storage: statfs sizes and the mount from systeminformation; a missing path is unknown', async () => {
  const root = await probePortableStoragePath(ctx, '/');
  expect(root).toMatchObject({ status: 'ok', path: '/', mountPoint: '/' });
  expect(await probePortableStoragePath(ctx, '/no/such/dir-for-mlready')).toEqual({ status: 'unknown', reason: 'no such directory: /no/such/dir-for-mlready' });
});

test('network: interfaces and proxies, the password masked', async () => {
  const net = await probePortableNetwork(ctx);
  expect(net.interfaces.status).toBe('ok');
  if (net.interfaces.status === 'ok') expect(net.interfaces.items.some((i) => i.kind === 'loopback')).toBe(true);
  expect(net.proxy.httpsProxy).toBe('http://***@proxy:3128');
  expect(JSON.stringify(net)).not.toContain('CANARY');
});
