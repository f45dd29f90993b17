/**
 * Evaluates compiled rules over a facts document. Pure: no I/O, no probing.
 *
 * Order of decisions for each rule:
 *   disabled in the config → skipped; not in the profile → skipped; reads `workload` without a spec →
 *   skipped; reads a section of a target that was not probed → skipped; reads a section whose status is
 *   `unknown` → unknown (that section's reason); `when` false → skipped; `check` true → pass, false →
 *   fail; a fact the source did not report → unknown ("… not reported"); then waivers turn a fail or an
 *   unknown into waived.
 */
import type { Facts } from '../facts/schema.js';
import { formatBytes } from '../util/quantity.js';
import { template, templateFromSpec, type Template } from '../util/templates.js';
import { displayPath, type LoadedProfile, type LoadedRule } from './load.js';
import { evaluationMessage, fromCel, toCel, type Reference } from './cel.js';
import type { ConfigDoc, SeverityName, WaiverDoc } from './schema.js';

export type Outcome = 'pass' | 'fail' | 'unknown' | 'waived' | 'skipped';

export interface Finding {
  ruleId: string;
  title: string;
  category: string;
  severity: SeverityName;
  weight: number;
  outcome: Outcome;
  /** What was found, for fail/waived (the rule's message) and unknown (the reason). */
  message?: string;
  /** Why the outcome is unknown, skipped or waived. */
  reason?: string;
  rationale: string;
  remediation: string;
  references: string[];
  /** What the finding is about: the host name for environment rules, a file for artifact rules. */
  scope?: string;
  location?: { file: string; line?: number };
  waiver?: { reason: string; expires?: string };
  /** Present in the baseline report: does not fail the gate. */
  baseline?: boolean;
  source: { file: string; line?: number; pack: string };
}

export interface EvaluationInput {
  facts: Facts;
  profile: LoadedProfile;
  workload?: Record<string, unknown>;
  config?: Pick<ConfigDoc, 'rules' | 'waivers'>;
  /** Today, for waiver expiry (tests pass a fixed date). */
  today?: string;
  /**
   * The host name waiver scopes match, when the facts hold another (assess --redact judges redacted facts:
   * the findings show the hash, the waivers still match the name they were written for).
   */
  waiverScope?: string;
}

export interface Evaluation {
  findings: Finding[];
  expiredWaivers: WaiverDoc[];
}

/** Which target produced a section of the facts document. */
function targetsOf(path: readonly string[]): string[] {
  const [a, b] = path;
  if (a === 'runtime' && b === 'docker') return ['docker'];
  if (a === 'storage' && b === 'dockerDataRoot') return ['local', 'docker'];
  if (a === 'cluster' && b === 'kubernetes') return ['k8s'];
  if (a === 'cluster' && b === 'swarm') return ['swarm'];
  if (a === 'host' || a === 'gpu' || a === 'storage' || a === 'network') return ['local'];
  // The workflow spec's data sources, checked by `assess --spec` (a pseudo-target listed in facts.targets when the checks ran).
  if (a === 'dataSources') return ['data-sources'];
  return [];
}

type Json = Record<string, unknown>;

/**
 * The first `status: unknown` section along a path, if any: where it is and its reason. A section read
 * in part lists the fields it could not read in `unknownFields` (field → reason); a path through one of
 * them is unknown with that reason.
 */
function unknownAlong(facts: Json, path: readonly string[]): { at: string; reason: string } | undefined {
  let node: unknown = facts;
  for (let i = 0; i <= path.length; i++) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
    const obj = node as Json;
    if (obj.status === 'unknown') {
      return { at: displayPath(path.slice(0, i)), reason: typeof obj.reason === 'string' ? obj.reason : 'could not be read' };
    }
    if (i < path.length) {
      const key = path[i]!;
      const partial = obj.unknownFields as Record<string, unknown> | undefined;
      if (!(key in obj) && partial && typeof partial === 'object' && typeof partial[key] === 'string') {
        return { at: displayPath(path.slice(0, i + 1)), reason: partial[key] };
      }
      node = obj[key];
    }
  }
  return undefined;
}

