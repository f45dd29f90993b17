/**
 * Proxy variables of this process, with any credentials in them masked.
 *
 * A password must never reach the facts document. Userinfo ends at the last "@" of the authority, and
 * a password may itself hold "/", "#", "?" or "@" unescaped, which moves where a URL parser ends the
 * authority (`http://u:12/pw@proxy` parses as host "u", port 12, path "/pw@proxy": no credentials).
 * So everything before the last "@" is treated as userinfo and replaced by "***"; the rest is kept as
 * written. The WHATWG URL parser then checks the result: if it still finds a password, the whole
 * value is withheld.
 */
import type { NetworkFacts } from '../../facts/schema.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `http://user:secret@proxy:3128` → `http://***@proxy:3128`; a value without "@" is returned as is. */
export function redactProxyUrl(value: string): string {
  const v = value.trim();
  if (!v.includes('@')) return v; // no userinfo without an "@"
  const hasScheme = SCHEME.test(v);
  const start = hasScheme ? v.indexOf('//') + 2 : 0;
  const masked = `${v.slice(0, start)}***@${v.slice(v.lastIndexOf('@') + 1)}`;
  try {
    const url = new URL(hasScheme ? masked : `http://${masked}`);
    if (url.password || (url.username && url.username !== '***')) return '***';
  } catch {
    // Not a URL the parser accepts (a bare "host:port" after the cut, or garbage): nothing secret is left.
  }
  return masked;
}

const VARIABLES = [
  ['HTTP_PROXY', 'http_proxy', 'httpProxy'],
  ['HTTPS_PROXY', 'https_proxy', 'httpsProxy'],
  ['ALL_PROXY', 'all_proxy', 'allProxy'],
  ['NO_PROXY', 'no_proxy', 'noProxy'],
] as const;

/**
 * The proxy settings of an environment. Where both spellings are set, the lowercase one is reported
 * (curl, Python, pip and most tools prefer it; Go prefers the uppercase one), and the pair is listed in
 * `conflicts` when they differ.
 */
export function readProxy(env: NodeJS.ProcessEnv): NetworkFacts['proxy'] {
  const urls: { httpProxy?: string; httpsProxy?: string; allProxy?: string } = {};
  let noProxy: string[] = [];
  const conflicts: string[] = [];
  for (const [upper, lower, key] of VARIABLES) {
    const u = env[upper]?.trim() || undefined;
    const l = env[lower]?.trim() || undefined;
    if (u !== undefined && l !== undefined && u !== l) conflicts.push(`${upper}/${lower}`);
    const value = l ?? u;
    if (value === undefined) continue;
    if (key === 'noProxy') {
      noProxy = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else {
      urls[key] = redactProxyUrl(value);
    }
  }
  return { ...urls, noProxy, conflicts };
}
