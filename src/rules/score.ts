/**
 * Scores, grade, coverage and the gate.
 *
 *   applicable      = pass + fail + unknown + waived
 *   category score  = weight passed ÷ weight of (pass + fail) × 100, null when nothing was evaluated
 *   overall score   = the same over every finding
 *   coverage        = (pass + fail) ÷ (pass + fail + unknown) × 100, null when nothing applies
 *   grade           = A ≥ 90, B ≥ 80, C ≥ 70, D ≥ 60, F below; at most D while a failing error rule blocks
 *   --strict        = unknown counts as fail (in scores, coverage and the gate)
 */
import type { Finding, Outcome } from './engine.js';
import { byString } from '../util/compare.js';

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F';
export type FailOn = 'error' | 'warning' | 'never';

export interface Counts {
  pass: number;
  fail: number;
  unknown: number;
  waived: number;
  skipped: number;
  applicable: number;
}

export interface CategoryScore extends Counts {
  name: string;
  score: number | null;
}

export interface GateOptions {
  failOn: FailOn;
  failUnder?: number;
  minCoverage?: number;
  strict?: boolean;
}

export interface Gate {
  passed: boolean;
  reasons: string[];
  failOn: FailOn;
  failUnder?: number;
  minCoverage?: number;
  strict: boolean;
}

export interface Scores {
  score: number | null;
  grade: Grade | null;
  coverage: number | null;
  counts: Counts;
  categories: CategoryScore[];
  /** Failing error-severity findings (not waived). */
  blocking: Finding[];
  gate: Gate;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The outcome scoring sees: under --strict an unknown is a fail. */
export function effectiveOutcome(f: Finding, strict: boolean): Outcome {
  return strict && f.outcome === 'unknown' ? 'fail' : f.outcome;
}

function count(findings: Finding[], strict: boolean): Counts & { weightPass: number; weightEvaluated: number } {
  const c = { pass: 0, fail: 0, unknown: 0, waived: 0, skipped: 0, applicable: 0, weightPass: 0, weightEvaluated: 0 };
  for (const f of findings) {
    const o = effectiveOutcome(f, strict);
    c[o]++;
    if (o !== 'skipped') c.applicable++;
    if (o === 'pass') c.weightPass += f.weight;
    if (o === 'pass' || o === 'fail') c.weightEvaluated += f.weight;
  }
  return c;
}

export function gradeFor(score: number | null, blocking: boolean): Grade | null {
  if (score === null) return null;
  let grade: Grade = score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : score >= 60 ? 'D' : 'F';
  if (blocking && grade < 'D') grade = 'D';
  return grade;
}

const SEVERITY_RANK = { info: 0, warning: 1, error: 2 } as const;

export function score(findings: Finding[], options: GateOptions): Scores {
  const strict = options.strict ?? false;
  const all = count(findings, strict);
  const byCategory = new Map<string, Finding[]>();
  for (const f of findings) byCategory.set(f.category, [...(byCategory.get(f.category) ?? []), f]);
  const categories: CategoryScore[] = [...byCategory.entries()]
    .sort(([a], [b]) => byString(a, b))
    .map(([name, list]) => {
      const c = count(list, strict);
      const { weightPass, weightEvaluated, ...counts } = c;
      return { name, ...counts, score: weightEvaluated > 0 ? round1((weightPass / weightEvaluated) * 100) : null };
    });
  const overall = all.weightEvaluated > 0 ? round1((all.weightPass / all.weightEvaluated) * 100) : null;
  const evaluated = all.pass + all.fail + all.unknown;
  const coverage = evaluated > 0 ? round1(((all.pass + all.fail) / evaluated) * 100) : null;
  const failing = findings.filter((f) => effectiveOutcome(f, strict) === 'fail');
  const blocking = failing.filter((f) => f.severity === 'error');

  const reasons: string[] = [];
  if (options.failOn !== 'never') {
    const threshold = SEVERITY_RANK[options.failOn];
    const gating = failing.filter((f) => SEVERITY_RANK[f.severity] >= threshold && !f.baseline);
    if (gating.length > 0) {
      const ids = gating.map((f) => f.ruleId);
      reasons.push(
        `${gating.length} failing finding${gating.length === 1 ? '' : 's'} of severity ${options.failOn}${options.failOn === 'error' ? '' : ' or higher'}` +
          `${findings.some((f) => f.baseline) ? ' not in the baseline' : ''}: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`,
      );
    }
  }
  if (options.failUnder !== undefined && (overall === null || overall < options.failUnder)) {
    reasons.push(`score ${overall ?? 'n/a'} is below --fail-under ${options.failUnder}`);
  }
  if (options.minCoverage !== undefined && (coverage ?? 0) < options.minCoverage) {
    reasons.push(`coverage ${coverage ?? 0}% is below --min-coverage ${options.minCoverage}%`);
  }
  const { weightPass, weightEvaluated, ...counts } = all;
  void weightPass;
  void weightEvaluated;
  return {
    score: overall,
    grade: gradeFor(overall, blocking.length > 0),
    coverage,
    counts,
    categories,
    blocking,
    gate: {
      passed: reasons.length === 0,
      reasons,
      failOn: options.failOn,
      ...(options.failUnder !== undefined ? { failUnder: options.failUnder } : {}),
      ...(options.minCoverage !== undefined ? { minCoverage: options.minCoverage } : {}),
      strict,
    },
  };
}
