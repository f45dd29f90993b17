/**
 * CEL for rules: one environment with mlready's functions, compilation with static analysis of which
 * fact paths an expression reads, and conversion of JSON values to CEL values.
 *
 * - Library: @marcbachmann/cel-js (zero dependencies, maintained, the fastest JS implementation).
 * - Numbers: JSON integers become CEL `int`, others `double`; mixed int/double arithmetic is allowed
 *   (comparisons across the two already are), so `facts.host.cpu.cores * 0.5` just works.
 * - `bytes(string)` is documented as "a Kubernetes quantity in bytes". CEL's standard library already
 *   has `bytes(string) -> bytes` (useless on facts, which hold no byte strings) and the library does not
 *   allow replacing it, so calls to `bytes` are renamed to `quantityBytes` in the parsed source before
 *   compilation; error messages are mapped back.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { celLibrary } from './cel-library.js';
import { parseQuantity } from '../util/quantity.js';
import { quantityBytesValue, versionAtLeast } from './cel-functions.js';
import { CelError, type NativeProgram } from './cel-native.js';
import { trace } from '../util/trace.js';

export type Root = 'facts' | 'profile' | 'workload' | 'artifact' | 'artifacts';

/** A path read by an expression: `facts.gpu.devices[].eccEnabled` is ['gpu','devices','[]','eccEnabled']. */
export interface Reference {
  root: Root;
  path: string[];
  /** Offset in the source, for error messages (not kept in the build's bundle). */
  offset?: number;
}

export class CelCompileError extends Error {
  override name = 'CelCompileError';
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

function toNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

let environment: Environment | undefined;

export function celEnvironment(): Environment {
  if (environment) return environment;
  trace('CEL library loaded');
  const env = new (celLibrary().Environment)({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false });
  env.registerVariable('facts', 'dyn');
  env.registerVariable('profile', 'dyn');
  env.registerVariable('workload', 'dyn');
  env.registerVariable('artifact', 'dyn');
  env.registerVariable('artifacts', 'dyn');
  env.registerFunction('versionAtLeast(string, string): bool', versionAtLeast);
  env.registerFunction('quantityBytes(string): int', quantityBytesValue);
  env.registerFunction('quantity(string): double', (s: string) => parseQuantity(s));
  for (const [op, fn] of [
    ['+', (a: number, b: number) => a + b],
    ['-', (a: number, b: number) => a - b],
    ['*', (a: number, b: number) => a * b],
    ['/', (a: number, b: number) => a / b],
  ] as const) {
    env.registerOperator(`int ${op} double`, (a: unknown, b: unknown) => fn(toNumber(a), toNumber(b)));
    env.registerOperator(`double ${op} int`, (a: unknown, b: unknown) => fn(toNumber(a), toNumber(b)));
  }
  environment = env;
  return env;
}

interface AstNode {
  op: string;
  args: unknown;
  start?: number;
  pos?: number;
}
const isNode = (x: unknown): x is AstNode => typeof x === 'object' && x !== null && 'op' in x;

const MACROS_BINDING = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Walks an AST, calling `visit` on each node. */
function walk(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const x of node) walk(x, visit);
    return;
  }
  if (!isNode(node)) return;
  visit(node);
  walk(node.args, visit);
}

/**
 * Finds every facts/profile/workload path an expression reads, following comprehension variables
 * (`facts.gpu.devices.all(d, d.eccEnabled)` reads `facts.gpu.devices[].eccEnabled`).
 */
export function extractReferences(ast: unknown): Reference[] {
  const refs: Reference[] = [];
  const visit = (node: unknown, scope: Map<string, { root: Root; path: string[] }>): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x, scope);
      return;
    }
    if (!isNode(node)) return;
    const chain = memberChain(node, scope);
    if (chain) {
      refs.push({ root: chain.root, path: chain.path, offset: node.pos ?? node.start ?? 0 });
      // Index expressions inside the chain may read other paths.
      for (const idx of chain.indexNodes) visit(idx, scope);
      return;
    }
    if (node.op === 'rcall' && Array.isArray(node.args)) {
      const [name, receiver, callArgs] = node.args as [string, unknown, unknown[]];
      visit(receiver, scope);
      const bound = elementSource(receiver, scope);
      if (MACROS_BINDING.has(name) && Array.isArray(callArgs) && callArgs.length >= 2) {
        const variable = callArgs[0];
        if (isNode(variable) && variable.op === 'id' && typeof variable.args === 'string') {
          const inner = new Map(scope);
          if (bound) inner.set(variable.args, { root: bound.root, path: [...bound.path, '[]'] });
          else inner.delete(variable.args);
          for (const a of callArgs.slice(1)) visit(a, inner);
          return;
        }
      }
      visit(callArgs, scope);
      return;
    }
    visit(node.args, scope);
  };
  visit(ast, new Map());
  return refs;
}

/**
 * The path a macro's elements come from: a member chain (`facts.gpu.devices`), or one seen through
 * `filter`, which keeps its receiver's elements (`facts.gpu.devices.filter(d, …).all(d, d.x)` reads
 * `facts.gpu.devices[].x`).
 */
function elementSource(node: unknown, scope: Map<string, { root: Root; path: string[] }>): { root: Root; path: string[] } | undefined {
  if (!isNode(node)) return undefined;
  if (node.op === 'rcall' && Array.isArray(node.args) && node.args[0] === 'filter') return elementSource(node.args[1], scope);
  return memberChain(node, scope);
}

const ROOTS = new Set<string>(['facts', 'profile', 'workload', 'artifact', 'artifacts']);

