/**
 * Data-source reachability against real loopback servers: Debian's PostgreSQL with TLS (started here from a
 * temporary data directory), a TLS server whose certificate comes from a CA made with the openssl CLI, a plain
 * TCP server, a closed port and a name under .invalid. Every step has its deadline; credentials never reach
 * the facts.
 */
import { rmSync } from 'node:fs';
import { checkDataSource, checkDataSources } from '../../src/datasources/check.js';
import { assertValid } from '../helpers/schema.js';
import { baseFacts } from '../helpers/facts.js';
import { closedPort, makeCa, mariadbBin, postgresBin, startMariadb, startPlainServer, startPostgres, startTlsServer, type Mariadb, type Postgres, type TestCa } from '../helpers/datasource-servers.js';

// .ci/run installs Debian's postgresql and sets MLREADY_REQUIRE_POSTGRES=1: there a missing server fails the tests.
const requirePostgres = process.env.MLREADY_REQUIRE_POSTGRES === '1';
const havePostgres = postgresBin() !== undefined;
const describePg = havePostgres || requirePostgres ? describe : describe.skip;
// Likewise Debian's mariadb-server and MLREADY_REQUIRE_MARIADB=1.
const describeMariadb = mariadbBin() !== undefined || process.env.MLREADY_REQUIRE_MARIADB === '1' ? describe : describe.skip;

let ca: TestCa;
let tlsServer: { port: number; close(): Promise<void> };
let plain: { port: number; close(): Promise<void> };
let closed: number;

beforeAll(async () => {
  ca = makeCa();
  tlsServer = await startTlsServer(ca);
  plain = await startPlainServer();
  closed = await closedPort();
});
afterAll(async () => {
  await tlsServer?.close();
  await plain?.close();
  rmSync(ca.dir, { recursive: true, force: true });
});

const check = (name: string, url: string, env: NodeJS.ProcessEnv = {}, budget = 3000) => checkDataSource({ name, url }, budget, env);

test('an unresolvable name (.invalid): DNS fails with a reason, nothing else is tried', async () => {
  const r = await check('ghost', 'postgres://db.mlready-test.invalid:5432/x?sslmode=require');
  expect(r).toEqual({ name: 'ghost', scheme: 'postgres', host: 'db.mlready-test.invalid', port: 5432, tlsExpected: true, dns: { ok: false, reason: expect.stringMatching(/does not resolve|DNS/) } });
});

test('a closed port: resolved, connection refused, no TLS step', async () => {
  const r = await check('closed', `https://127.0.0.1:${closed}/file`);
  expect(r.dns).toEqual({ ok: true, addresses: ['127.0.0.1'], ms: expect.any(Number) });
  expect(r.tcp).toEqual({ ok: false, reason: 'connection refused' });
  expect(r.tls).toBeUndefined();
});

test('a TLS server with a private CA: the handshake succeeds; the certificate verifies only against that CA', async () => {
  const untrusted = await check('files', `https://localhost:${tlsServer.port}/data.parquet`);
  expect(untrusted).toMatchObject({ scheme: 'https', host: 'localhost', port: tlsServer.port, tlsExpected: true, dns: { ok: true }, tcp: { ok: true } });
  expect(untrusted.tls).toMatchObject({ ok: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/), authorized: false, reason: expect.stringMatching(/certificate not verified: [A-Z_]+/) });

  // s3:// against an S3-compatible endpoint (AWS_ENDPOINT_URL) with its CA bundle (AWS_CA_BUNDLE): verified.
  const s3 = await check('lake', 's3://features/2026/', { AWS_ENDPOINT_URL: `https://localhost:${tlsServer.port}`, AWS_CA_BUNDLE: ca.caFile });
  expect(s3).toMatchObject({ scheme: 's3', host: 'localhost', port: tlsServer.port, tls: { ok: true, authorized: true } });

  // A CA file that cannot be read: verified against the system CAs instead, and said so.
  const missingCa = await check('lake', 's3://features/', { AWS_ENDPOINT_URL: `https://localhost:${tlsServer.port}`, AWS_CA_BUNDLE: '/nonexistent/ca.pem' });
  expect(missingCa.tls).toMatchObject({ ok: true, authorized: false, reason: expect.stringContaining('the CA file could not be read (ENOENT)') });
});

test('TLS expected but the port speaks plain text: the handshake fails with a reason', async () => {
  const r = await check('api', `https://127.0.0.1:${plain.port}/`);
  expect(r.tcp).toMatchObject({ ok: true });
  expect(r.tls).toEqual({ ok: false, reason: expect.stringMatching(/TLS handshake failed|closed the connection during the TLS handshake/) });
});

test('every step keeps to the budget: a server that never answers the TLS handshake times out', async () => {
  const net = await import('node:net');
  const silent = net.createServer(() => {}); // accepts, never speaks
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  const started = performance.now();
  const r = await check('slow', `https://127.0.0.1:${port}/`, {}, 700);
  expect(performance.now() - started).toBeLessThan(2000);
  expect(r.tls).toEqual({ ok: false, reason: expect.stringMatching(/timed out after/) });
  silent.close();
});

