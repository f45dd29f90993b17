/**
 * Data-source URLs (`spec.dataSources[].url`): where each one is reached from the network, whether the
 * scheme uses TLS, and the URL with its credentials stripped.
 *
 * Credentials never leave this module: a password, a user name, and query parameters that carry secrets
 * (`password=`, `sslpassword=`, SAS `sig=`, `X-Amz-Signature=`, tokens, keys) are removed from the URL
 * scaffold writes into containers, and nothing returned here — endpoints, errors — contains them. Errors
 * name the data source and the problem, never the URL.
 *
 * Object stores are reached through their API endpoints, not the bucket name: `s3://bucket/prefix` →
 * `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` when set (MinIO, Ceph, LocalStack…), else
 * `s3.<AWS_REGION>.amazonaws.com` (or `s3.amazonaws.com` without a region), port 443; `gs://` →
 * `storage.googleapis.com:443`.
 */
import { isIP } from 'node:net';

export interface Endpoint {
  /** The scheme as written, lower-cased ("postgresql", "s3", "https"). */
  scheme: string;
  /** Host name or IP address to resolve and connect to (no brackets around IPv6). */
  host: string;
  port: number;
  /** The client will speak TLS: https, s3, gs, rediss, postgres with sslmode=require or stricter… */
  tlsExpected: boolean;
  /**
   * How TLS starts: `direct` (TLS from the first byte), `postgres` (SSLRequest, then TLS), `mysql` (the
   * server's greeting offers SSL, the client's SSLRequest packet, then TLS), or `none`.
   */
  tls: 'direct' | 'postgres' | 'mysql' | 'none';
  /** The client verifies the server certificate (https, s3, gs; postgres verify-ca/verify-full). */
  verify: boolean;
  /** A CA bundle the client is told to trust (postgres sslrootcert=, mysql ssl-ca=, AWS_CA_BUNDLE for s3). */
  caFile?: string;
  /** Look up SRV records first (mongodb+srv). */
  srv?: string;
  /** Where the endpoint came from, in words ("AWS_ENDPOINT_URL", "the bucket's regional endpoint"…). */
  via: string;
}

export interface ParsedDataSource {
  endpoint: Endpoint;
  /** The URL without credentials: what scaffold writes into DATA_SOURCE_<NAME>_URL. */
  safeUrl: string;
  /** What was removed (for a warning), in words without the values: ["the password", "query parameter sig"]. */
  removed: string[];
}

export class DataSourceUrlError extends Error {}

/** Query parameters whose values are secrets (matched case-insensitively, as whole names). */
const SECRET_PARAM = /^(password|passwd|pwd|pass|sslpassword|secret|secret[-_]?key|access[-_]?key|access[-_]?key[-_]?id|aws[-_]?access[-_]?key[-_]?id|aws[-_]?secret[-_]?access[-_]?key|token|access[-_]?token|auth[-_]?token|session[-_]?token|x-amz-security-token|x-amz-signature|x-amz-credential|x-goog-signature|x-goog-credential|sig|signature|sas|api[-_]?key|apikey|private[-_]?key|client[-_]?secret|credentials?|authsource[-_]?password)$/i;

/** Schemes whose user-info is not a credential but part of the address (Azure: container@account). */
const USERINFO_IS_ADDRESS = new Set(['abfs', 'abfss', 'wasb', 'wasbs']);

const POSTGRES_TLS_MODES = new Set(['require', 'verify-ca', 'verify-full']);
const POSTGRES_VERIFY_MODES = new Set(['verify-ca', 'verify-full']);

interface SchemeInfo {
  port: number;
  tls: Endpoint['tls'];
  verify: boolean;
}

/** Schemes with a fixed port and TLS behaviour when the URL names its host. */
const DIRECT: Record<string, SchemeInfo> = {
  https: { port: 443, tls: 'direct', verify: true },
  http: { port: 80, tls: 'none', verify: false },
  abfss: { port: 443, tls: 'direct', verify: true },
  wasbs: { port: 443, tls: 'direct', verify: true },
  abfs: { port: 80, tls: 'none', verify: false },
  wasb: { port: 80, tls: 'none', verify: false },
  rediss: { port: 6379, tls: 'direct', verify: true },
  redis: { port: 6379, tls: 'none', verify: false },
  hdfs: { port: 8020, tls: 'none', verify: false },
  webhdfs: { port: 9870, tls: 'none', verify: false },
  swebhdfs: { port: 9871, tls: 'direct', verify: true },
  kafka: { port: 9092, tls: 'none', verify: false },
  clickhouse: { port: 9000, tls: 'none', verify: false },
  ftp: { port: 21, tls: 'none', verify: false },
  sftp: { port: 22, tls: 'none', verify: false },
};

