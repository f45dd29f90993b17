/**
 * The built-in pack's ahead-of-time CEL (src/rules/cel-native*.ts) against the CEL library itself.
 *
 * The contract: a compiled expression returns the library's value, or throws (and the library then
 * decides). These tests hold it to that on real inputs — every built-in expression, evaluated on every
 * rule fixture and on every saved facts document under every profile — and on a grid of values for each
 * helper, including the mixed and wrong types that rules meet when a fact is not what they expect.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { celEnvironment, compileExpression, fromCel, lazyExpression, toCel } from '../../src/rules/cel.js';
import { codeModule, compileToJavaScript } from '../../src/rules/cel-native-compile.js';
import { CelError, helpers, NotNative, type NativeProgram } from '../../src/rules/cel-native.js';
import { loadRuleSet, type LoadedRule } from '../../src/rules/load.js';
import { evaluateRule, prepareContext } from '../../src/rules/engine.js';
import { runRuleTests } from '../../src/rules/tester.js';
import type { Facts } from '../../src/facts/schema.js';
import { ROOT } from '../helpers/cli.js';

const instantiate = (js: string): NativeProgram => new Function('h', `return ${js}`)(helpers) as NativeProgram;

type Result = { value: unknown } | { error: string };
function run(fn: () => unknown): Result {
  try {
    return { value: fromCel(fn()) };
  } catch (e) {
    return { error: e instanceof NotNative ? 'NotNative' : e instanceof CelError ? 'CelError' : (e as Error).message };
  }
}

/** Every expression of every built-in rule, with its compiled program. */
const set = loadRuleSet({ builtin: true, withTests: true });
const KEYS = ['whenExpr', 'checkExpr', 'detailsExpr', 'lineExpr'] as const;
const expressions = set.rules.flatMap((r) => KEYS.map((k) => r[k]).filter((e) => e !== undefined).map((e) => ({ rule: r, expr: e })));
const native = new Map<string, NativeProgram | undefined>();
for (const { expr } of expressions) {
  if (!native.has(expr.source)) {
    const js = compileToJavaScript(expr.source);
    native.set(expr.source, js === undefined ? undefined : instantiate(js));
  }
}

/**
 * Wraps every expression so that each evaluation also runs the compiled program and records how the
 * two compare; the library's result is what the rule sees.
 */
const tally = { agreed: 0, deferred: 0, libraryErrors: 0, mismatches: [] as string[] };
for (const rule of set.rules) {
  for (const key of KEYS) {
    const expr = rule[key];
    if (!expr) continue;
    const library = expr.evaluate.bind(expr);
    const program = native.get(expr.source);
    expr.evaluate = (context) => {
      const expected = run(() => library(context));
      if (program) {
        const actual = run(() => program(context));
        if ('error' in actual && actual.error === 'NotNative') tally.deferred++;
        else if ('error' in expected) {
          tally.libraryErrors++;
          if (!('error' in actual) || actual.error !== 'CelError') tally.mismatches.push(`${rule.id} ${key}: library error "${expected.error}", compiled ${JSON.stringify(actual)}`);
        } else if ('error' in actual) tally.mismatches.push(`${rule.id} ${key}: library value, compiled threw "${actual.error}"`); else if (JSON.stringify(actual.value) === JSON.stringify(expected.value)) tally.agreed++;
        else tally.mismatches.push(`${rule.id} ${key}: library ${JSON.stringify(expected.value)}, compiled ${JSON.stringify(actual.value)}`);
      }
      if ('error' in expected) throw new Error(expected.error);
      return library(context);
    };
  }
}

