/**
 * RuleTester: runs each rule's fixtures (pass, fail, unknown, skipped cases) and reports every case
 * whose outcome differs, in the manner of ESLint's RuleTester and hadolint's ruleCatches/ruleCatchesNot.
 *
 * A case is a facts document: a base fixture (a full facts document under a pack's `fixtures/`, or the
 * built-in `rules/fixtures/`) with the case's `facts` merge patch applied (RFC 7386: objects merge,
 * null deletes, arrays replace). The result must be a valid facts document.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Facts } from '../facts/schema.js';
import { validatorFor } from '../util/validate.js';
import { evaluateArtifactRule, evaluateRule, prepareArtifactContext, prepareContext, type Finding, type Outcome } from './engine.js';
import { collectArtifacts } from '../lint/collect.js';
import { BUILTIN_DIR, type LoadedProfile, type LoadedRule, type RuleSet } from './load.js';
import type { RuleFixtureDoc } from './schema.js';

export interface CaseResult {
  ruleId: string;
  file: string;
  expected: Outcome;
  actual: Outcome;
  name: string;
  ok: boolean;
  detail?: string;
}

export interface TesterReport {
  results: CaseResult[];
  /** Rules that have no tests, or miss a pass or a fail case. */
  untested: string[];
}

/**
 * RFC 7386 merge patch, with one convenience for fixtures: a patch that is exactly
 * `{ status: unknown, reason }` replaces the section wholesale (an unknown section carries only its reason).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const keys = Object.keys(patch).sort().join();
  if ((patch as Record<string, unknown>).status === 'unknown' && keys === 'reason,status') return clone(patch);
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A deep copy made of this realm's objects (structuredClone would not be, under jest's vm). */
function clone(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

const fixtureCache = new Map<string, Facts>();

function loadFixture(name: string, dirs: string[]): Facts {
  for (const dir of dirs) {
    for (const ext of ['.json']) {
      const file = path.join(dir, 'fixtures', name + ext);
      if (!existsSync(file)) continue;
      let facts = fixtureCache.get(file);
      if (!facts) {
        facts = JSON.parse(readFileSync(file, 'utf8')) as Facts;
        fixtureCache.set(file, facts);
      }
      return facts;
    }
  }
  throw new Error(`facts fixture "${name}" not found in ${dirs.map((d) => path.join(d, 'fixtures')).join(' or ')}`);
}

export function runRuleTests(set: RuleSet, options: { only?: (rule: LoadedRule) => boolean } = {}): TesterReport {
  const validate = validatorFor('facts');
  const results: CaseResult[] = [];
  const untested: string[] = [];
  for (const rule of set.rules) {
    if (options.only && !options.only(rule)) continue;
    const tests = rule.tests;
    if (!tests || tests.pass.length === 0 || tests.fail.length === 0) {
      untested.push(rule.id);
      continue;
    }
    // Pack directories are absolute; a rule's file is as given on the command line (often relative).
    const packDir = path.dirname(path.resolve(rule.source.file));
    const dirs = [...new Set([...ancestors(packDir, set.packs.map((p) => p.dir)), BUILTIN_DIR()])];
    const cases: [Outcome, RuleFixtureDoc][] = [
      ...tests.pass.map((c) => ['pass', c] as [Outcome, RuleFixtureDoc]),
      ...tests.fail.map((c) => ['fail', c] as [Outcome, RuleFixtureDoc]),
      ...(tests.unknown ?? []).map((c) => ['unknown', c] as [Outcome, RuleFixtureDoc]),
      ...(tests.skipped ?? []).map((c) => ['skipped', c] as [Outcome, RuleFixtureDoc]),
    ];
    for (const [expected, c] of cases) {
      const record = (actual: Outcome, ok: boolean, detail?: string) =>
        results.push({ ruleId: rule.id, file: rule.source.file, expected, actual, name: c.name, ok, ...(detail ? { detail } : {}) });
      try {
        if (rule.appliesTo === 'artifact') {
          const profileName = c.profile ?? tests.profile ?? (rule.profiles.includes('*') ? 'training-gpu' : rule.profiles[0]!);
          const profile = set.profiles.get(profileName);
          if (!profile) {
            record('unknown', false, `unknown profile "${profileName}"`);
            continue;
          }
          const findings = lintCase(rule, c.files ?? {}, profile);
          const outcome = aggregate(findings);
          const detail = findings.find((f) => f.outcome === outcome)?.[outcome === 'fail' ? 'message' : 'reason'];
          record(outcome, outcome === expected, detail);
          continue;
        }
        const baseName = c.base ?? tests.base ?? 'gpu-server';
        const facts = mergePatch(loadFixture(baseName, dirs), c.facts ?? {}) as Facts;
        if (!validate(facts)) {
          const e = validate.errors?.[0];
          record('unknown', false, `fixture is not a valid facts document: ${e?.instancePath ?? ''} ${e?.message ?? ''}`);
          continue;
        }
        const profileName = c.profile ?? tests.profile ?? (rule.profiles.includes('*') ? 'training-gpu' : rule.profiles[0]!);
        const profile: LoadedProfile | undefined = set.profiles.get(profileName);
        if (!profile) {
          record('unknown', false, `unknown profile "${profileName}"`);
          continue;
        }
        const ctx = prepareContext({ facts, profile, ...(c.workload ? { workload: c.workload } : {}) });
        const finding = evaluateRule(rule, ctx);
        const detail = finding.outcome === 'fail' ? finding.message : finding.reason;
        record(finding.outcome, finding.outcome === expected, detail);
      } catch (e) {
        record('unknown', false, (e as Error).message);
      }
    }
  }
  return { results, untested };
}

/** Lints a case's files (written to a temporary directory, as a user's files would be) with one rule. */
function lintCase(rule: LoadedRule, files: Record<string, string>, profile: LoadedProfile): Finding[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-rule-case-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      const target = path.join(dir, name);
      if (!target.startsWith(dir + path.sep)) throw new Error(`fixture file name escapes the case directory: ${name}`);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    const input = collectArtifacts([dir]);
    return evaluateArtifactRule(rule, prepareArtifactContext({ artifacts: input.artifacts, profile }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A case's outcome: fail when any artifact fails, else unknown, else pass, else skipped. */
function aggregate(findings: Finding[]): Outcome {
  for (const o of ['fail', 'unknown', 'pass'] as const) if (findings.some((f) => f.outcome === o)) return o;
  return 'skipped';
}

/** The pack directories that contain `dir`, innermost first. */
function ancestors(dir: string, packDirs: string[]): string[] {
  return packDirs.filter((p) => dir === p || dir.startsWith(p + path.sep)).sort((a, b) => b.length - a.length);
}
