/**
 * Data sources end to end, through the CLI as a user runs it:
 * - `mlready assess --spec` checks every data source from this host (real loopback servers: Debian's
 *   PostgreSQL with TLS, a TLS server with a private CA, a closed port, a name under .invalid) and the DATA-*
 *   rules judge the facts; credentials in the URLs appear nowhere in the output;
 * - `mlready scaffold` wires the endpoints and secret references into compose, swarm and Kubernetes
 *   (validated by the tools that read them), and the result lints clean.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, ROOT, runCli } from '../helpers/cli.js';
import { tempDir, writeJson, baseFacts } from '../helpers/facts.js';
import { closedPort, startConnectProxy, startPlainServer, makeCa, mariadbBin, postgresBin, startMariadb, startPostgres, startTlsServer, type Mariadb, type Postgres, type TestCa } from '../helpers/datasource-servers.js';
import { assertRestrictedPod, listFiles, loadClientModels, podSpecsOf, validateComposeSpec, validateK8sObject, yamlDoc, yamlDocs } from '../golden/scaffold-helpers.js';

const SECRET = 'Pa55-w0rd-never-printed';
// The loopback servers are reached directly, whatever proxy the machine running the tests has configured.
const NO_PROXIES = Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy'].map((k) => [k, undefined]));
const requirePostgres = process.env.MLREADY_REQUIRE_POSTGRES === '1';
const havePostgres = postgresBin() !== undefined;

let work: string;
let ca: TestCa;
let tlsServer: { port: number; close(): Promise<void> };
let pg: Postgres | undefined;
let closed: number;

beforeAll(async () => {
  await loadClientModels();
  work = tempDir('mlready-datasource-e2e-');
  ca = makeCa();
  tlsServer = await startTlsServer(ca);
  closed = await closedPort();
  if (havePostgres || requirePostgres) pg = await startPostgres(ca);
}, 60_000);

afterAll(async () => {
  await tlsServer?.close();
  await pg?.stop();
  rmSync(ca.dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function spec(dir: string): string {
  const file = path.join(dir, 'mlready.yaml');
  const sources = [
    ...(pg ? [`    - name: warehouse\n      url: "postgres://etl:${SECRET}@127.0.0.1:${pg.port}/postgres?sslmode=require"\n      credentialsSecret: warehouse-credentials`] : []),
    `    - name: files\n      url: "https://localhost:${tlsServer.port}/reference.parquet?sig=${SECRET}"`,
    `    - name: lake\n      url: "s3://features/2026/"\n      credentialsSecret: lake-credentials`,
    `    - name: ghost\n      url: "postgres://db.mlready-test.invalid:5432/x?sslmode=require"`,
    `    - name: closed\n      url: "https://127.0.0.1:${closed}/"`,
    `    - name: cache\n      url: "redis://cache.mlready-test.invalid:6379"`,
  ];
  writeFileSync(file, [
    'apiVersion: mlready.dev/v1alpha1',
    'kind: Workflow',
    'metadata: { name: churn }',
    'spec:',
    '  framework: sklearn',
    '  python: "3.11"',
    '  dataSources:',
    ...sources,
    '  stages:',
    '    - { name: extract, type: batch, command: ["python", "extract.py"] }',
    '    - { name: serve, type: service, needs: [extract], command: ["python", "serve.py"], port: 8080, dataSources: [lake] }',
    '',
  ].join('\n'));
  return file;
}

type Finding = { ruleId: string; outcome: string; message?: string; reason?: string };
type Report = { findings: Finding[]; facts: { targets: string[]; dataSources: { status: string; items: Record<string, unknown>[] }; probes: { target: string }[] } };

const outcome = (r: Report, id: string) => r.findings.find((f) => f.ruleId === id);

describe('assess --spec checks the data sources from this host', () => {
  let dir: string;
  beforeAll(() => {
    dir = path.join(work, 'assess');
    execFileSync('mkdir', ['-p', dir]);
    spec(dir);
  });

  const env = (extra: NodeJS.ProcessEnv = {}) =>
    cliEnv({ AWS_ENDPOINT_URL: `https://localhost:${tlsServer.port}`, AWS_CA_BUNDLE: ca.caFile, AWS_REGION: undefined, AWS_ENDPOINT_URL_S3: undefined, NODE_EXTRA_CA_CERTS: undefined, ...NO_PROXIES, ...extra });

  test('DNS, TCP and TLS per source, judged by DATA-001…005; no credential in any output', async () => {
    const r = await runCli(['assess', '--spec', 'mlready.yaml', '--target', 'local', '--profile', 'training-cpu', '--format', 'json', '--timeout', '4'],
      { cwd: dir, env: env({ NODE_EXTRA_CA_CERTS: ca.caFile }) });
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout).not.toContain('etl:');
    expect(r.code).toBe(1); // DATA-001 (error) fails: ghost does not resolve
    const report = JSON.parse(r.stdout) as Report;
    expect(report.facts.targets).toContain('data-sources');
    expect(report.facts.probes.map((p) => p.target)).toContain('data-sources');
    const items = Object.fromEntries(report.facts.dataSources.items.map((i) => [i.name as string, i]));
    expect(items.ghost).toMatchObject({ host: 'db.mlready-test.invalid', dns: { ok: false } });
    expect(items.closed).toMatchObject({ dns: { ok: true }, tcp: { ok: false, reason: 'connection refused' } });
    expect(items.files).toMatchObject({ host: 'localhost', tlsExpected: true, tls: { ok: true, authorized: true } });
    expect(items.lake).toMatchObject({ scheme: 's3', host: 'localhost', port: tlsServer.port, tls: { ok: true, authorized: true } });
    if (pg) expect(items.warehouse).toMatchObject({ scheme: 'postgres', port: pg.port, tlsExpected: true, tls: { ok: true } });
    expect(outcome(report, 'DATA-001')).toMatchObject({ outcome: 'fail', message: expect.stringContaining('ghost (db.mlready-test.invalid)') });
    expect(outcome(report, 'DATA-002')).toMatchObject({ outcome: 'fail', message: expect.stringContaining(`closed (127.0.0.1:${closed}): connection refused`) });
    expect(outcome(report, 'DATA-003')?.outcome).toBe('pass');
    expect(outcome(report, 'DATA-004')).toMatchObject({ outcome: 'fail', message: expect.stringContaining('cache (redis://cache.mlready-test.invalid:6379)') });
    expect(outcome(report, 'DATA-005')?.outcome).toBe('pass');
  }, 30_000);

  test('--redact: the hosts and addresses are hashed in facts, messages and every report; the verdicts stay', async () => {
    const args = ['assess', '--spec', 'mlready.yaml', '--target', 'local', '--profile', 'training-cpu', '--format', 'json', '--timeout', '4'];
    const options = { cwd: dir, env: env({ NODE_EXTRA_CA_CERTS: ca.caFile, MLREADY_REDACT_KEY: 'test-key' }) };
    const plain = JSON.parse((await runCli(args, options)).stdout) as Report;
    const junit = path.join(dir, 'redacted.xml');
    const r = await runCli([...args, '--redact', '--report', `junit=${junit}`], options);
    expect(r.code).toBe(1);
    const text = r.stdout + r.stderr + readFileSync(junit, 'utf8');
    for (const hidden of ['db.mlready-test.invalid', 'cache.mlready-test.invalid', SECRET]) expect(text).not.toContain(hidden);
    const report = JSON.parse(r.stdout) as Report & { facts: { redacted: boolean; host: { hostname: string } } };
    expect(report.facts.redacted).toBe(true);
    expect(report.facts.host.hostname).toMatch(/^host-[0-9a-f]{12}$|^localhost/);
    const items = Object.fromEntries(report.facts.dataSources.items.map((i) => [i.name as string, i]));
    expect(items.ghost?.host).toMatch(/^host-[0-9a-f]{12}$/);
    expect(items.files).toMatchObject({ host: 'localhost' }); // loopback names stay: verdicts depend on them
    expect(outcome(report, 'DATA-001')).toMatchObject({ outcome: 'fail', message: expect.stringContaining(`ghost (${items.ghost!.host as string})`) });
    const verdicts = (x: Report) => x.findings.map((f) => `${f.ruleId} ${f.outcome}`).sort();
    expect(verdicts(report)).toEqual(verdicts(plain));
  }, 30_000);

  test('behind an HTTP proxy (HTTPS_PROXY with credentials): https and s3 go through CONNECT, databases go direct; the credentials reach only the proxy', async () => {
    const auth = `Basic ${Buffer.from(`ml:${SECRET}`).toString('base64')}`;
    const proxy = await startConnectProxy({ requireAuth: auth });
    try {
      const r = await runCli(['assess', '--spec', 'mlready.yaml', '--target', 'local', '--profile', 'training-cpu', '--format', 'json', '--fail-on', 'never', '--timeout', '4'],
        { cwd: dir, env: env({ NODE_EXTRA_CA_CERTS: ca.caFile, HTTPS_PROXY: `http://ml:${SECRET}@127.0.0.1:${proxy.port}`, NO_PROXY: 'example.internal' }) });
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      expect(r.stdout + r.stderr).not.toContain(auth.slice(6));
      const items = Object.fromEntries((JSON.parse(r.stdout) as Report).facts.dataSources.items.map((i) => [i.name as string, i]));
      expect(items.files).toMatchObject({ proxy: `127.0.0.1:${proxy.port}`, tcp: { ok: true }, tls: { ok: true, authorized: true } });
      expect(items.lake).toMatchObject({ proxy: `127.0.0.1:${proxy.port}`, tls: { ok: true } });
      // Through the proxy a closed endpoint port is the proxy's 502, not a refused connection.
      expect(items.closed).toMatchObject({ proxy: `127.0.0.1:${proxy.port}`, tcp: { ok: false, reason: expect.stringContaining('the proxy answered 502') } });
      if (pg) expect(items.warehouse).not.toHaveProperty('proxy');
      expect(items.cache).not.toHaveProperty('proxy');
      expect(proxy.connects.map((c) => c.target).sort()).toEqual([`127.0.0.1:${closed}`, `localhost:${tlsServer.port}`, `localhost:${tlsServer.port}`]);
      expect(proxy.connects.every((c) => c.authorization === auth)).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  test('without the private CA the https endpoint does not verify (DATA-005); the text report names it', async () => {
    const r = await runCli(['assess', '--spec', 'mlready.yaml', '--target', 'local', '--profile', 'training-cpu', '--format', 'text', '--fail-on', 'never', '--timeout', '4'],
      { cwd: dir, env: env({ AWS_CA_BUNDLE: undefined }) });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout).toMatch(/DATA-005/);
    expect(r.stdout).toMatch(/files \(localhost:\d+\): certificate not verified/);
  }, 30_000);

  test('saved facts are evaluated as they are: no data-source checks, the DATA rules are skipped', async () => {
    const facts = writeJson(dir, 'facts.json', baseFacts('no-docker-cpu-server'));
    const r = await runCli(['assess', '--spec', 'mlready.yaml', '--facts', facts, '--profile', 'training-cpu', '--format', 'json', '--fail-on', 'never'], { cwd: dir, env: env() });
    const report = JSON.parse(r.stdout) as Report;
    expect(report.facts.targets).not.toContain('data-sources');
    for (const id of ['DATA-001', 'DATA-002', 'DATA-003', 'DATA-004', 'DATA-005']) {
      expect(outcome(report, id)).toMatchObject({ outcome: 'skipped', reason: 'target "data-sources" was not probed' });
    }
  });
});

describe('MySQL and MariaDB: the greeting, the SSLRequest packet, then TLS (Debian\'s MariaDB)', () => {
  const requireMariadb = process.env.MLREADY_REQUIRE_MARIADB === '1';
  const run = mariadbBin() !== undefined || requireMariadb ? test : test.skip;
  let withTls: Mariadb | undefined;
  let plain: Mariadb | undefined;
  let notMysql: { port: number; close(): Promise<void> } | undefined;
  let dir: string;
  beforeAll(async () => {
    if (mariadbBin() === undefined && !requireMariadb) return;
    [withTls, plain] = await Promise.all([startMariadb({ ca }), startMariadb()]);
    notMysql = await startPlainServer();
    dir = path.join(work, 'mysql');
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(path.join(dir, 'mlready.yaml'), [
      'apiVersion: mlready.dev/v1alpha1',
      'kind: Workflow',
      'metadata: { name: orders }',
      'spec:',
      '  framework: sklearn',
      '  python: "3.11"',
      '  dataSources:',
      `    - { name: orders, url: "mysql://etl:${SECRET}@localhost:${withTls!.port}/orders?ssl-mode=VERIFY_IDENTITY" }`,
      `    - { name: legacy, url: "mariadb://etl:${SECRET}@127.0.0.1:${plain!.port}/legacy?ssl-mode=REQUIRED" }`,
      `    - { name: notdb, url: "mysql://127.0.0.1:${notMysql.port}/x?ssl-mode=REQUIRED" }`,
      `    - { name: lax, url: "mysql://127.0.0.1:${plain!.port}/legacy" }`,
      '  stages:',
      '    - { name: train, type: batch, command: ["python", "train.py"] }',
      '',
    ].join('\n'));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([withTls?.stop(), plain?.stop(), notMysql?.close()]);
  });

  run('TLS where the server offers it, the reason where it does not; DATA-003 names the source that cannot', async () => {
    const r = await runCli(['assess', '--spec', 'mlready.yaml', '--target', 'local', '--profile', 'training-cpu', '--format', 'json', '--fail-on', 'never', '--timeout', '4'],
      { cwd: dir, env: cliEnv({ ...NO_PROXIES, NODE_EXTRA_CA_CERTS: ca.caFile }) });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const report = JSON.parse(r.stdout) as Report;
    const items = Object.fromEntries(report.facts.dataSources.items.map((i) => [i.name as string, i]));
    expect(items.orders).toMatchObject({ scheme: 'mysql', tlsExpected: true, tcp: { ok: true }, tls: { ok: true, protocol: expect.stringMatching(/^TLSv1\.[23]$/), authorized: true } });
    expect(items.legacy).toMatchObject({ scheme: 'mariadb', tlsExpected: true, tls: { ok: false, reason: expect.stringMatching(/^the server does not offer TLS \(.*MariaDB.* greets without the SSL capability\)$/) } });
    expect(items.notdb).toMatchObject({ tcp: { ok: true }, tls: { ok: false, reason: 'the server closed the connection before its greeting' } });
    // ssl-mode unset (PREFERRED) falls back to plain text: no TLS is expected, none is checked.
    expect(items.lax).toMatchObject({ tlsExpected: false, tcp: { ok: true } });
    expect(items.lax).not.toHaveProperty('tls');
    const data003 = outcome(report, 'DATA-003');
    expect(data003).toMatchObject({ outcome: 'fail', message: expect.stringContaining('legacy') });
    expect(data003?.message).not.toContain('orders');
  }, 60_000);
});

describe('scaffold wires data sources into compose, swarm and Kubernetes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(work, 'scaffold');
    cpSync(path.join(ROOT, 'examples', 'data-sources'), dir, { recursive: true });
    const r = await runCli(['scaffold'], { cwd: dir, env: cliEnv() });
    if (r.code !== 0) throw new Error(r.stderr);
  });

  test('compose: DATA_SOURCE_<NAME>_URL per stage, credentials as compose secrets (files), never inline', () => {
    const compose = yamlDoc(path.join(dir, 'compose.yaml')) as { services: Record<string, { environment?: Record<string, string>; secrets?: string[] }>; secrets: Record<string, { file: string }> };
    validateComposeSpec(compose, 'compose.yaml');
    expect(compose.services.extract!.environment).toMatchObject({
      DATA_SOURCE_WAREHOUSE_URL: 'postgres://warehouse.internal.example.com:5432/analytics?sslmode=verify-full',
      DATA_SOURCE_WAREHOUSE_CREDENTIALS_FILE: '/run/secrets/warehouse-credentials',
      DATA_SOURCE_LAKE_URL: 's3://example-churn-lake/features/',
      DATA_SOURCE_REFERENCE_URL: 'https://data.example.com/churn/reference-2026-10.parquet',
    });
    expect(compose.services.extract!.secrets).toEqual(['warehouse-credentials', 'lake-credentials']);
    // A stage gets only the sources it lists.
    expect(Object.keys(compose.services.serve!.environment!).filter((k) => k.startsWith('DATA_SOURCE_'))).toEqual(['DATA_SOURCE_LAKE_URL', 'DATA_SOURCE_LAKE_CREDENTIALS_FILE']);
    expect(compose.secrets).toEqual({ 'warehouse-credentials': { file: './secrets/warehouse-credentials' }, 'lake-credentials': { file: './secrets/lake-credentials' } });
    expect(readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toMatch(/^secrets$/m);
    if (existsSync('/usr/bin/docker-compose')) execFileSync('/usr/bin/docker-compose', ['-f', path.join(dir, 'compose.yaml'), 'config'], { cwd: dir, env: { PATH: process.env.PATH, HOME: work }, stdio: 'pipe' });
  });

  test('swarm: the same variables, secrets created on the swarm (external)', () => {
    const stack = yamlDoc(path.join(dir, 'docker-stack.yml')) as { services: Record<string, { secrets?: string[] }>; secrets: Record<string, unknown> };
    validateComposeSpec(stack, 'docker-stack.yml');
    expect(stack.secrets).toEqual({ 'warehouse-credentials': { external: true }, 'lake-credentials': { external: true } });
    expect(stack.services.train!.secrets).toEqual(['lake-credentials']);
    if (existsSync('/usr/local/bin/docker')) execFileSync('/usr/local/bin/docker', ['stack', 'config', '-c', path.join(dir, 'docker-stack.yml')], { env: { PATH: process.env.PATH, HOME: work }, stdio: 'pipe' });
  });

  test('Kubernetes: URLs from a ConfigMap (configMapKeyRef), credentials from their Secret (envFrom.secretRef); objects validate', () => {
    const config = yamlDocs(path.join(dir, 'k8s/base/config.yaml'));
    const cm = config.find((d) => (d.metadata as { name: string }).name === 'churn-data-sources')!;
    expect(cm.data).toEqual({
      DATA_SOURCE_WAREHOUSE_URL: 'postgres://warehouse.internal.example.com:5432/analytics?sslmode=verify-full',
      DATA_SOURCE_LAKE_URL: 's3://example-churn-lake/features/',
      DATA_SOURCE_REFERENCE_URL: 'https://data.example.com/churn/reference-2026-10.parquet',
    });
    for (const f of listFiles(path.join(dir, 'k8s/base')).filter((f) => !f.endsWith('kustomization.yaml'))) {
      for (const doc of yamlDocs(path.join(dir, 'k8s/base', f))) {
        validateK8sObject(doc, f);
        for (const pod of podSpecsOf(doc)) assertRestrictedPod(pod, f);
      }
    }
    const serve = yamlDocs(path.join(dir, 'k8s/base/services/serve.yaml'))[0]!;
    const container = (serve.spec as { template: { spec: { containers: { env: unknown[]; envFrom: unknown[] }[] } } }).template.spec.containers[0]!;
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'churn-serve-env' } }, { secretRef: { name: 'lake-credentials' } }]);
    expect(container.env).toEqual([{ name: 'DATA_SOURCE_LAKE_URL', valueFrom: { configMapKeyRef: { name: 'churn-data-sources', key: 'DATA_SOURCE_LAKE_URL' } } }]);
    for (const overlay of ['dev', 'prod']) execFileSync('kubectl', ['kustomize', path.join(dir, 'k8s/overlays', overlay)], { stdio: 'pipe' });
  });

  test('mlready lint finds nothing above info', async () => {
    const r = await runCli(['lint', '--format', 'json', dir], { cwd: dir, env: cliEnv() });
    const failing = (JSON.parse(r.stdout) as { findings: { ruleId: string; severity: string; outcome: string; message: string }[] }).findings.filter((f) => f.outcome === 'fail' && f.severity !== 'info');
    expect(failing.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
    expect(r.code).toBe(0);
  });

  test('credentials written into a spec URL are stripped from every generated file, with a warning', async () => {
    const d = path.join(work, 'leaky');
    cpSync(path.join(ROOT, 'examples', 'data-sources'), d, { recursive: true });
    const specFile = path.join(d, 'mlready.yaml');
    writeFileSync(specFile, readFileSync(specFile, 'utf8').replace('postgres://warehouse.internal', `postgres://etl:${SECRET}@warehouse.internal`).replace('sslmode=verify-full', `sslmode=verify-full&password=${SECRET}`));
    const r = await runCli(['scaffold'], { cwd: d, env: cliEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/data source warehouse: the password, the user name, query parameter password removed from its URL/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    for (const f of listFiles(d).filter((f) => f !== 'mlready.yaml')) expect([f, readFileSync(path.join(d, f), 'utf8').includes(SECRET)]).toEqual([f, false]);
  });
});