describe('ahead-of-time CEL for the built-in pack', () => {
  test('every built-in expression compiles (assess and lint never parse CEL on the fast path)', () => {
    expect(expressions.filter(({ rule }) => rule.appliesTo === 'environment').length).toBeGreaterThan(150);
    expect(expressions.filter(({ rule }) => rule.appliesTo === 'artifact').length).toBeGreaterThan(100);
    expect(expressions.filter(({ expr }) => !native.get(expr.source)).map(({ rule, expr }) => `${rule.id}: ${expr.source}`)).toEqual([]);
  });

  test('compiled programs agree with the CEL library on every rule fixture and saved facts document', () => {
    const tests = runRuleTests(set);
    expect(tests.results.filter((r) => !r.ok)).toEqual([]);
    const profiles = [...set.profiles.values()];
    const dir = path.join(ROOT, 'rules', 'fixtures');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const facts = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Facts;
      for (const profile of profiles) {
        const ctx = prepareContext({ facts, profile });
        for (const rule of set.rules.filter((r: LoadedRule) => r.appliesTo === 'environment')) evaluateRule(rule, ctx);
      }
    }
    expect(tally.mismatches).toEqual([]);
    // The fast path is the common path: the compiled programs decide nearly every evaluation themselves.
    expect(tally.agreed).toBeGreaterThan(2000);
    expect(tally.deferred).toBeLessThan(tally.agreed / 100);
  });

  test('an expression the helpers do not implement is left to the library', () => {
    expect(compileToJavaScript('type(facts.host) == type(facts.gpu)')).toBeUndefined();
    expect(compileToJavaScript('facts.host.cpu.cores == 1u')).toBeUndefined();
    expect(compileToJavaScript("facts.host.hostname.lastIndexOf('x') == 1")).toBeUndefined();
    const mod = codeModule([
      { id: 'A-1', when: 'facts.host.cpu.cores > 1', check: 'type(facts.host) == type(facts.gpu)', messageSpec: '{"main": function () { return "m"; }}' },
      { id: 'A-2', check: 'facts.host.cpu.cores > 1', messageSpec: '{}' },
    ], 'build-1');
    expect(mod.compiled).toBe(1);
    expect(mod.left).toEqual(['type(facts.host) == type(facts.gpu)']);
    const exports = {} as { build: string; rules: (h: unknown) => Record<string, Record<string, unknown>> };
    new Function('exports', mod.code)(exports);
    expect(exports.build).toBe('build-1');
    const code = exports.rules(helpers);
    expect(Object.keys(code['A-1']!).sort()).toEqual(['message', 'when']);
    // One program for an expression two rules share.
    expect(code['A-2']!.check).toBe(code['A-1']!.when);
    expect((code['A-2']!.check as NativeProgram)({ facts: toCel({ host: { cpu: { cores: 4 } } }) })).toBe(true);
  });

  test('a lazily parsed expression with a compiled program falls back to the library for errors', () => {
    const js = compileToJavaScript('facts.host.cpu.cores * 2 > 3')!;
    const expr = lazyExpression('facts.host.cpu.cores * 2 > 3', [], instantiate(js));
    expect(expr.evaluate({ facts: toCel({ host: { cpu: { cores: 2 } } }) })).toBe(true);
    // The library's own message, not the helper's refusal.
    expect(() => expr.evaluate({ facts: toCel({ host: { cpu: {} } }) })).toThrow(/No such key: cores/);
    expect(() => expr.evaluate({ facts: toCel({ host: { cpu: { cores: 'two' } } }) })).toThrow(/no such overload|found no matching overload/i);
  });
});

/**
 * Each operator and function over a grid of values: where the compiled code gives a value, the library
 * gives the same value.
 */
