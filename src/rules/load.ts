/**
 * Loading rule packs and profiles: parse (YAML with positions), validate against the schema, compile
 * CEL once, check every fact path against the facts schema, refuse duplicate ids. Any problem is one
 * InputError naming the file and line; nothing is evaluated.
 *
 * A pack is a directory: one rule per `*.yaml` file anywhere below it, except `profiles/` (profiles)
 * and `fixtures/` (facts documents the rule tests start from). The built-in pack is `rules/`; the
 * build turns it into `dist/builtin-rules.json` so that `assess` does not parse YAML at all.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cli/errors.js';
import { quantityBytes } from '../util/quantity.js';
import { parseYaml, type YamlSource } from '../util/yaml-source.js';
import { validateOrThrow } from '../util/validate.js';
import { CelCompileError, compileExpression, lazyExpression, type CompiledExpression, type Reference } from './cel.js';
import type { ProfileDoc, RuleDoc } from './schema.js';
import { packageRoot } from '../util/package-root.js';
import { factsSchemaHasPath } from './schema-paths.js';
import { WORKLOAD_KEYS } from '../workflow/workload.js';
import { byString } from '../util/compare.js';
import { requireCompiled } from '../util/compiled.js';
import { trace } from '../util/trace.js';
import { helpers, type NativeHelpers, type NativeProgram } from './cel-native.js';
import type { TemplateSpec } from '../util/templates.js';

export interface RuleSource {
  file: string;
  /** Lines of the rule's keys, for error messages and SARIF. */
  lines: Partial<Record<'id' | 'when' | 'check' | 'details' | 'line' | 'message', number>>;
  pack: string;
}

/** A rule as stored (built-in bundle) — the document minus its tests, plus where it came from. */
type ExpressionKey = 'when' | 'check' | 'details' | 'line';

export interface StoredRule extends Omit<RuleDoc, 'tests'> {
  source: RuleSource;
  /** Set in the built-in bundle: the rule was validated at build time and these are its references. */
  validatedRefs?: Partial<Record<ExpressionKey, Reference[]>>;
  /** Attached to a built-in rule at load: its code from the build (compiled CEL, precompiled message). */
  code?: RuleCode;
}

export interface LoadedRule extends StoredRule {
  appliesTo: 'environment' | 'artifact';
  tests?: RuleDoc['tests'];
  whenExpr?: CompiledExpression;
  checkExpr: CompiledExpression;
  detailsExpr?: CompiledExpression;
  lineExpr?: CompiledExpression;
  /** Every path the rule's expressions read. */
  refs: Reference[];
}

export interface LoadedProfile {
  name: string;
  description: string;
  gpu: 'required' | 'optional' | 'none';
  thresholds: Record<string, number | string | boolean>;
  disable: string[];
  enable: string[];
  file: string;
}

export interface RuleSet {
  rules: LoadedRule[];
  profiles: Map<string, LoadedProfile>;
  /** Directories the rules came from, for fixtures lookup. */
  packs: { name: string; dir: string }[];
}

/** The shape of dist/builtin-rules.json. */
export interface BuiltinBundle {
  rules: StoredRule[];
  profiles: LoadedProfile[];
  /** The build that wrote it: its code module (CODE_FILES) must come from the same one. */
  build?: string;
}

// ---------------------------------------------------------------- files

function listYaml(dir: string, skip: Set<string>): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => byString(a.name, b.name))) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) {
        if (!skip.has(path.relative(dir, full).split(path.sep)[0]!)) walk(full);
      } else if (/\.ya?ml$/.test(entry.name) && entry.name !== 'pack.yaml') out.push(full);
    }
  };
  walk(dir);
  return out;
}

function readSource(file: string): YamlSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return parseYaml(file, text);
}

// ---------------------------------------------------------------- profiles

export function normalizeProfile(doc: ProfileDoc, file: string, source?: YamlSource): LoadedProfile {
  const thresholds: LoadedProfile['thresholds'] = {};
  for (const [key, value] of Object.entries(doc.thresholds)) {
    if (key.endsWith('Bytes') && typeof value === 'string') {
      try {
        thresholds[key] = quantityBytes(value);
      } catch (e) {
        throw new InputError((e as Error).message, { file, line: source?.lineOf(['thresholds', key]), path: `thresholds.${key}` });
      }
    } else thresholds[key] = value;
  }
  return {
    name: doc.name,
    description: doc.description,
    gpu: doc.gpu ?? 'optional',
    thresholds,
    disable: doc.disable ?? [],
    enable: doc.enable ?? [],
    file,
  };
}