function env(e: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = e[n];
    if (v !== undefined && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/** A bracketed IPv6 host ("[::1]") as a plain address. */
const bare = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);

function portOf(u: URL, fallback: number, name: string): number {
  if (u.port === '') return fallback;
  const p = Number(u.port);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new DataSourceUrlError(`data source ${name}: the port is not a number from 1 to 65535`);
  return p;
}

/**
 * Parses `url` (from data source `name`); `environment` supplies AWS_ENDPOINT_URL*, AWS_REGION and
 * AWS_CA_BUNDLE for s3://. Throws DataSourceUrlError with a message that never contains the URL.
 */
export function parseDataSource(name: string, url: string, environment: NodeJS.ProcessEnv = process.env): ParsedDataSource {
  const { u, scheme, safeUrl, removed } = strip(name, url);
  return { endpoint: endpointOf(name, scheme, u, environment), safeUrl, removed };
}

/** The URL without credentials (what scaffold writes), and what was removed; no endpoint is worked out. */
export function stripCredentials(name: string, url: string): { safeUrl: string; removed: string[]; scheme: string } {
  const { safeUrl, removed, scheme } = strip(name, url);
  return { safeUrl, removed, scheme };
}

function strip(name: string, url: string): { u: URL; scheme: string; safeUrl: string; removed: string[] } {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url);
  if (!schemeMatch) throw new DataSourceUrlError(`data source ${name}: the URL has no scheme (expected e.g. postgres://, s3://, https://)`);
  const scheme = schemeMatch[1]!.toLowerCase();
  let u: URL;
  try {
    // WHATWG URL parses any scheme; an opaque host keeps its case, which DNS ignores anyway.
    u = new URL(url);
  } catch {
    throw new DataSourceUrlError(`data source ${name}: the URL cannot be parsed (scheme ${scheme})`);
  }
  const removed: string[] = [];
  const keepUser = USERINFO_IS_ADDRESS.has(scheme);
  if (u.password) {
    removed.push('the password');
    u.password = '';
  }
  if (u.username && !keepUser) {
    removed.push('the user name');
    u.username = '';
  }
  const params = [...u.searchParams.keys()];
  for (const key of [...new Set(params)]) {
    if (SECRET_PARAM.test(key)) {
      removed.push(`query parameter ${/^[A-Za-z0-9_.-]{1,40}$/.test(key) ? key : '(unnamed)'}`);
      u.searchParams.delete(key);
    }
  }
  const safeUrl = removed.length ? rebuild(u, url) : url;
  return { u, scheme, safeUrl, removed };
}

/** The URL without what was removed; keeps the original spelling when only credentials went away. */
function rebuild(u: URL, original: string): string {
  const out = u.toString();
  // URL serialises "?" with an empty query as nothing; an empty trailing "?" is fine either way.
  return out.endsWith('?') && !original.endsWith('?') ? out.slice(0, -1) : out;
}

