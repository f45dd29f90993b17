/**
 * Keeps credentials out of facts, reasons and --debug output. Every string the Kubernetes probe
 * emits passes through a Scrubber that knows the current user's secrets (token, password, client
 * key, auth-provider config, exec-plugin environment and arguments, the token an exec plugin
 * returned) and also masks anything shaped like a credential (bearer tokens, PEM private keys,
 * `token=…` pairs), since errors from @kubernetes/client-node or js-yaml can quote them.
 */

/** The parts of a client-node `User` that can hold secrets. */
export interface UserSecrets {
  token?: string | null;
  password?: string | null;
  keyData?: string | null;
  certData?: string | null;
  authProvider?: unknown;
  exec?: { command?: string; args?: unknown[] | null; env?: { name?: string; value?: unknown }[] | null } | null;
}

const MASK = '***';
const MIN_SECRET = 6;
const SECRET_FLAG = /token|secret|password|passwd|key|credential|auth/i;

const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '[private key]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${MASK}`],
  [/\b(token|access[-_]?token|id[-_]?token|refresh[-_]?token|password|passwd|secret|client[-_]?secret|client-key-data|passphrase)(["']?\s*[:=]\s*["']?)[^\s"',;}&]+/gi, `$1$2${MASK}`],
  [/(\/\/)[^/@\s:]+:[^/@\s]+@/g, `$1${MASK}@`],
];

export class Scrubber {
  private secrets: string[] = [];

  /** Remembers a secret value (ignored when too short to be one, or not a string). */
  add(value: unknown): void {
    if (Buffer.isBuffer(value)) value = value.toString('utf8');
    if (typeof value !== 'string') return;
    const v = value.trim();
    if (v.length < MIN_SECRET || this.secrets.includes(v)) return;
    this.secrets.push(v);
    // Base64 forms travel in kubeconfigs (client-key-data); remember what they decode to as well.
    if (/^[A-Za-z0-9+/=\s]{16,}$/.test(v)) {
      const decoded = Buffer.from(v, 'base64').toString('utf8');
      if (/^[\x20-\x7e\r\n\t]+$/.test(decoded)) this.add(decoded);
    }
    this.secrets.sort((a, b) => b.length - a.length);
  }

  /** Every string inside an object (auth-provider configs). */
  addDeep(value: unknown, depth = 0): void {
    if (depth > 6 || value == null) return;
    if (typeof value === 'string' || Buffer.isBuffer(value)) this.add(value);
    else if (Array.isArray(value)) for (const v of value) this.addDeep(v, depth + 1);
    else if (typeof value === 'object') for (const v of Object.values(value)) this.addDeep(v, depth + 1);
  }

  /** The secrets of a kubeconfig user. The exec command itself is not a secret; its arguments and environment may be. */
  addUser(user: UserSecrets | null | undefined): void {
    if (!user) return;
    this.add(user.token);
    this.add(user.password);
    this.add(user.keyData);
    this.addDeep(user.authProvider);
    if (user.exec) {
      const args = (user.exec.args ?? []).filter((a): a is string => typeof a === 'string');
      args.forEach((arg, i) => {
        const eq = arg.indexOf('=');
        if (arg.startsWith('-') && eq > 0 && SECRET_FLAG.test(arg.slice(0, eq))) this.add(arg.slice(eq + 1));
        else if (i > 0 && SECRET_FLAG.test(args[i - 1]!) && args[i - 1]!.startsWith('-')) this.add(arg);
        else if (arg.length >= 24 && !/[\s/]/.test(arg) && !arg.startsWith('-')) this.add(arg);
      });
      for (const e of user.exec.env ?? []) this.add(e?.value);
    }
  }

  /** Request headers as applied by client-node (Authorization from a token, an exec plugin or OIDC). */
  addHeaders(headers: Record<string, unknown> | undefined): void {
    for (const [k, v] of Object.entries(headers ?? {})) {
      if (!/^(authorization|proxy-authorization)$/i.test(k) || typeof v !== 'string') continue;
      this.add(v);
      const space = v.indexOf(' ');
      if (space > 0) this.add(v.slice(space + 1));
    }
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    for (const [re, to] of PATTERNS) out = out.replace(re, to);
    return out;
  }

  /** One line, scrubbed, at most `max` characters: what a reason may be. */
  line(text: string, max = 300): string {
    const first = this.scrub(text).split(/\r?\n/).map((s) => s.trim()).find(Boolean) ?? 'unknown error';
    return first.length > max ? `${first.slice(0, max - 1)}…` : first;
  }

  /** Every string of a facts object, scrubbed (the last line of defence before the facts leave the probe). */
  deep<T>(value: T): T {
    if (typeof value === 'string') return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.deep(v)) as T;
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.scrub(k)] = this.deep(v);
      return out as T;
    }
    return value;
  }
}

/** A server URL for facts and messages: scheme, host, port and path; never userinfo or a query. */
export function displayServer(server: string): string {
  try {
    const u = new URL(server);
    const pathname = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
    return `${u.protocol}//${u.host}${pathname}`;
  } catch {
    return server.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
  }
}