export function loadProfileFile(file: string): LoadedProfile {
  const source = readSource(file);
  validateOrThrow('profile', source.value, source, 'profile');
  return normalizeProfile(source.value as ProfileDoc, file, source);
}

// ---------------------------------------------------------------- rules

/** Reads one rule file: schema-valid, with its key lines. */
export function readRuleFile(file: string, pack: string): { doc: RuleDoc; source: RuleSource } {
  const yaml = readSource(file);
  validateOrThrow('rules', yaml.value, yaml, 'rule');
  const doc = yaml.value as RuleDoc;
  const lines: RuleSource['lines'] = {};
  for (const key of ['id', 'when', 'check', 'details', 'line', 'message'] as const) {
    const line = yaml.lineOf([key]);
    if (line !== undefined && key in doc) lines[key] = line;
  }
  return { doc, source: { file, lines, pack } };
}

/**
 * Compiles a stored rule: CEL once, fact paths checked against the facts schema and profile keys
 * against the known profiles' thresholds.
 */
export function compileRule(rule: StoredRule & { tests?: RuleDoc['tests'] }, knownProfileKeys: Set<string>): LoadedRule {
  if (rule.validatedRefs) return prevalidated(rule, rule.validatedRefs);
  const compile = (key: ExpressionKey): CompiledExpression | undefined => {
    const text = rule[key];
    if (text === undefined) return undefined;
    try {
      return compileExpression(text);
    } catch (e) {
      const message = e instanceof CelCompileError ? e.message : (e as Error).message;
      throw new InputError(`${rule.id}: ${key}: CEL error: ${message}`, { file: rule.source.file, line: rule.source.lines[key] });
    }
  };
  const whenExpr = compile('when');
  const checkExpr = compile('check')!;
  const detailsExpr = compile('details');
  const lineExpr = compile('line');
  const refs: Reference[] = [];
  for (const [key, expr] of [['when', whenExpr], ['check', checkExpr], ['details', detailsExpr], ['line', lineExpr]] as const) {
    if (!expr) continue;
    for (const ref of expr.refs) {
      if (ref.root === 'facts' && !factsSchemaHasPath(ref.path)) {
        throw new InputError(`${rule.id}: ${key}: facts.${displayPath(ref.path)} is not in the facts schema (schemas/facts.schema.json)`, {
          file: rule.source.file,
          line: rule.source.lines[key],
        });
      }
      if (ref.root === 'profile' && ref.path.length > 0 && !knownProfileKeys.has(ref.path[0]!)) {
        throw new InputError(
          `${rule.id}: ${key}: profile.${ref.path[0]} is not a threshold of any profile (known: ${[...knownProfileKeys].sort().join(', ')})`,
          { file: rule.source.file, line: rule.source.lines[key] },
        );
      }
      if (ref.root === 'workload' && ref.path.length > 0 && !(WORKLOAD_KEYS as readonly string[]).includes(ref.path[0]!)) {
        throw new InputError(`${rule.id}: ${key}: workload.${ref.path[0]} is not a workload field (fields: ${WORKLOAD_KEYS.join(', ')})`, {
          file: rule.source.file,
          line: rule.source.lines[key],
        });
      }
      refs.push(ref);
    }
  }
  return {
    ...rule,
    appliesTo: rule.appliesTo ?? 'environment',
    ...(whenExpr ? { whenExpr } : {}),
    checkExpr,
    ...(detailsExpr ? { detailsExpr } : {}),
    ...(lineExpr ? { lineExpr } : {}),
    refs,
  };
}

/**
 * A rule validated at build time: references come from the bundle, and each expression runs as the
 * build compiled it to JavaScript (or, failing that, is parsed by the CEL library when first needed).
 */
function prevalidated(rule: StoredRule, refs: Partial<Record<ExpressionKey, Reference[]>>): LoadedRule {
  const lazy = (key: ExpressionKey) => (rule[key] === undefined ? undefined : lazyExpression(rule[key]!, refs[key] ?? [], rule.code?.[key]));
  // The bundle's objects are this run's own: completed in place rather than copied.
  const loaded = rule as LoadedRule;
  loaded.appliesTo = rule.appliesTo ?? 'environment';
  loaded.checkExpr = lazy('check')!;
  for (const key of ['when', 'details', 'line'] as const) {
    const expr = lazy(key);
    if (expr) loaded[`${key}Expr`] = expr;
  }
  loaded.refs = Object.values(refs).flat();
  return loaded;
}

