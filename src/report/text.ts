/** The human report: the only place chalk is used. */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Report, ReportFinding } from './schema.js';

export interface TextOptions {
  color: boolean;
  /** Show passing and skipped findings too. */
  verbose?: boolean;
  width?: number;
}

/** Color unless NO_COLOR is set, --no-color was given, or the stream is not a terminal. */
export function wantsColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padLeft = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function indent(text: string, prefix: string): string {
  return text
    .trim()
    .split('\n')
    .map((l) => (l.trim() ? prefix + l.trimEnd() : ''))
    .join('\n');
}

function gradeColor(c: ChalkInstance, grade: string | null): (s: string) => string {
  if (grade === 'A' || grade === 'B') return c.green.bold;
  if (grade === 'C') return c.yellow.bold;
  return c.red.bold;
}

export function renderText(report: Report, options: TextOptions): string {
  const c = new Chalk({ level: options.color ? 2 : 0 });
  const out: string[] = [];
  const s = report.summary;
  const what = report.kind === 'lint' ? 'mlready lint' : 'mlready assess';
  out.push(`${c.bold(what)} — profile ${c.cyan(report.profile.name)} (${report.profile.why})`);
  if (report.inputs.facts) out.push(c.dim(`facts from ${report.inputs.facts}`));
  if (report.lint) out.push(c.dim(`${report.lint.artifacts} artifacts in ${report.lint.files.length} files`));
  const score = report.score === null ? 'n/a' : report.score.toFixed(1);
  const grade = report.grade ?? '-';
  out.push(
    `Score ${gradeColor(c, report.grade)(`${score} (${grade})`)}   coverage ${report.coverage === null ? 'n/a' : `${report.coverage}%`}   ` +
      `${s.pass} pass · ${s.fail} fail · ${s.unknown} unknown · ${s.waived} waived · ${s.skipped} skipped`,
  );
  if (s.blocking > 0 && report.score !== null && report.score >= 70) {
    out.push(c.dim(`grade capped at D by ${s.blocking} blocking finding${s.blocking === 1 ? '' : 's'}`));
  }
  out.push('');

  const header = `${pad('Category', 14)}${padLeft('Score', 7)}${padLeft('Pass', 6)}${padLeft('Fail', 6)}${padLeft('Unknown', 9)}${padLeft('Waived', 8)}`;
  out.push(c.bold(header));
  for (const cat of report.categories.filter((x) => x.applicable > 0)) {
    const sc = cat.score === null ? 'n/a' : cat.score.toFixed(0);
    const color = cat.score === null ? c.dim : cat.score >= 90 ? c.green : cat.score >= 70 ? c.yellow : c.red;
    out.push(
      `${pad(cat.name, 14)}${color(padLeft(sc, 7))}${padLeft(String(cat.pass), 6)}${padLeft(String(cat.fail), 6)}${padLeft(String(cat.unknown), 9)}${padLeft(String(cat.waived), 8)}`,
    );
  }

  const failing = report.findings.filter((f) => f.outcome === 'fail');
  const group = (title: string, list: ReportFinding[], mark: string, color: (s: string) => string, withFix: boolean) => {
    if (list.length === 0) return;
    out.push('', c.bold(`${title} (${list.length})`));
    for (const f of list) {
      const where = f.location ? c.dim(` ${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`) : '';
      const baseline = f.baseline ? c.dim(' [in baseline]') : '';
      out.push(`  ${color(mark)} ${c.bold(f.ruleId)} ${f.title} ${c.dim(`[${f.category}]`)}${where}${baseline}`);
      if (f.message && f.outcome === 'fail') out.push(indent(f.message, '      '));
      if (f.outcome !== 'fail' && f.reason) out.push(indent(f.reason, '      '));
      if (withFix) out.push(indent(`Fix: ${f.remediation}`, '      '));
    }
  };
  group('Blocking — errors', failing.filter((f) => f.severity === 'error'), '✗', c.red, true);
  group('Warnings', failing.filter((f) => f.severity === 'warning'), '!', c.yellow, true);
  group('Info', failing.filter((f) => f.severity === 'info'), 'i', c.blue, true);
  group('Unknown — could not tell', report.findings.filter((f) => f.outcome === 'unknown'), '?', c.magenta, false);
  group('Waived', report.findings.filter((f) => f.outcome === 'waived'), '~', c.dim, false);
  if (options.verbose) {
    group('Passed', report.findings.filter((f) => f.outcome === 'pass'), '✓', c.green, false);
    group('Skipped', report.findings.filter((f) => f.outcome === 'skipped'), '-', c.dim, false);
  }
  if (report.lint?.skipped.length) {
    out.push('', c.dim(`Skipped (${report.lint.skipped.length})`));
    for (const sk of report.lint.skipped) out.push(c.dim(`  ${sk.file}: ${sk.reason}`));
  }
  if (report.waivers.expired.length) {
    out.push('', c.yellow.bold(`Expired waivers (${report.waivers.expired.length}) — no longer applied`));
    for (const w of report.waivers.expired) out.push(`  ${w.rule}${w.scope ? ` (${w.scope})` : ''} expired ${w.expires}: ${w.reason}`);
  }
  out.push('');
  if (report.gate.passed) out.push(c.green.bold('Gate: passed'));
  else out.push(`${c.red.bold('Gate: FAILED')} — ${report.gate.reasons.join('; ')}`);
  return `${out.join('\n')}\n`;
}