/** The first fact on a path that is not in the document ("gpu.devices[1].eccEnabled"), following arrays. */
function firstMissing(value: unknown, path: readonly string[], prefix: string): string | undefined {
  if (path.length === 0) return undefined;
  const [segment, ...rest] = path as [string, ...string[]];
  if (segment === '[]') {
    if (!Array.isArray(value)) return undefined;
    for (let i = 0; i < value.length; i++) {
      const missing = firstMissing(value[i], rest, `${prefix}[${i}]`);
      if (missing) return missing;
    }
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const here = prefix ? `${prefix}.${segment}` : segment;
  if (!(segment in (value as Json))) return here;
  return firstMissing((value as Json)[segment], rest, here);
}

/** Helpers of rule messages (documented in docs/writing-rules.md). */
export const MESSAGE_HELPERS = {
  bytes: (v: unknown) => (typeof v === 'number' ? formatBytes(v) : String(v ?? '')),
  join: (v: unknown, sep: unknown) => (Array.isArray(v) ? v.map(String).join(typeof sep === 'string' ? sep : ', ') : String(v ?? '')),
  json: (v: unknown) => JSON.stringify(v),
  count: (v: unknown) => (Array.isArray(v) ? v.length : 0),
  eq: (a: unknown, b: unknown) => a === b,
  gt: (a: unknown, b: unknown) => Number(a) > Number(b),
};
const templates = new Map<string, Template>();

/**
 * Renders a rule message (plain text, whitespace collapsed). Built-in rules carry their message
 * precompiled (their `code`, from the build); others are compiled on first use.
 */
export function renderMessage(rule: Pick<LoadedRule, 'message' | 'code'>, data: Record<string, unknown>): string {
  let fn = templates.get(rule.message);
  if (!fn) {
    fn = rule.code?.message
      ? templateFromSpec(rule.code.message, { env: 'messages', helpers: MESSAGE_HELPERS as never })
      : template(rule.message, { plainText: true, env: 'messages', helpers: MESSAGE_HELPERS as never });
    templates.set(rule.message, fn);
  }
  return fn(data).replace(/\s+/g, ' ').trim();
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

function selectedByProfile(rule: LoadedRule, profile: LoadedProfile): boolean {
  if (profile.enable.includes(rule.id)) return true;
  if (profile.disable.includes(rule.id)) return false;
  return rule.profiles.includes('*') || rule.profiles.includes(profile.name);
}

function baseFinding(rule: LoadedRule, severity: SeverityName, scope: string | undefined): Omit<Finding, 'outcome'> {
  return {
    ruleId: rule.id,
    title: rule.title,
    category: rule.category,
    severity,
    weight: rule.weight,
    rationale: rule.rationale,
    remediation: rule.remediation,
    references: rule.references,
    ...(scope ? { scope } : {}),
    source: { file: rule.source.file, line: rule.source.lines.check ?? rule.source.lines.id, pack: rule.source.pack },
  };
}

/** What a rule reads, worked out once per rule: fact paths (deduplicated), targets, workload. */
/** A fact path and its memo key. */
interface FactPath {
  path: string[];
  key: string;
}

interface RulePlan {
  whenPaths: FactPath[];
  checkPaths: FactPath[];
  targets: string[];
  readsWorkload: boolean;
}
const plans = new WeakMap<LoadedRule, RulePlan>();

function uniquePaths(refs: Reference[]): FactPath[] {
  const seen = new Map<string, FactPath>();
  for (const r of refs) if (r.root === 'facts') seen.set(r.path.join('\0'), { path: r.path, key: r.path.join('\0') });
  return [...seen.values()];
}

function planOf(rule: LoadedRule): RulePlan {
  let plan = plans.get(rule);
  if (!plan) {
    const targets = new Set<string>();
    for (const r of rule.refs) if (r.root === 'facts') for (const t of targetsOf(r.path)) targets.add(t);
    plan = {
      whenPaths: rule.whenExpr ? uniquePaths(rule.whenExpr.refs) : [],
      checkPaths: uniquePaths([...rule.checkExpr.refs, ...(rule.detailsExpr?.refs ?? [])]),
      targets: [...targets],
      readsWorkload: rule.refs.some((r) => r.root === 'workload'),
    };
    plans.set(rule, plan);
  }
  return plan;
}

/** Prepared once per facts document: CEL values and the context handed to expressions. */
export interface PreparedContext {
  facts: Json;
  targets: Set<string>;
  cel: Record<string, unknown>;
  plain: Record<string, unknown>;
  profile: LoadedProfile;
  hasWorkload: boolean;
  /** The unknown section along a fact path, memoised per document. */
  unknownAt(path: FactPath): { at: string; reason: string } | undefined;
  /** The host name: what environment findings are about (waiver scopes match it). */
  scope?: string;
  /** Values of expressions already evaluated on this document, by source. */
  results: Map<string, unknown>;
}

export function prepareContext(input: Pick<EvaluationInput, 'facts' | 'profile' | 'workload'>): PreparedContext {
  const profileValue = { name: input.profile.name, gpu: input.profile.gpu, ...input.profile.thresholds };
  const plain: Record<string, unknown> = { facts: input.facts, profile: profileValue };
  if (input.workload) plain.workload = input.workload;
  const cel: Record<string, unknown> = { facts: toCel(input.facts), profile: toCel(profileValue) };
  cel.workload = input.workload ? toCel(input.workload) : null;
  const facts = input.facts as unknown as Json;
  const memo = new Map<string, { at: string; reason: string } | null>();
  return {
    facts,
    targets: new Set(input.facts.targets),
    cel,
    plain,
    profile: input.profile,
    hasWorkload: input.workload !== undefined,
    results: new Map(),
    unknownAt({ path, key }) {
      let found = memo.get(key);
      if (found === undefined) {
        found = unknownAlong(facts, path) ?? null;
        memo.set(key, found);
      }
      return found ?? undefined;
    },
    ...(typeof (facts.host as Json | undefined)?.hostname === 'string' ? { scope: (facts.host as Json).hostname as string } : {}),
  };
}

/** One rule, before config overrides and waivers. */
export function evaluateRule(
  rule: LoadedRule,
  ctx: PreparedContext,
  severity: SeverityName = rule.severity,
): Finding {
  // One finding per call: its common part is completed in place (the same keys, in the same order, as a copy).
  const base = baseFinding(rule, severity, ctx.scope);
  const done = (outcome: Outcome, reason?: string, message?: string): Finding => {
    const f = base as Finding;
    f.outcome = outcome;
    if (reason !== undefined) f.reason = reason;
    if (message !== undefined) f.message = message;
    return f;
  };
  const skipped = (reason: string): Finding => done('skipped', reason);
  const unknown = (reason: string): Finding => done('unknown', reason, reason);

  if (!selectedByProfile(rule, ctx.profile)) return skipped(`not part of the ${ctx.profile.name} profile`);
  const plan = planOf(rule);
  if (!ctx.hasWorkload && plan.readsWorkload) return skipped('needs a workload spec (--spec)');
  const missingTarget = plan.targets.find((t) => !ctx.targets.has(t));
  if (missingTarget) return skipped(`target "${missingTarget}" was not probed`);

  const unknownIn = (paths: FactPath[]): string | undefined => {
    for (const path of paths) {
      const found = ctx.unknownAt(path);
      if (found) return found.at ? `${found.at}: ${found.reason}` : found.reason;
    }
    return undefined;
  };
  const factsRefs = (refs: Reference[]) => refs.filter((r) => r.root === 'facts');
  const run = (expr: NonNullable<LoadedRule['whenExpr']>, key: string): { value?: unknown; error?: Finding } => {
    try {
      // CEL is pure: an expression has one value per document (shared preconditions are common).
      if (ctx.results.has(expr.source)) return { value: ctx.results.get(expr.source) };
      const value = expr.evaluate(ctx.cel);
      ctx.results.set(expr.source, value);
      return { value };
    } catch (e) {
      const missing = factsRefs(expr.refs)
        .map((r) => firstMissing(ctx.facts, r.path, ''))
        .find(Boolean);
      if (missing) return { error: unknown(`facts.${missing} was not reported`) };
      return { error: unknown(`rule error in ${key}: ${evaluationMessage(e)}`) };
    }
  };

  if (rule.whenExpr) {
    const reason = unknownIn(plan.whenPaths);
    if (reason) return unknown(reason);
    const { value, error } = run(rule.whenExpr, 'when');
    if (error) return error;
    if (value !== true) {
      if (value === false) return skipped('precondition (when) is false');
      return unknown(`rule error in when: expected a bool, got ${typeof fromCel(value)}`);
    }
  }
  const reason = unknownIn(plan.checkPaths);
  if (reason) return unknown(reason);
  const { value, error } = run(rule.checkExpr, 'check');
  if (error) return error;
  if (value === true) return done('pass');
  if (value !== false) return unknown(`rule error in check: expected a bool, got ${typeof fromCel(value)}`);

  let details: unknown;
  if (rule.detailsExpr) {
    try {
      details = fromCel(rule.detailsExpr.evaluate(ctx.cel));
    } catch {
      details = undefined;
    }
  }
  let message: string;
  try {
    message = renderMessage(rule, { ...ctx.plain, details });
  } catch (e) {
    message = `${rule.title} (message template error: ${evaluationMessage(e)})`;
  }
  return done('fail', undefined, message);
}

/** Waivers and config overrides, shared by environment and artifact evaluation. */
function governance(input: Pick<EvaluationInput, 'config' | 'today' | 'waiverScope'>) {
  const overrides = input.config?.rules ?? {};
  const today = input.today ?? new Date().toISOString().slice(0, 10);
  const waivers = input.config?.waivers ?? [];
  const expiredWaivers = waivers.filter((w) => w.expires !== undefined && w.expires < today);
  const active = waivers.filter((w) => !expiredWaivers.includes(w));
  const waive = (rule: LoadedRule, finding: Finding): Finding => {
    if (finding.outcome !== 'fail' && finding.outcome !== 'unknown') return finding;
    const target = finding.location?.file ?? input.waiverScope ?? finding.scope ?? '';
    const waiver = active.find((w) => w.rule === rule.id && (w.scope === undefined || globMatch(w.scope, target)));
    if (!waiver) return finding;
    return {
      ...finding,
      outcome: 'waived',
      reason: `waived: ${waiver.reason}${waiver.expires ? ` (until ${waiver.expires})` : ''}`,
      waiver: { reason: waiver.reason, ...(waiver.expires ? { expires: waiver.expires } : {}) },
    };
  };
  const disabled = (rule: LoadedRule, severity: SeverityName): Finding | undefined =>
    overrides[rule.id]?.enabled === false
      ? { ...baseFinding(rule, severity, undefined), outcome: 'skipped', reason: 'disabled in the configuration' }
      : undefined;
  const severityOf = (rule: LoadedRule): SeverityName => overrides[rule.id]?.severity ?? rule.severity;
  return { expiredWaivers, waive, disabled, severityOf };
}

/** All environment rules: config overrides, evaluation, waivers. */
export function evaluateRules(rules: LoadedRule[], input: EvaluationInput): Evaluation {
  const ctx = prepareContext(input);
  const g = governance(input);
  const findings = rules
    .filter((rule) => rule.appliesTo === 'environment')
    .map((rule) => {
      const severity = g.severityOf(rule);
      return g.disabled(rule, severity) ?? g.waive(rule, evaluateRule(rule, ctx, severity));
    });
  return { findings, expiredWaivers: g.expiredWaivers };
}

// ---------------------------------------------------------------- artifacts (mlready lint)

export interface ArtifactEvaluationInput {
  artifacts: { file: string; line: number }[];
  profile: LoadedProfile;
  config?: Pick<ConfigDoc, 'rules' | 'waivers'>;
  today?: string;
}

/** The CEL and template context of one lint run: `artifacts` converted once, `profile`. */
export function prepareArtifactContext(input: Pick<ArtifactEvaluationInput, 'artifacts' | 'profile'>) {
  const profileValue = { name: input.profile.name, gpu: input.profile.gpu, ...input.profile.thresholds };
  return {
    profile: input.profile,
    cel: { artifacts: toCel(input.artifacts), profile: toCel(profileValue), facts: null, workload: null },
    plain: { artifacts: input.artifacts, profile: profileValue },
  };
}

/**
 * One artifact rule over every artifact: a finding per artifact its `when` selects (pass or fail, located
 * at the artifact's file and line, or the rule's `line`); none selected → one skipped finding.
 */
export function evaluateArtifactRule(
  rule: LoadedRule,
  ctx: ReturnType<typeof prepareArtifactContext>,
  severity: SeverityName = rule.severity,
): Finding[] {
  const base = baseFinding(rule, severity, undefined);
  if (!selectedByProfile(rule, ctx.profile)) return [{ ...base, outcome: 'skipped', reason: `not part of the ${ctx.profile.name} profile` }];
  const out: Finding[] = [];
  const artifacts = ctx.cel.artifacts as unknown[];
  ctx.plain.artifacts.forEach((plain, i) => {
    const cel = { ...ctx.cel, artifact: artifacts[i] };
    const location = (line: number) => ({ file: plain.file, line });
    const unknown = (reason: string): Finding => ({ ...base, outcome: 'unknown', reason, message: reason, location: location(plain.line) });
    if (rule.whenExpr) {
      let applies: unknown;
      try {
        applies = rule.whenExpr.evaluate(cel);
      } catch (e) {
        out.push(unknown(`rule error in when: ${evaluationMessage(e)}`));
        return;
      }
      if (applies !== true) return;
    }
    let ok: unknown;
    try {
      ok = rule.checkExpr.evaluate(cel);
    } catch (e) {
      out.push(unknown(`rule error in check: ${evaluationMessage(e)}`));
      return;
    }
    if (ok === true) {
      out.push({ ...base, outcome: 'pass', location: location(plain.line) });
      return;
    }
    if (ok !== false) {
      out.push(unknown(`rule error in check: expected a bool, got ${typeof fromCel(ok)}`));
      return;
    }
    let details: unknown;
    let line = plain.line;
    try {
      if (rule.detailsExpr) details = fromCel(rule.detailsExpr.evaluate(cel));
      if (rule.lineExpr) {
        const l = fromCel(rule.lineExpr.evaluate(cel));
        if (typeof l === 'number' && Number.isInteger(l) && l > 0) line = l;
      }
    } catch {
      /* details and line only refine the message */
    }
    let message: string;
    try {
      message = renderMessage(rule, { ...ctx.plain, artifact: plain, details });
    } catch (e) {
      message = `${rule.title} (message template error: ${evaluationMessage(e)})`;
    }
    out.push({ ...base, outcome: 'fail', message, location: location(line) });
  });
  if (out.length === 0) out.push({ ...base, outcome: 'skipped', reason: 'no artifact it applies to' });
  return out;
}

/** All artifact rules over one lint run: config overrides, evaluation, waivers (scoped by file). */
export function evaluateArtifactRules(rules: LoadedRule[], input: ArtifactEvaluationInput): Evaluation {
  const ctx = prepareArtifactContext(input);
  const g = governance(input);
  const findings = rules
    .filter((rule) => rule.appliesTo === 'artifact')
    .flatMap((rule) => {
      const severity = g.severityOf(rule);
      const off = g.disabled(rule, severity);
      return off ? [off] : evaluateArtifactRule(rule, ctx, severity).map((f) => g.waive(rule, f));
    });
  return { findings, expiredWaivers: g.expiredWaivers };
}
