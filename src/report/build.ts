/** Assembles the report document from an evaluation. Renderers only format what this returns. */
import type { Facts } from '../facts/schema.js';
import type { Evaluation } from '../rules/engine.js';
import type { LoadedProfile } from '../rules/load.js';
import { score, type GateOptions } from '../rules/score.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { Report } from './schema.js';
import { REPORT_SCHEMA_VERSION } from './version.js';
import { byString } from '../util/compare.js';

export interface ReportInput {
  kind: Report['kind'];
  evaluation: Evaluation;
  profile: LoadedProfile;
  profileSource: Report['profile']['source'];
  profileWhy: string;
  gate: GateOptions;
  inputs: Report['inputs'];
  facts?: Facts;
  lint?: Report['lint'];
  baselineFile?: string;
  now?: Date;
}

const OUTCOME_ORDER = { fail: 0, unknown: 1, waived: 2, pass: 3, skipped: 4 } as const;
const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Findings in reading order: blocking failures first, then by severity, outcome and id. */
export function sortFindings<T extends { outcome: keyof typeof OUTCOME_ORDER; severity: keyof typeof SEVERITY_ORDER; ruleId: string }>(list: T[]): T[] {
  return [...list].sort(
    (a, b) =>
      OUTCOME_ORDER[a.outcome] - OUTCOME_ORDER[b.outcome] ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      byString(a.ruleId, b.ruleId),
  );
}

export function buildReport(input: ReportInput): Report {
  const s = score(input.evaluation.findings, input.gate);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: input.kind,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    generatedAt: (input.now ?? new Date()).toISOString(),
    profile: {
      name: input.profile.name,
      description: input.profile.description,
      source: input.profileSource,
      why: input.profileWhy,
    },
    score: s.score,
    grade: s.grade,
    coverage: s.coverage,
    summary: { ...s.counts, blocking: s.blocking.length },
    gate: { ...s.gate, ...(input.baselineFile ? { baseline: input.baselineFile } : {}) },
    categories: s.categories,
    findings: sortFindings(input.evaluation.findings),
    waivers: { expired: input.evaluation.expiredWaivers },
    inputs: input.inputs,
    ...(input.facts ? { facts: input.facts } : {}),
    ...(input.lint ? { lint: input.lint } : {}),
  };
}