function memberChain(
  node: AstNode,
  scope: Map<string, { root: Root; path: string[] }>,
): { root: Root; path: string[]; indexNodes: unknown[] } | undefined {
  const segments: string[] = [];
  const indexNodes: unknown[] = [];
  let cur: unknown = node;
  while (isNode(cur)) {
    if (cur.op === '.' && Array.isArray(cur.args)) {
      segments.unshift(String(cur.args[1]));
      cur = cur.args[0];
    } else if (cur.op === '[]' && Array.isArray(cur.args)) {
      const index = cur.args[1];
      if (isNode(index) && index.op === 'value' && typeof index.args === 'string') segments.unshift(index.args);
      else {
        segments.unshift('[]');
        indexNodes.push(index);
      }
      cur = cur.args[0];
    } else if (cur.op === 'id' && typeof cur.args === 'string') {
      const bound = scope.get(cur.args);
      if (bound) return { root: bound.root, path: [...bound.path, ...segments], indexNodes };
      if (ROOTS.has(cur.args)) return { root: cur.args as Root, path: segments, indexNodes };
      return undefined;
    } else return undefined;
  }
  return undefined;
}

export interface CompiledExpression {
  source: string;
  refs: Reference[];
  evaluate(context: Record<string, unknown>): unknown;
}

/** Parses, renames `bytes(` calls, and compiles. Throws CelCompileError with the source offset. */
export function compileExpression(source: string): CompiledExpression {
  const env = celEnvironment();
  let parsed;
  try {
    parsed = env.parse(renameBytes(env, source));
  } catch (e) {
    throw toCompileError(e);
  }
  // Static type check: unknown functions and impossible overloads fail here, before any facts are seen.
  const checked = parsed.check() as { valid: boolean; error?: unknown };
  if (!checked.valid) throw toCompileError(checked.error);
  const refs = extractReferences(parsed.ast);
  return {
    source,
    refs,
    evaluate: (context) => parsed(context),
  };
}

/**
 * An expression validated earlier (the built-in pack is checked at build time): its references are
 * known, and it is parsed only when first needed — rules that a run skips are never parsed.
 *
 * With `native` (the build's compiled JavaScript for it, see cel-native.ts) the CEL library is not
 * needed at all unless the program throws: where it refuses a value, the library evaluates the
 * expression and its value or error stands; where it raises an error the library raises too (a missing
 * key), that error is thrown, with the library's message written only if someone reads it.
 */
export function lazyExpression(source: string, refs: Reference[], native?: NativeProgram): CompiledExpression {
  let program: Program | undefined;
  const library = (context: Record<string, unknown>) => (program ??= parsed(source))(context);
  if (native) {
    return {
      source,
      refs,
      evaluate(context) {
        try {
          return native(context);
        } catch (e) {
          // An error the library raises too: its message is the library's, written only if shown.
          if (e instanceof CelError) throw libraryError(() => library(context));
          trace(`CEL library evaluates: ${source}`);
          return library(context);
        }
      },
    };
  }
  return { source, refs, evaluate: library };
}

/** An evaluation error whose message comes from running the expression in the CEL library, on demand. */
function libraryError(run: () => unknown): Error {
  const error = new Error();
  let message: string | undefined;
  Object.defineProperty(error, 'message', {
    get() {
      if (message === undefined) {
        try {
          run();
          message = 'the expression failed';
        } catch (e) {
          message = e instanceof Error ? e.message : String(e);
        }
      }
      return message;
    },
  });
  return error;
}

type Program = ((context: Record<string, unknown>) => unknown) & { check(): unknown };
/** Programs by source: many rules share a precondition (`facts.runtime.docker.status == 'available'`). */
const programs = new Map<string, Program>();
function parsed(source: string): Program {
  let program = programs.get(source);
  if (!program) {
    const env = celEnvironment();
    program = env.parse(renameBytes(env, source)) as Program;
    // The static type check annotates the AST (cel-js memoises checked types on its nodes), so that
    // the first evaluation does not type-check again against the runtime values.
    program.check();
    programs.set(source, program);
  }
  return program;
}

function renameBytes(env: Environment, source: string): string {
  if (!/\bbytes\s*\(/.test(source)) return source;
  const ast = env.parse(source).ast;
  const starts: number[] = [];
  walk(ast, (n) => {
    if (n.op === 'call' && Array.isArray(n.args) && n.args[0] === 'bytes' && n.start !== undefined) starts.push(n.start);
  });
  let out = source;
  for (const s of starts.sort((a, b) => b - a)) {
    if (out.slice(s, s + 5) === 'bytes') out = `${out.slice(0, s)}quantityBytes${out.slice(s + 5)}`;
  }
  return out;
}

function toCompileError(e: unknown): CelCompileError {
  const raw = e instanceof Error ? e.message : String(e);
  const first = raw.split('\n')[0]!.replace(/quantityBytes/g, 'bytes');
  const pos = (e as { node?: { pos?: number } }).node?.pos;
  return new CelCompileError(first, pos);
}

/** Message of an evaluation error, one line, with internal names mapped back. */
export function evaluationMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return raw.split('\n')[0]!.replace(/quantityBytes/g, 'bytes').trim();
}

/**
 * JSON → CEL: integral numbers become `int` (bigint). Objects stay plain (the library reads them as
 * maps). The result is cached per input object, so one facts document is converted once per run.
 */
const converted = new WeakMap<object, unknown>();
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object') return value;
  const cached = converted.get(value);
  if (cached !== undefined) return cached;
  let out: unknown;
  if (Array.isArray(value)) out = Array.from(value, toCel);
  else {
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) obj[k] = toCel(v);
    out = obj;
  }
  converted.set(value, out);
  return out;
}

/** CEL → JSON-friendly values (bigint → number), for messages and reports. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, fromCel(v)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  }
  return value;
}
