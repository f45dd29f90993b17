/**
 * The HTML report: one self-contained file (inline CSS, inline SVG chart, inline script; a Content
 * Security Policy forbids every network fetch), rendered with handlebars so every value is escaped by
 * the library. Bars carry `data-category`/`data-score` so tests (and people) can check them against the
 * JSON report.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { escapeExpression, safeString, template as compileTemplate, type Template } from '../util/templates.js';
import type { Report } from './schema.js';

const LABEL_WIDTH = 130;
const TRACK_WIDTH = 520;
const ROW = 26;

function barColor(score: number | null): string {
  if (score === null) return '#b0bec5';
  if (score >= 90) return '#2e7d32';
  if (score >= 70) return '#b26a00';
  return '#c62828';
}

/** The HTML report template (also precompiled by the build). */
export const HTML_TEMPLATE = path.join('templates', 'report', 'report.html.hbs');

export const HTML_HELPERS = {
  eq: (a: unknown, b: unknown) => a === b,
  join: (v: unknown, sep: unknown) => (Array.isArray(v) ? v.join(typeof sep === 'string' ? sep : ', ') : ''),
  // `code` in rule text becomes <code>code</code>; everything else is escaped first.
  inline: (v: unknown) => safeString(escapeExpression(String(v ?? '')).replace(/`([^`]+)`/g, '<code>$1</code>')),
};

let template: Template | undefined;

export function renderHtml(report: Report): string {
  if (!template) {
    const source = readFileSync(path.join(packageRoot(), HTML_TEMPLATE), 'utf8');
    template = compileTemplate(source, { plainText: false, env: 'html', helpers: HTML_HELPERS as never });
  }
  const categories = report.categories.filter((c) => c.applicable > 0);
  const bars = categories.map((c, i) => {
    const width = c.score === null ? 0 : Math.round((c.score / 100) * TRACK_WIDTH * 10) / 10;
    return {
      name: c.name,
      scoreData: c.score === null ? '' : String(c.score),
      scoreText: c.score === null ? 'n/a' : `${c.score}`,
      width,
      y: i * ROW,
      color: barColor(c.score),
      textX: LABEL_WIDTH + TRACK_WIDTH + 8,
    };
  });
  return template({
    report,
    scoreText: report.score === null ? 'n/a' : report.score.toFixed(1),
    scoreData: report.score === null ? '' : String(report.score),
    gradeText: report.grade ?? '–',
    capped: report.summary.blocking > 0 && report.score !== null && report.score >= 70,
    gradeClass: report.grade ?? 'none',
    coverageText: report.coverage === null ? 'n/a' : `${report.coverage}%`,
    coverageData: report.coverage === null ? '' : String(report.coverage),
    chart: { width: LABEL_WIDTH + TRACK_WIDTH + 60, height: Math.max(ROW, categories.length * ROW), labelWidth: LABEL_WIDTH, trackWidth: TRACK_WIDTH, bars },
    severities: ['error', 'warning', 'info'],
    outcomes: [
      { value: 'fail', checked: true },
      { value: 'unknown', checked: true },
      { value: 'waived', checked: true },
      { value: 'pass', checked: false },
      { value: 'skipped', checked: false },
    ],
    categories: categories.map((c) => c.name),
  });
}