export function displayPath(path: readonly string[]): string {
  return path.map((s, i) => (s === '[]' ? '[]' : i === 0 ? s : `.${s}`)).join('');
}

function profileKeys(profiles: Iterable<LoadedProfile>): Set<string> {
  const keys = new Set<string>(['name', 'gpu']);
  for (const p of profiles) for (const k of Object.keys(p.thresholds)) keys.add(k);
  return keys;
}

/** Reads a pack directory's rule files and profiles (uncompiled). */
export function readPack(dir: string): { name: string; rules: (StoredRule & { tests?: RuleDoc['tests'] })[]; profiles: LoadedProfile[] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('rule pack directory not found', { file: dir });
  const name = path.basename(path.resolve(dir));
  const rules = listYaml(dir, new Set(['profiles', 'fixtures', 'node_modules'])).map((file) => {
    const { doc, source } = readRuleFile(file, name);
    return { ...doc, source };
  });
  const profilesDir = path.join(dir, 'profiles');
  const profiles = existsSync(profilesDir) ? listYaml(profilesDir, new Set()).map(loadProfileFile) : [];
  return { name, rules, profiles };
}

export const BUILTIN_DIR = () => path.join(packageRoot(), 'rules');
/** The build's bundles of the built-in pack: environment rules, and artifact rules apart; both with the profiles. */
export const BUNDLE_FILES = { environment: 'builtin-rules.json', artifact: 'builtin-rules-artifact.json' } as const;
/** The code the build writes next to each bundle (src/rules/cel-native-compile.ts), by rule id. */
export const CODE_FILES = { environment: 'builtin-code.cjs', artifact: 'builtin-code-artifact.cjs' } as const;

/** A built-in rule's compiled expressions and precompiled message. */
export interface RuleCode {
  when?: NativeProgram;
  check?: NativeProgram;
  details?: NativeProgram;
  line?: NativeProgram;
  message?: TemplateSpec;
}

/**
 * A bundle's rules with their code attached, when the build wrote it — the same build: code from another
 * one (a partial rebuild, a hand-edited dist/) could belong to other expressions, and is not used.
 */
function withCode(kind: keyof typeof BUNDLE_FILES, bundle: BuiltinBundle): StoredRule[] {
  const code = codeOf(kind);
  if (!code) return bundle.rules;
  if (bundle.build === undefined || code.build !== bundle.build) {
    trace(`${CODE_FILES[kind]} is from another build than ${BUNDLE_FILES[kind]}: not used`);
    return bundle.rules;
  }
  for (const rule of bundle.rules) if (Object.hasOwn(code.rules, rule.id)) rule.code = code.rules[rule.id];
  return bundle.rules;
}

/** Each code module loads once per process (its programs are pure: rule sets loaded later share them). */
const codeModules = new Map<string, { build: string; rules: Record<string, RuleCode> } | null>();
function codeOf(kind: keyof typeof BUNDLE_FILES): { build: string; rules: Record<string, RuleCode> } | undefined {
  const file = path.join(packageRoot(), 'dist', CODE_FILES[kind]);
  let code = codeModules.get(file);
  if (code === undefined) {
    const mod = existsSync(file) ? (requireCompiled(file) as { build: string; rules: (h: NativeHelpers) => Record<string, RuleCode> }) : undefined;
    code = mod ? { build: mod.build, rules: mod.rules(helpers) } : null;
    codeModules.set(file, code);
  }
  return code ?? undefined;
}

/** The built-in pack: the build's JSON bundle when present (fast), else the YAML sources. */
function readBuiltin(only?: 'environment' | 'artifact'): { rules: StoredRule[]; profiles: LoadedProfile[] } {
  const dist = path.join(packageRoot(), 'dist');
  if (existsSync(path.join(dist, BUNDLE_FILES.environment))) {
    const read = (kind: keyof typeof BUNDLE_FILES) => {
      const bundle = JSON.parse(readFileSync(path.join(dist, BUNDLE_FILES[kind]), 'utf8')) as BuiltinBundle;
      return { rules: withCode(kind, bundle), profiles: bundle.profiles };
    };
    const main = only === 'artifact' ? undefined : read('environment');
    const artifact = only === 'environment' ? undefined : read('artifact');
    return { rules: [...(main?.rules ?? []), ...(artifact?.rules ?? [])], profiles: (main ?? artifact)!.profiles };
  }
  const pack = readPack(BUILTIN_DIR());
  const rules = only ? pack.rules.filter((r) => (r.appliesTo ?? 'environment') === only) : pack.rules;
  return { rules, profiles: pack.profiles };
}