function endpointOf(name: string, scheme: string, u: URL, e: NodeJS.ProcessEnv): Endpoint {
  const host = bare(u.hostname);
  const need = (what: string) => {
    if (!host) throw new DataSourceUrlError(`data source ${name}: ${scheme}:// needs ${what}`);
  };
  switch (scheme) {
    case 's3':
    case 's3a':
    case 's3n': {
      const custom = env(e, 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL');
      const caFile = env(e, 'AWS_CA_BUNDLE');
      if (custom) {
        let c: URL;
        try {
          c = new URL(custom);
        } catch {
          throw new DataSourceUrlError(`data source ${name}: AWS_ENDPOINT_URL is not a URL`);
        }
        const tls = c.protocol === 'https:';
        return {
          scheme,
          host: bare(c.hostname),
          port: portOf(c, tls ? 443 : 80, name),
          tlsExpected: tls,
          tls: tls ? 'direct' : 'none',
          verify: tls,
          ...(caFile && tls ? { caFile } : {}),
          via: env(e, 'AWS_ENDPOINT_URL_S3') ? 'AWS_ENDPOINT_URL_S3' : 'AWS_ENDPOINT_URL',
        };
      }
      const region = env(e, 'AWS_REGION', 'AWS_DEFAULT_REGION');
      if (region && !/^[a-z0-9-]{1,40}$/.test(region)) throw new DataSourceUrlError(`data source ${name}: AWS_REGION is not a region name`);
      return {
        scheme,
        host: region ? `s3.${region}.amazonaws.com` : 's3.amazonaws.com',
        port: 443,
        tlsExpected: true,
        tls: 'direct',
        verify: true,
        ...(caFile ? { caFile } : {}),
        via: region ? `the S3 endpoint of ${region} (AWS_REGION)` : 'the global S3 endpoint (no AWS_REGION)',
      };
    }
    case 'gs':
    case 'gcs':
      return { scheme, host: 'storage.googleapis.com', port: 443, tlsExpected: true, tls: 'direct', verify: true, via: 'the Cloud Storage API endpoint' };
    case 'bigquery':
      return { scheme, host: 'bigquery.googleapis.com', port: 443, tlsExpected: true, tls: 'direct', verify: true, via: 'the BigQuery API endpoint' };
    case 'snowflake': {
      need('an account (snowflake://ACCOUNT/…)');
      const account = host.includes('.') ? host : `${host}.snowflakecomputing.com`;
      return { scheme, host: account, port: portOf(u, 443, name), tlsExpected: true, tls: 'direct', verify: true, via: 'the account endpoint' };
    }
    case 'postgres':
    case 'postgresql': {
      const sslmode = (u.searchParams.get('sslmode') ?? 'prefer').toLowerCase();
      const tls = POSTGRES_TLS_MODES.has(sslmode);
      const queryHost = u.searchParams.get('host');
      const h = host || (queryHost && !queryHost.startsWith('/') ? queryHost.split(',')[0]! : 'localhost');
      if (!host && queryHost?.startsWith('/')) throw new DataSourceUrlError(`data source ${name}: a Unix socket is not reachable over the network`);
      const caFile = u.searchParams.get('sslrootcert') ?? undefined;
      return {
        scheme,
        host: bare(h),
        port: portOf(u, 5432, name),
        tlsExpected: tls,
        tls: tls ? 'postgres' : 'none',
        verify: POSTGRES_VERIFY_MODES.has(sslmode),
        ...(caFile && caFile !== 'system' && tls ? { caFile } : {}),
        via: `sslmode=${sslmode}${u.searchParams.has('sslmode') ? '' : ' (the default)'}`,
      };
    }
    case 'mysql':
    case 'mariadb': {
      need('a host');
      const mode = (u.searchParams.get('ssl-mode') ?? u.searchParams.get('sslmode') ?? '').toUpperCase();
      const tls = ['REQUIRED', 'VERIFY_CA', 'VERIFY_IDENTITY'].includes(mode) || u.searchParams.get('ssl') === 'true';
      const caFile = u.searchParams.get('ssl-ca') ?? u.searchParams.get('sslca') ?? undefined;
      return {
        scheme,
        host,
        port: portOf(u, 3306, name),
        tlsExpected: tls,
        tls: tls ? 'mysql' : 'none',
        verify: ['VERIFY_CA', 'VERIFY_IDENTITY'].includes(mode),
        ...(caFile && tls ? { caFile } : {}),
        via: mode ? `ssl-mode=${mode}` : 'no ssl-mode',
      };
    }
    case 'mongodb': {
      need('a host');
      const tls = ['true', '1'].includes((u.searchParams.get('tls') ?? u.searchParams.get('ssl') ?? '').toLowerCase());
      return { scheme, host, port: portOf(u, 27017, name), tlsExpected: tls, tls: tls ? 'direct' : 'none', verify: tls && u.searchParams.get('tlsInsecure') !== 'true', via: tls ? 'tls=true' : 'no tls parameter' };
    }
    case 'mongodb+srv': {
      need('a host');
      // TLS is on by default for SRV connection strings.
      const tls = !['false', '0'].includes((u.searchParams.get('tls') ?? u.searchParams.get('ssl') ?? 'true').toLowerCase());
      return { scheme, host, port: 27017, tlsExpected: tls, tls: tls ? 'direct' : 'none', verify: tls, srv: `_mongodb._tcp.${host}`, via: 'SRV records' };
    }
    default: {
      const known = DIRECT[scheme];
      need('a host');
      if (known) return { scheme, host, port: portOf(u, known.port, name), tlsExpected: known.tls !== 'none', tls: known.tls, verify: known.verify, via: `${scheme}://` };
      if (u.port === '') throw new DataSourceUrlError(`data source ${name}: no default port is known for ${scheme}://; write the port in the URL`);
      return { scheme, host, port: portOf(u, 0, name), tlsExpected: false, tls: 'none', verify: false, via: 'the port in the URL' };
    }
  }
}

/** DATA_SOURCE_<NAME>_URL for a DNS-1123 name. */
export function dataSourceEnvName(name: string, suffix = 'URL'): string {
  return `DATA_SOURCE_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${suffix}`;
}

export const isIpAddress = (host: string) => isIP(host) !== 0;
