/**
 * Real loopback servers for the data-source tests: a certificate authority and a server certificate made with
 * the openssl CLI, a TLS server that uses them, a port nothing listens on, Debian's PostgreSQL started
 * from a temporary data directory (as the postgres user when the tests run as root) with TLS on, and
 * Debian's MariaDB, with TLS or without.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface TestCa {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A CA and a server certificate for localhost and 127.0.0.1, made with the openssl CLI. */
export function makeCa(): TestCa {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-ca-'));
  const f = (n: string) => path.join(dir, n);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=mlready test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext'));
  return { dir, caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') };
}

/** A TLS server on 127.0.0.1 that completes handshakes and closes. */
export async function startTlsServer(ca: TestCa): Promise<{ port: number; close(): Promise<void> }> {
  const server = tls.createServer({ cert: readFileSync(ca.certFile), key: readFileSync(ca.keyFile) }, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  return listen(server);
}

/** A plain TCP server that accepts and closes (an HTTP-ish port without TLS). */
export async function startPlainServer(): Promise<{ port: number; close(): Promise<void> }> {
  return listen(net.createServer((socket) => socket.end()));
}

/** Listens on a free loopback port; close() also ends the connections still open. */
async function listen(server: net.Server): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Stops a database server started here (`signal`, then SIGKILL after 10 s) and removes its directory. */
async function stopServer(child: ChildProcess, signal: NodeJS.Signals, dir: string): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- PostgreSQL

/** The newest Debian PostgreSQL's bin directory, if installed. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'postgres')) && existsSync(path.join(root, v, 'bin', 'initdb')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

export interface Postgres {
  port: number;
  dir: string;
  /** Runs SQL through psql over the Unix socket. */
  sql(statement: string): string;
  stop(): Promise<void>;
}

function postgresIds(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/**
 * Starts PostgreSQL on a free loopback port from a new data directory (initdb), with TLS (the test CA's server
 * certificate). PostgreSQL refuses to run as root: as root, the directory belongs to the postgres user and the
 * server runs as that user (setpriv).
 */
export async function startPostgres(ca: TestCa): Promise<Postgres> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (Debian: apt-get install postgresql)');
  const root = process.getuid?.() === 0;
  const ids = root ? postgresIds() : undefined;
  if (root && !ids) throw new Error('running as root, but there is no postgres user to run PostgreSQL as');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  execFileSync('mkdir', ['-p', socketDir]);
  // The server's key must be private to the server's user.
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  writeFileSync(cert, readFileSync(ca.certFile));
  writeFileSync(key, readFileSync(ca.keyFile), { mode: 0o600 });
  if (ids) for (const p of [dir, socketDir, cert, key]) chownSync(p, ids.uid, ids.gid);
  const asPostgres = (command: string, args: string[]): [string, string[]] =>
    ids ? ['setpriv', ['--reuid', String(ids.uid), '--regid', String(ids.gid), '--clear-groups', '--', command, ...args]] : [command, args];
  const [initCmd, initArgs] = asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  // TLS in postgresql.conf rather than on the command line, so a test can turn it off with ALTER SYSTEM.
  appendFileSync(path.join(data, 'postgresql.conf'), `\nssl = on\nssl_cert_file = '${cert}'\nssl_key_file = '${key}'\n`);
  const port = await closedPort();
  const [cmd, args] = asPostgres(path.join(bin, 'postgres'), ['-D', data, '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', 'fsync=off']);
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${log}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`postgres did not listen on ${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const psql = path.join(bin, 'psql');
  return {
    port,
    dir,
    sql(statement: string) {
      return execFileSync(psql, ['-h', socketDir, '-p', String(port), '-U', 'postgres', '-X', '-A', '-t', '-c', statement], { encoding: 'utf8' });
    },
    stop: () => stopServer(child, 'SIGINT', dir), // SIGINT: PostgreSQL's fast shutdown
  };
}

// ---------------------------------------------------------------- MariaDB

/** Debian's MariaDB server, if installed (apt-get install mariadb-server). */
export function mariadbBin(): string | undefined {
  return ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((f) => existsSync(f));
}

export interface Mariadb {
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts MariaDB on a free loopback port from a new data directory (mariadb-install-db), with TLS (the test
 * CA's server certificate) or without. Nothing logs in: the check stops at the TLS handshake.
 */
export async function startMariadb(options: { ca?: TestCa } = {}): Promise<Mariadb> {
  const server = mariadbBin();
  if (!server) throw new Error('MariaDB is not installed (Debian: apt-get install mariadb-server)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-mariadb-'));
  const data = path.join(dir, 'data');
  const user = process.getuid?.() === 0 ? ['--user=root'] : [];
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, ...user, '--auth-root-authentication-method=normal', '--skip-test-db'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await closedPort();
  const tlsArgs = options.ca ? [`--ssl-cert=${options.ca.certFile}`, `--ssl-key=${options.ca.keyFile}`, `--ssl-ca=${options.ca.caFile}`] : [];
  const child: ChildProcess = spawn(
    server,
    ['--no-defaults', `--datadir=${data}`, ...user, `--port=${port}`, '--bind-address=127.0.0.1', `--socket=${path.join(dir, 'sock')}`,
      `--pid-file=${path.join(dir, 'pid')}`, '--skip-log-bin', '--innodb-buffer-pool-size=16M', ...tlsArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}): ${log}`);
    if (/ready for connections/.test(log)) break;
    if (Date.now() > deadline) throw new Error(`mariadbd did not start on ${port}: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    stop: () => stopServer(child, 'SIGTERM', dir),
  };
}

/**
 * A loopback HTTP proxy that tunnels CONNECT to loopback ports (as squid does), for the proxy path of the
 * data-source check. `requireAuth` answers 407 without the expected Proxy-Authorization; `deny` answers 403
 * to every CONNECT; `resolve` maps names only the proxy knows to addresses. It records each CONNECT's target and the Proxy-Authorization it carried.
 */
export async function startConnectProxy(options: { requireAuth?: string; deny?: boolean; resolve?: Record<string, string> } = {}): Promise<{
  port: number;
  connects: { target: string; authorization?: string }[];
  close(): Promise<void>;
}> {
  const http = await import('node:http');
  const net = await import('node:net');
  const connects: { target: string; authorization?: string }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((_req, res) => res.writeHead(400).end());
  server.on('connect', (req, client: import('node:net').Socket, head: Buffer) => {
    sockets.add(client);
    const authorization = req.headers['proxy-authorization'];
    connects.push({ target: req.url ?? '', ...(authorization ? { authorization } : {}) });
    if (options.deny) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    if (options.requireAuth && authorization !== options.requireAuth) {
      return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n');
    }
    const [host, port] = [req.url!.slice(0, req.url!.lastIndexOf(':')), Number(req.url!.slice(req.url!.lastIndexOf(':') + 1))];
    const upstream = net.connect({ host: options.resolve?.[host] ?? (host === 'localhost' ? '127.0.0.1' : host), port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