describe('helpers against the CEL library on a grid of values', () => {
  const values: [string, unknown][] = [
    ['null', null],
    ['true', true],
    ['false', false],
    ['0', 0],
    ['1', 1],
    ['-3', -3],
    ['2.5', 2.5],
    ['1e300', 1e300],
    ['9223372036854775807', 9223372036854775807n],
    ["''", ''],
    ["'a'", 'a'],
    ["'12'", '12'],
    ["' 1'", ' 1'],
    ["'Ünï'", 'Ünï'],
    ["'1.2.3'", '1.2.3'],
    ["'16Gi'", '16Gi'],
    ['[]', []],
    ['[1]', [1]],
    ["['a', 'b']", ['a', 'b']],
    ["[1, 'a']", [1, 'a']],
    ['{}', {}],
    ["{'a': 1}", { a: 1 }],
    ["{'a': null}", { a: null }],
  ];
  const binary = ['==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'in', '&&', '||'];
  const unary = [
    '!facts.x', '-facts.x', 'size(facts.x)', 'facts.x.size()', 'int(facts.x)', 'double(facts.x)', 'string(facts.x)',
    'facts.x.lowerAscii()', 'facts.x.upperAscii()', 'facts.x.trim()', 'bytes(facts.x)', 'facts.x.join()', 'has(facts.x.a)',
    'facts.x.a', "facts.x['a']", 'facts.x[0]', 'facts.x.all(e, e == 1)', 'facts.x.exists(e, e == 1)',
    'facts.x.exists_one(e, e == 1)', 'facts.x.filter(e, e == 1)', 'facts.x.map(e, e)', 'facts.x.map(e, e == 1, e)',
    'cel.bind(v, facts.x, [v, v])', '{facts.x: 1}', 'facts.x ? 1 : 2',
    ...['list', 'map', 'string', 'int', 'double', 'bool', 'null_type'].flatMap((t) => [`type(facts.x) == ${t}`, `${t} != type(facts.x)`]),
  ];
  const withArg = [
    ...binary.map((op) => `facts.x ${op} facts.y`),
    'facts.x.startsWith(facts.y)', 'facts.x.endsWith(facts.y)', 'facts.x.contains(facts.y)', 'facts.x.matches(facts.y)',
    'facts.x.split(facts.y)', 'facts.x.indexOf(facts.y)', 'facts.x.join(facts.y)', 'versionAtLeast(facts.x, facts.y)', 'facts.x[facts.y]',
    "'abcü'.substring(facts.x)", "'abc'.substring(facts.x, facts.y)", 'facts.x.substring(1)', 'facts.x.substring(0, facts.y)',
    // Errors on one side of && and ||, and inside all/exists, outweighed by a decisive value elsewhere.
    'facts.x.a && facts.y', 'facts.y || facts.x[0]', 'facts.x == [1] && facts.y', 'facts.x == [1] || facts.y', 'facts.x[0] == 1 || facts.y.a == 1', '!(facts.x.a == 1) && facts.y',
    'facts.x.all(e, e.a == facts.y)', 'facts.x.exists(e, e[0] == facts.y)', 'facts.y.exists(k, facts.x[k] == 1)',
    'facts.x.all(e, e == facts.y) || facts.x.a', 'facts.x.map(e, e.a).exists(v, v == facts.y)',
  ];
  const lib = celEnvironment();
  const toValue = (v: unknown) => (typeof v === 'bigint' ? v : toCel(v));

  const check = (source: string, x: unknown, y: unknown, stats: { agreed: number; refused: number }) => {
    const js = compileToJavaScript(source);
    expect(js).toBeDefined();
    const program = instantiate(js!);
    const context = { facts: { x: toValue(x), ...(y === undefined ? {} : { y: toValue(y) }) } };
    const actual = run(() => program(context));
    const expected = run(() => lib.parse(source.replace(/\bbytes\(/g, 'quantityBytes('))(context));
    // A refusal leaves the value to the library; a CelError must be an error there too.
    if ('error' in actual) {
      if (actual.error !== 'NotNative') expect({ source, x, y, compiled: actual.error, library: 'error' in expected }).toEqual({ source, x, y, compiled: 'CelError', library: true });
      else stats.refused++;
      return;
    }
    expect({ source, x, y, ...expected }).toEqual({ source, x, y, value: actual.value });
    stats.agreed++;
  };
  const sweep = (sources: string[], withY: boolean) =>
    test.each(sources)('%s', (source) => {
      const stats = { agreed: 0, refused: 0 };
      for (const [, x] of values) for (const [, y] of withY ? values : [['', undefined] as [string, unknown]]) check(source, x, y, stats);
      expect(stats.agreed).toBeGreaterThan(0);
    });

  describe('one operand', () => sweep(unary, false));
  describe('two operands', () => sweep(withArg, true));
});
