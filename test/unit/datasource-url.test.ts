/**
 * Data-source URLs: the endpoint each scheme is reached at, whether it uses TLS, and credentials stripped —
 * never echoed in errors.
 */
import { dataSourceEnvName, parseDataSource, stripCredentials } from '../../src/datasources/url.js';

const endpoint = (url: string, env: NodeJS.ProcessEnv = {}) => parseDataSource('src', url, env).endpoint;

test('object stores are reached through their API endpoints, not the bucket name', () => {
  expect(endpoint('s3://my-bucket/prefix/')).toMatchObject({ scheme: 's3', host: 's3.amazonaws.com', port: 443, tlsExpected: true, tls: 'direct' });
  expect(endpoint('s3://my-bucket/prefix/', { AWS_REGION: 'eu-west-1' })).toMatchObject({ host: 's3.eu-west-1.amazonaws.com', port: 443 });
  expect(endpoint('s3://b', { AWS_DEFAULT_REGION: 'us-east-2' }).host).toBe('s3.us-east-2.amazonaws.com');
  // MinIO, Ceph, LocalStack: AWS_ENDPOINT_URL(_S3) wins, its scheme decides TLS.
  expect(endpoint('s3://b/k', { AWS_ENDPOINT_URL: 'http://minio.lab:9000', AWS_REGION: 'eu-west-1' })).toMatchObject({ host: 'minio.lab', port: 9000, tlsExpected: false, tls: 'none', via: 'AWS_ENDPOINT_URL' });
  expect(endpoint('s3a://b/k', { AWS_ENDPOINT_URL: 'http://x:1', AWS_ENDPOINT_URL_S3: 'https://localhost:9443', AWS_CA_BUNDLE: '/etc/ca.pem' }))
    .toMatchObject({ host: 'localhost', port: 9443, tlsExpected: true, caFile: '/etc/ca.pem', via: 'AWS_ENDPOINT_URL_S3' });
  expect(endpoint('gs://bucket/path')).toMatchObject({ host: 'storage.googleapis.com', port: 443, tlsExpected: true });
  expect(endpoint('bigquery://project/dataset').host).toBe('bigquery.googleapis.com');
  expect(endpoint('snowflake://acme-eu/db').host).toBe('acme-eu.snowflakecomputing.com');
  expect(endpoint('abfss://raw@acmelake.dfs.core.windows.net/events')).toMatchObject({ host: 'acmelake.dfs.core.windows.net', port: 443, tlsExpected: true });
});

test('PostgreSQL uses TLS from sslmode=require on; the default (prefer) is not TLS', () => {
  expect(endpoint('postgres://db.internal:5432/analytics')).toMatchObject({ host: 'db.internal', port: 5432, tlsExpected: false, tls: 'none' });
  expect(endpoint('postgresql://db.internal/analytics?sslmode=require')).toMatchObject({ port: 5432, tlsExpected: true, tls: 'postgres', verify: false });
  expect(endpoint('postgres://db:6543/x?sslmode=verify-full&sslrootcert=/ca.pem')).toMatchObject({ port: 6543, tlsExpected: true, verify: true, caFile: '/ca.pem' });
  expect(endpoint('postgres://[::1]:5432/x').host).toBe('::1');
  expect(endpoint('postgres:///x?host=db.example.com').host).toBe('db.example.com');
  expect(() => endpoint('postgres:///x?host=/var/run/postgresql')).toThrow(/Unix socket/);
});

test('other schemes: https, redis/rediss, mongodb, mysql; an unknown scheme needs a port', () => {
  expect(endpoint('https://data.example.com/file.parquet')).toMatchObject({ port: 443, tlsExpected: true, tls: 'direct', verify: true });
  expect(endpoint('http://data.example.com:8080/x')).toMatchObject({ port: 8080, tlsExpected: false });
  expect(endpoint('rediss://cache:6380')).toMatchObject({ port: 6380, tlsExpected: true, tls: 'direct' });
  expect(endpoint('redis://cache')).toMatchObject({ port: 6379, tlsExpected: false });
  expect(endpoint('mongodb://m1:27017/db?tls=true')).toMatchObject({ tlsExpected: true, tls: 'direct' });
  expect(endpoint('mongodb+srv://cluster0.example.net/db')).toMatchObject({ tlsExpected: true, srv: '_mongodb._tcp.cluster0.example.net' });
  expect(endpoint('mysql://db/x?ssl-mode=REQUIRED')).toMatchObject({ port: 3306, tlsExpected: true, tls: 'mysql' });
  expect(endpoint('thrift://hive:9083')).toMatchObject({ port: 9083, tlsExpected: false });
  expect(() => endpoint('thrift://hive')).toThrow(/no default port is known for thrift/);
});

test('credentials are stripped from the URL and never appear in what is returned or thrown', () => {
  const secret = 'S3cr3t-p@ss';
  const r = parseDataSource('warehouse', `postgres://analyst:${encodeURIComponent(secret)}@db.internal:5432/analytics?sslmode=require&password=${encodeURIComponent(secret)}&application_name=etl`, {});
  expect(r.safeUrl).toBe('postgres://db.internal:5432/analytics?sslmode=require&application_name=etl');
  expect(r.removed).toEqual(['the password', 'the user name', 'query parameter password']);
  expect(JSON.stringify(r)).not.toMatch(/S3cr3t|analyst/);

  const sas = stripCredentials('lake', 'https://acme.blob.core.windows.net/raw/events.parquet?sv=2022-11-02&sig=AbCdEf%2Bsecret&se=2026-12-01');
  expect(sas.safeUrl).toBe('https://acme.blob.core.windows.net/raw/events.parquet?sv=2022-11-02&se=2026-12-01');
  const presigned = stripCredentials('x', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA123&X-Amz-Signature=abcd&X-Amz-Security-Token=tok&X-Amz-Expires=60');
  expect(presigned.safeUrl).not.toMatch(/AKIA123|abcd|tok/);
  expect(presigned.safeUrl).toContain('X-Amz-Expires=60');
  // A URL without credentials comes back exactly as written.
  expect(stripCredentials('x', 's3://bucket/prefix/?versionId=3').safeUrl).toBe('s3://bucket/prefix/?versionId=3');
  // Azure's container@account is an address, not a credential.
  expect(stripCredentials('x', 'abfss://raw@acmelake.dfs.core.windows.net/events').safeUrl).toBe('abfss://raw@acmelake.dfs.core.windows.net/events');

  for (const bad of [`postgres://u:${secret}@db:99999/x`, `foo://u:${secret}@host/x`, `notaurl:${secret}`]) {
    let message = '';
    try {
      parseDataSource('warehouse', bad, {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^data source warehouse: /);
    expect(message).not.toContain(secret);
  }
});

test('environment variable names', () => {
  expect(dataSourceEnvName('feature-store')).toBe('DATA_SOURCE_FEATURE_STORE_URL');
  expect(dataSourceEnvName('lake', 'CREDENTIALS_FILE')).toBe('DATA_SOURCE_LAKE_CREDENTIALS_FILE');
});
