/**
 * `mlready assess --notify URL`: after the gate, POST a compact summary to a webhook (Slack incoming
 * webhooks, Microsoft Teams workflows, Mattermost, or any endpoint that takes JSON).
 *
 * - The body is Slack-compatible (`text`: verdict, score, grade, blocking findings) plus structured
 *   fields under `mlready`.
 * - One attempt of at most 5 s (MLREADY_NOTIFY_TIMEOUT, seconds), and one retry after a network error, a
 *   timeout, 429 or a 5xx. A webhook that fails never fails the run and never changes the gate's exit
 *   code: one line on stderr says so.
 * - Webhook URLs carry their token in the path: the URL is never printed, never put in a report, and
 *   never part of an error message (errors from fetch are reduced to a code such as ECONNREFUSED).
 *   `MLREADY_NOTIFY_URL` can hold it instead of the command line (which other users can read in `ps`).
 */
import type { Report } from '../report/schema.js';

const DEFAULT_TIMEOUT_MS = 5000;
const RETRY_DELAY_MS = 500;
const MAX_LISTED = 5;
const SEVERITY_RANK = { info: 1, warning: 2, error: 3 } as const;

export interface NotifyOptions {
  timeoutMs?: number;
  /** Where the one-line warning goes (stderr). */
  warn?: (line: string) => void;
  fetchImpl?: typeof fetch;
}

/** Findings that fail the gate (or, with --fail-on never, the blocking ones). */
function gating(report: Report) {
  const strict = report.gate.strict;
  const failing = report.findings.filter((f) => f.outcome === 'fail' || (strict && f.outcome === 'unknown'));
  const threshold = report.gate.failOn === 'never' ? SEVERITY_RANK.error : SEVERITY_RANK[report.gate.failOn];
  return failing.filter((f) => SEVERITY_RANK[f.severity] >= threshold && !f.baseline);
}

/** The JSON body: Slack's `text`, and the same facts as fields for machines. */
export function notificationBody(report: Report): Record<string, unknown> {
  const blocking = gating(report);
  const verdict = report.gate.passed ? 'passed' : 'failed';
  const host = report.facts?.host.hostname ?? '';
  const lines = [
    `${report.gate.passed ? ':white_check_mark:' : ':x:'} mlready ${report.kind}${host ? ` on ${host}` : ''}: gate ${verdict} — score ${report.score ?? 'n/a'}, grade ${report.grade ?? 'n/a'}, profile ${report.profile.name}, coverage ${report.coverage ?? 'n/a'}%`,
    ...report.gate.reasons.map((r) => `• ${r}`),
    ...blocking.slice(0, MAX_LISTED).map((f) => `• ${f.ruleId} (${f.severity}) ${f.title}`),
    ...(blocking.length > MAX_LISTED ? [`• … and ${blocking.length - MAX_LISTED} more`] : []),
  ];
  return {
    text: lines.join('\n'),
    mlready: {
      kind: report.kind,
      version: report.tool.version,
      generatedAt: report.generatedAt,
      verdict,
      passed: report.gate.passed,
      score: report.score,
      grade: report.grade,
      coverage: report.coverage,
      profile: report.profile.name,
      summary: report.summary,
      reasons: report.gate.reasons,
      blocking: blocking.map((f) => ({ ruleId: f.ruleId, title: f.title, severity: f.severity, category: f.category })),
    },
  };
}

/** Why an attempt failed, in words that hold no URL. */
function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; cause?: { code?: string; name?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError') return `timed out after ${timeoutMs / 1000} s`;
  const code = e?.cause?.code ?? e?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return `network error ${code}`;
  return 'network error';
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts the summary; resolves in every case (true: delivered). At most two attempts, each bounded by
 * the timeout.
 */
export async function notifyWebhook(url: string, report: Report, opts: NotifyOptions = {}): Promise<boolean> {
  const warn = opts.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const envTimeout = Number(process.env.MLREADY_NOTIFY_TIMEOUT);
  const timeoutMs = opts.timeoutMs ?? (envTimeout > 0 ? envTimeout * 1000 : DEFAULT_TIMEOUT_MS);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    warn('mlready: warning: --notify: not an http(s) URL; no notification was sent (the gate\'s result is unchanged)');
    return false;
  }
  const body = JSON.stringify(notificationBody(report));
  const doFetch = opts.fetchImpl ?? fetch;
  let last = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const res = await doFetch(parsed, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': `mlready/${report.tool.version}` },
        body,
        // A redirect could carry the summary somewhere else: a webhook answers where it is asked.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The answer is not needed; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return true;
      last = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) break; // the request itself is wrong: a retry gives the same answer
    } catch (error) {
      last = describe(error, timeoutMs);
    }
    if (attempt === 1) await sleep(RETRY_DELAY_MS);
  }
  warn(`mlready: warning: --notify: the webhook did not take the summary (${last}); the gate's result is unchanged`);
  return false;
}

/** The hook `assess` calls after the gate: the flag, else MLREADY_NOTIFY_URL; nothing when neither is set. */
export async function notifyAfterGate(report: Report, flag: string | undefined): Promise<void> {
  const url = flag ?? process.env.MLREADY_NOTIFY_URL;
  if (url === undefined) return;
  try {
    await notifyWebhook(url, report);
  } catch {
    // notifyWebhook resolves in every case; this is the backstop that keeps the gate's exit code.
    process.stderr.write('mlready: warning: --notify: the summary could not be sent; the gate\'s result is unchanged\n');
  }
}