test('credentials in URLs never reach the facts; the section validates against the facts schema', async () => {
  const secret = 'hunter2-Very-Secret';
  const section = await checkDataSources(
    [
      { name: 'warehouse', url: `postgres://etl:${secret}@127.0.0.1:${closed}/db?password=${secret}` },
      { name: 'files', url: `https://user:${secret}@localhost:${tlsServer.port}/x?sig=${secret}` },
      { name: 'broken', url: `weird://u:${secret}@host/x` },
    ],
    { timeoutMs: 3000, env: {} },
  );
  expect(JSON.stringify(section)).not.toContain(secret);
  expect(JSON.stringify(section)).not.toContain('etl');
  expect(section.status).toBe('ok');
  const broken = (section as { items: { name: string; dns: { ok: boolean; reason?: string } }[] }).items[2]!;
  expect(broken.dns).toEqual({ ok: false, reason: 'data source broken: no default port is known for weird://; write the port in the URL' });
  const facts = baseFacts('gpu-server');
  assertValid('facts', { ...facts, targets: [...facts.targets, 'data-sources'], dataSources: section });
});

describePg('Debian PostgreSQL on a loopback port', () => {
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres(ca);
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  test('sslmode=require: SSLRequest answered S, TLS completes (not verified, as libpq does not verify)', async () => {
    const r = await check('warehouse', `postgres://127.0.0.1:${pg.port}/postgres?sslmode=require`);
    expect(r).toMatchObject({ scheme: 'postgres', host: '127.0.0.1', port: pg.port, tlsExpected: true, tcp: { ok: true }, tls: { ok: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/) } });
  });

  test('sslmode=verify-full with sslrootcert: the certificate verifies for localhost', async () => {
    const r = await check('warehouse', `postgresql://localhost:${pg.port}/postgres?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca.caFile)}`);
    expect(r.tls).toEqual({ ok: true, protocol: expect.any(String), authorized: true });
  });

  test('no sslmode (prefer): a TCP connect only, no TLS expected', async () => {
    const r = await check('warehouse', `postgres://127.0.0.1:${pg.port}/postgres`);
    expect(r).toMatchObject({ tlsExpected: false, tcp: { ok: true } });
    expect(r.tls).toBeUndefined();
  });

  test('TLS turned off on the server: SSLRequest is answered N', async () => {
    pg.sql('ALTER SYSTEM SET ssl = off');
    pg.sql('SELECT pg_reload_conf()');
    try {
      let r = await check('warehouse', `postgres://127.0.0.1:${pg.port}/postgres?sslmode=require`);
      for (let i = 0; i < 20 && r.tls?.ok; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // the reload is asynchronous
        r = await check('warehouse', `postgres://127.0.0.1:${pg.port}/postgres?sslmode=require`);
      }
      expect(r.tls).toEqual({ ok: false, reason: 'the server does not offer TLS (answered N to SSLRequest)' });
    } finally {
      pg.sql('ALTER SYSTEM RESET ssl');
      pg.sql('SELECT pg_reload_conf()');
    }
  });
});

describeMariadb('Debian MariaDB on a loopback port', () => {
  let withTls: Mariadb;
  let plainDb: Mariadb;
  beforeAll(async () => {
    [withTls, plainDb] = await Promise.all([startMariadb({ ca }), startMariadb()]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([withTls?.stop(), plainDb?.stop()]);
  });

  test('ssl-mode=REQUIRED: the greeting offers SSL, the SSLRequest packet starts TLS (not verified: REQUIRED does not verify)', async () => {
    const r = await check('orders', `mysql://127.0.0.1:${withTls.port}/orders?ssl-mode=REQUIRED`);
    expect(r).toMatchObject({ scheme: 'mysql', port: withTls.port, tlsExpected: true, tcp: { ok: true }, tls: { ok: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/) } });
  });

  test('ssl-mode=VERIFY_IDENTITY with ssl-ca: the certificate verifies for localhost', async () => {
    const r = await check('orders', `mysql://localhost:${withTls.port}/orders?ssl-mode=VERIFY_IDENTITY&ssl-ca=${encodeURIComponent(ca.caFile)}`);
    expect(r.tls).toEqual({ ok: true, protocol: expect.any(String), authorized: true });
  });

  test('a server without TLS: the greeting lacks the SSL capability, and the reason names the server', async () => {
    const r = await check('legacy', `mariadb://127.0.0.1:${plainDb.port}/legacy?ssl-mode=REQUIRED`);
    expect(r.tls).toEqual({ ok: false, reason: expect.stringMatching(/^the server does not offer TLS \(\S*MariaDB\S* greets without the SSL capability\)$/) });
  });
});

describe('MySQL greetings that are not an offer of TLS', () => {
  /** A loopback server that sends `bytes` to each client, then waits. */
  async function greeter(bytes: Buffer): Promise<{ port: number; close(): void }> {
    const net = await import('node:net');
    const server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.write(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, close: () => server.close() };
  }

  test('an ERR packet in place of the greeting is the server refusing, in its words', async () => {
    // ER_CON_COUNT_ERROR as MySQL sends it before the handshake: 0xff, code 1040, the message.
    const message = Buffer.from('Too many connections');
    const packet = Buffer.concat([Buffer.from([0xff, 0x10, 0x04]), message]);
    const server = await greeter(Buffer.concat([Buffer.from([packet.length, 0, 0, 0]), packet]));
    try {
      const r = await check('orders', `mysql://127.0.0.1:${server.port}/x?ssl-mode=REQUIRED`);
      expect(r.tls).toEqual({ ok: false, reason: 'the server refused the connection: Too many connections (error 1040)' });
    } finally {
      server.close();
    }
  });

  test('another protocol on the port (an SSH banner) is not taken for a MySQL server, and no time is lost waiting', async () => {
    const server = await greeter(Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n'));
    try {
      const started = performance.now();
      const r = await check('orders', `mysql://127.0.0.1:${server.port}/x?ssl-mode=REQUIRED`, {}, 3000);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(r.tls).toEqual({ ok: false, reason: 'not a MySQL server (its first bytes are not a MySQL packet)' });
    } finally {
      server.close();
    }
  });
});
