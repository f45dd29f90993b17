/**
 * The HTTP proxy a data source's client would go through. Clients that speak HTTP (the AWS, Google and
 * Azure SDKs, requests, curl) honour the proxy variables; database drivers (PostgreSQL, MySQL, MongoDB,
 * Redis, Kafka) do not.
 */
import { envProxy, type Proxy } from '../util/proxy.js';
import type { Endpoint } from './url.js';

/** Schemes whose clients speak HTTP(S) to the endpoint. */
const HTTP_SCHEMES = new Set(['https', 'http', 's3', 's3a', 's3n', 'gs', 'gcs', 'bigquery', 'abfs', 'abfss', 'wasb', 'wasbs', 'webhdfs', 'swebhdfs', 'snowflake']);

/**
 * The proxy this endpoint's client would use, or undefined (a driver that ignores proxies, no proxy set,
 * or NO_PROXY matches). Throws ProxyConfigError (naming the variable, never its value) for a proxy the
 * check cannot use.
 */
export function proxyFor(endpoint: Endpoint, env: NodeJS.ProcessEnv): Proxy | undefined {
  if (!HTTP_SCHEMES.has(endpoint.scheme)) return undefined;
  return envProxy({ tls: endpoint.tls === 'direct', host: endpoint.host, port: endpoint.port }, env);
}
