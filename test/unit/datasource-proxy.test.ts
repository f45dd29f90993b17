/**
 * Data sources behind an HTTP proxy: which clients go through HTTPS_PROXY/HTTP_PROXY and NO_PROXY (as curl
 * and Python read them), and the check itself through a real loopback CONNECT proxy in front of the
 * loopback TLS server: the tunnel, a refusal (403), a proxy that wants credentials (407), credentials sent
 * only to the proxy and never recorded.
 */
import { rmSync } from 'node:fs';
import { checkDataSource } from '../../src/datasources/check.js';
import { proxyFor } from '../../src/datasources/proxy.js';
import { bypassesProxy } from '../../src/util/proxy.js';
import { parseDataSource } from '../../src/datasources/url.js';
import { closedPort, makeCa, startConnectProxy, startTlsServer, type TestCa } from '../helpers/datasource-servers.js';

const endpointOf = (url: string, env: NodeJS.ProcessEnv = {}) => parseDataSource('x', url, env).endpoint;

describe('which proxy a data source client uses', () => {
  test('HTTP clients use the proxy of their scheme; database drivers never do', () => {
    const env = { HTTPS_PROXY: 'http://proxy.corp:3128', HTTP_PROXY: 'http://plain.corp:8080' };
    expect(proxyFor(endpointOf('s3://bucket/key', { AWS_REGION: 'eu-west-1' }), env)).toEqual({ host: 'proxy.corp', port: 3128, variable: 'HTTPS_PROXY' });
    expect(proxyFor(endpointOf('gs://bucket/x'), env)).toMatchObject({ host: 'proxy.corp' });
    expect(proxyFor(endpointOf('http://files.corp/x'), env)).toEqual({ host: 'plain.corp', port: 8080, variable: 'HTTP_PROXY' });
    expect(proxyFor(endpointOf('postgres://db.corp/x?sslmode=require'), env)).toBeUndefined();
    expect(proxyFor(endpointOf('mongodb://db.corp/x'), env)).toBeUndefined();
    expect(proxyFor(endpointOf('https://files.corp/x'), {})).toBeUndefined();
  });

  test('lower-case variables win; ALL_PROXY is the fallback; a proxy without a scheme is http', () => {
    expect(proxyFor(endpointOf('https://a.example/x'), { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' })).toMatchObject({ host: 'lower', port: 2, variable: 'https_proxy' });
    expect(proxyFor(endpointOf('https://a.example/x'), { ALL_PROXY: 'gateway.corp:3128' })).toEqual({ host: 'gateway.corp', port: 3128, variable: 'ALL_PROXY' });
  });

  test('credentials in the proxy URL become a Basic Proxy-Authorization, nothing else keeps them', () => {
    const p = proxyFor(endpointOf('https://a.example/x'), { HTTPS_PROXY: 'http://ml%40corp:s3cr%2Ft@proxy:3128' })!;
    expect(p.authorization).toBe(`Basic ${Buffer.from('ml@corp:s3cr/t').toString('base64')}`);
    expect(JSON.stringify({ ...p, authorization: undefined })).not.toContain('s3cr');
  });

  test('a proxy the check cannot use is an error naming the variable, not its value', () => {
    expect(() => proxyFor(endpointOf('https://a.example/x'), { HTTPS_PROXY: 'socks5://u:topsecret@gw:1080' })).toThrow(/^HTTPS_PROXY uses socks5:\/\/, which this check does not speak/);
    try {
      proxyFor(endpointOf('https://a.example/x'), { HTTPS_PROXY: 'socks5://u:topsecret@gw:1080' });
    } catch (e) {
      expect((e as Error).message).not.toContain('topsecret');
    }
  });

  test.each([
    ['*', 'anything.example', 443, true],
    ['.corp.example', 'db.corp.example', 443, true],
    ['corp.example', 'db.corp.example', 443, true],
    ['corp.example', 'corp.example', 443, true],
    ['corp.example', 'notcorp.example', 443, false],
    ['*.corp.example', 'a.corp.example', 443, true],
    ['localhost,127.0.0.1', '127.0.0.1', 9000, true],
    ['10.0.0.5', '10.0.0.50', 443, false],
    ['minio.corp:9000', 'minio.corp', 9000, true],
    ['minio.corp:9000', 'minio.corp', 443, false],
    ['', 'a.example', 443, false],
  ])('NO_PROXY=%j, %s:%d bypasses the proxy: %s', (noProxy, host, port, expected) => {
    expect(bypassesProxy(host, port, noProxy)).toBe(expected);
  });
});

describe('the check through a loopback CONNECT proxy', () => {
  let ca: TestCa;
  let tlsServer: { port: number; close(): Promise<void> };
  beforeAll(async () => {
    ca = makeCa();
    tlsServer = await startTlsServer(ca);
  });
  afterAll(async () => {
    await tlsServer?.close();
    rmSync(ca.dir, { recursive: true, force: true });
  });

  test('https through the proxy: DNS and TCP are the proxy\'s, CONNECT to the endpoint, TLS through the tunnel', async () => {
    const proxy = await startConnectProxy();
    try {
      const env = { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NODE_EXTRA_CA_CERTS: ca.caFile };
      const r = await checkDataSource({ name: 'files', url: `https://localhost:${tlsServer.port}/data.parquet` }, 3000, env);
      expect(r).toMatchObject({ host: 'localhost', port: tlsServer.port, proxy: `127.0.0.1:${proxy.port}`, dns: { ok: true, addresses: ['127.0.0.1'] }, tcp: { ok: true } });
      expect(r.tls).toMatchObject({ ok: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/) });
      expect(proxy.connects).toEqual([{ target: `localhost:${tlsServer.port}` }]);
    } finally {
      await proxy.close();
    }
  });

  test('NO_PROXY: the same source goes direct and records no proxy', async () => {
    const proxy = await startConnectProxy();
    try {
      const r = await checkDataSource({ name: 'files', url: `https://localhost:${tlsServer.port}/x` }, 3000, { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}`, NO_PROXY: 'localhost' });
      expect(r.proxy).toBeUndefined();
      expect(r.tls).toMatchObject({ ok: true });
      expect(proxy.connects).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  test('a proxy that refuses the CONNECT (403): TCP fails with the proxy\'s answer, no TLS step', async () => {
    const proxy = await startConnectProxy({ deny: true });
    try {
      const r = await checkDataSource({ name: 'lake', url: 's3://features/' }, 3000, { AWS_ENDPOINT_URL: `https://localhost:${tlsServer.port}`, HTTPS_PROXY: `127.0.0.1:${proxy.port}` });
      expect(r.tcp).toEqual({ ok: false, reason: `proxy 127.0.0.1:${proxy.port} (HTTPS_PROXY): the proxy answered 403 Forbidden to CONNECT localhost:${tlsServer.port}` });
      expect(r.tls).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  test('a proxy that wants credentials: 407 without them; with them in the URL they reach the proxy and nowhere else', async () => {
    const expected = `Basic ${Buffer.from('ml:hunter2').toString('base64')}`;
    const proxy = await startConnectProxy({ requireAuth: expected });
    try {
      const url = `https://localhost:${tlsServer.port}/x`;
      const without = await checkDataSource({ name: 'files', url }, 3000, { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` });
      expect(without.tcp).toEqual({ ok: false, reason: expect.stringContaining('the proxy asks for credentials (407 Proxy Authentication Required): the proxy URL carries none') });
      const withCreds = await checkDataSource({ name: 'files', url }, 3000, { HTTPS_PROXY: `http://ml:hunter2@127.0.0.1:${proxy.port}` });
      expect(withCreds.tls).toMatchObject({ ok: true });
      expect(proxy.connects.at(-1)).toEqual({ target: `localhost:${tlsServer.port}`, authorization: expected });
      expect(JSON.stringify([without, withCreds])).not.toMatch(/hunter2|bWw6aHVudGVyMg/);
    } finally {
      await proxy.close();
    }
  });

  test('a proxy that is down: TCP fails naming the proxy', async () => {
    const port = await closedPort();
    const r = await checkDataSource({ name: 'files', url: 'https://files.example.com/x' }, 3000, { https_proxy: `http://127.0.0.1:${port}` });
    expect(r.dns).toMatchObject({ ok: true, addresses: ['127.0.0.1'] });
    expect(r.tcp).toEqual({ ok: false, reason: `proxy 127.0.0.1:${port} (https_proxy): connection refused` });
  });
});