export interface LoadOptions {
  builtin?: boolean;
  /** Extra pack directories (`--rules DIR`, `rulePacks` in the config). */
  packs?: string[];
  /** Keep each rule's tests (rules check, the RuleTester). */
  withTests?: boolean;
  /** Only the built-in rules of this kind (assess needs no artifact rules, lint no environment rules). */
  only?: 'environment' | 'artifact';
}

export function loadRuleSet(options: LoadOptions = {}): RuleSet {
  const stored: (StoredRule & { tests?: RuleDoc['tests'] })[] = [];
  const profiles = new Map<string, LoadedProfile>();
  const packs: RuleSet['packs'] = [];
  const addProfiles = (list: LoadedProfile[]) => {
    for (const p of list) {
      const existing = profiles.get(p.name);
      if (existing && existing.file !== p.file) {
        throw new InputError(`duplicate profile "${p.name}" (also in ${existing.file})`, { file: p.file });
      }
      profiles.set(p.name, p);
    }
  };
  if (options.builtin !== false) {
    if (options.withTests) {
      const pack = readPack(BUILTIN_DIR());
      stored.push(...pack.rules);
      addProfiles(pack.profiles);
    } else {
      const b = readBuiltin(options.only);
      stored.push(...b.rules);
      addProfiles(b.profiles);
    }
    packs.push({ name: 'builtin', dir: BUILTIN_DIR() });
  }
  const builtinDir = path.resolve(BUILTIN_DIR());
  for (const dir of options.packs ?? []) {
    // The built-in pack, or a folder of it (a contributor checking what they edit), is already loaded.
    const abs = path.resolve(dir);
    if (options.builtin !== false && (abs === builtinDir || abs.startsWith(builtinDir + path.sep))) {
      if (!existsSync(abs)) throw new InputError('rule pack directory not found', { file: dir });
      continue;
    }
    const pack = readPack(dir);
    stored.push(...pack.rules);
    addProfiles(pack.profiles);
    packs.push({ name: pack.name, dir: path.resolve(dir) });
  }
  const seen = new Map<string, string>();
  for (const r of stored) {
    const other = seen.get(r.id);
    if (other) throw new InputError(`duplicate rule id ${r.id} (also in ${other})`, { file: r.source.file, line: r.source.lines.id });
    seen.set(r.id, r.source.file);
  }
  const keys = profileKeys(profiles.values());
  const rules = stored.map((r) => {
    const compiled = compileRule(r, keys);
    if (!options.withTests) delete compiled.tests;
    return compiled;
  });
  return { rules, profiles, packs };
}

/** For the build: the built-in pack validated and stripped of tests, in its two files. */
export function builtinBundles(): Record<keyof typeof BUNDLE_FILES, BuiltinBundle> {
  const all = builtinBundle();
  const isArtifact = (r: StoredRule) => r.appliesTo === 'artifact';
  return {
    environment: { rules: all.rules.filter((r) => !isArtifact(r)), profiles: all.profiles },
    // Each bundle carries the profiles (a few KiB): lint reads the artifact bundle alone.
    artifact: { rules: all.rules.filter(isArtifact), profiles: all.profiles },
  };
}

function builtinBundle(): BuiltinBundle {
  const set = loadRuleSet({ builtin: true, withTests: true });
  const rules = set.rules.map((r) => {
    const { tests, whenExpr, checkExpr, detailsExpr, lineExpr, refs, appliesTo, source, ...stored } = r;
    const validatedRefs: Partial<Record<ExpressionKey, Reference[]>> = {};
    for (const [key, expr] of [['when', whenExpr], ['check', checkExpr], ['details', detailsExpr], ['line', lineExpr]] as const) {
      // Each path once, without source offsets (those serve compile errors only).
      if (expr) validatedRefs[key] = [...new Map(expr.refs.map(({ root, path }) => [`${root}\0${path.join('\0')}`, { root, path }])).values()];
    }
    return {
      ...stored,
      validatedRefs,
      ...(appliesTo !== 'environment' ? { appliesTo } : {}),
      source: { ...source, file: path.relative(packageRoot(), source.file) },
    } as StoredRule;
  });
  const profiles = [...set.profiles.values()].map((p) => ({ ...p, file: path.relative(packageRoot(), p.file) }));
  return { rules, profiles };
}
