/**
 * Proxy variables of this process, with any credentials in them masked.
 *
 * A password must never reach the facts document: every value that could carry userinfo (it contains
 * "@") is either rebuilt by the WHATWG URL parser with the userinfo replaced by "***", or, when the
 * parser cannot vouch for where the userinfo ends, cut at its last "@".
 */
import type { NetworkFacts } from '../../facts/schema.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `http://user:secret@proxy:3128` → `http://***@proxy:3128`; a value without credentials is returned as is. */
export function redactProxyUrl(value: string): string {
  const v = value.trim();
  if (!v.includes('@')) return v; // no userinfo without an "@"
  const hasScheme = SCHEME.test(v);
  try {
    const url = new URL(hasScheme ? v : `http://${v}`);
    const atElsewhere = url.pathname.includes('@') || url.search.includes('@') || url.hash.includes('@');
    if ((url.username || url.password) && !atElsewhere) {
      url.username = '***';
      url.password = '';
      let out = url.href;
      if (!hasScheme) out = out.slice('http://'.length);
      if (out.endsWith('/') && !v.endsWith('/')) out = out.slice(0, -1);
      return out;
    }
  } catch {
    // not a URL the parser accepts: fall through to the cautious cut
  }
  // An "@" the parser did not read as the end of userinfo (a password holding "/", "#" or "?"):
  // everything before the last "@" may be secret.
  const start = hasScheme ? v.indexOf('//') + 2 : 0;
  return `${v.slice(0, start)}***@${v.slice(v.lastIndexOf('@') + 1)}`;
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
