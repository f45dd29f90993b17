/**
 * The run-time half of the built-in pack's ahead-of-time CEL: the helpers that the JavaScript written by
 * `cel-native-compile.ts` calls. The build compiles each built-in expression once, from the CEL
 * library's own AST, into a plain function over these helpers (dist/builtin-code*.cjs); `assess` and
 * `lint` then evaluate the built-in rules without parsing or type-checking CEL at all.
 *
 * The contract that keeps this exact: for the same values, a helper returns what @marcbachmann/cel-js
 * returns, throws CelError where the library raises an error too (a key a map lacks, an index past the
 * end), or refuses (NotNative) — it never guesses. A refusal makes the caller evaluate the expression
 * again with the library, whose value or error is then the result (see `lazyExpression` in cel.ts). So
 * the fast path only has to be right on the values it accepts, and test/unit/rules-cel-native.test.ts
 * holds it to the library for every built-in expression over every rule fixture and saved facts
 * document, and for every helper over a grid of values.
 */
import { parseQuantity } from '../util/quantity.js';
import { quantityBytesValue, versionAtLeast } from './cel-functions.js';

/** Thrown by a helper for a value it leaves to the CEL library. Carries no message: it is never shown. */
export class NotNative extends Error {
  constructor() {
    super('');
  }
}
const refuse = (): never => {
  throw new NotNative();
};

/**
 * Thrown where the CEL library raises an error too, for the same values: a key a map does not have,
 * an index past a list's end, one of mlready's functions refusing its argument. It carries no message:
 * the library writes that, only if a report shows it (see `lazyExpression`).
 */
export class CelError extends Error {
  constructor() {
    super('');
  }
}
const missing = (): never => {
  throw new CelError();
};
/** mlready's functions throw on arguments they refuse, in the library and here alike. */
function genuine<T>(fn: () => T): T {
  try {
    return fn();
  } catch {
    return missing();
  }
}

const MAX_INT = 9223372036854775807n;
const MIN_INT = -9223372036854775808n;
const int = (v: bigint): bigint => (v <= MAX_INT && v >= MIN_INT ? v : refuse());

/** A plain JSON object: what the CEL library reads as a map. */
function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
const isScalar = (v: unknown): boolean => v === null || (typeof v !== 'object' && typeof v !== 'function' && v !== undefined);
const isNumeric = (v: unknown): v is bigint | number => typeof v === 'bigint' || typeof v === 'number';

type Fn = (v: unknown) => unknown;
const regexps = new Map<string, RegExp>();

export const helpers = {
  /** A root variable (facts, profile, workload…): present in the context. */
  v(value: unknown): unknown {
    return value === undefined ? refuse() : value;
  },
  /** `x.name` on a map. */
  f(obj: unknown, key: string): unknown {
    if (!isMap(obj)) return refuse();
    const v = Object.hasOwn(obj, key) ? obj[key] : undefined;
    return v === undefined ? missing() : v;
  },
  /** `x[i]`: a list by int index, a map by string key. */
  i(obj: unknown, key: unknown): unknown {
    if (Array.isArray(obj)) {
      if (typeof key !== 'bigint') return refuse();
      const v = key >= 0n && key < BigInt(obj.length) ? (obj[Number(key)] as unknown) : undefined;
      return v === undefined ? missing() : v;
    }
    if (typeof key === 'string') return helpers.f(obj, key);
    return refuse();
  },
  /** `has(x.name)` on a map. */
  has(obj: unknown, key: string): boolean {
    if (!isMap(obj)) return refuse();
    return Object.hasOwn(obj, key) && obj[key] !== undefined;
  },
  /** A bool operand (`!`, `?:`). */
  b(v: unknown): boolean {
    return typeof v === 'boolean' ? v : refuse();
  },
  /**
   * `a && b` as CEL has it (commutative over errors): false when either side is false, even when the
   * other is an error; true when both are true; otherwise an error.
   */
  and: (a: () => unknown, b: () => unknown): boolean => logical(false, a, b),
  /** `a || b`: true when either side is true, even when the other is an error. */
  or: (a: () => unknown, b: () => unknown): boolean => logical(true, a, b),
  /** `==` on scalars: CEL's heterogeneous equality (an int equals the same double; other types differ). */
  eq(a: unknown, b: unknown): boolean {
    if (!isScalar(a) || !isScalar(b)) return refuse();
    // eslint-disable-next-line eqeqeq
    return isNumeric(a) && isNumeric(b) ? a == b : a === b;
  },
  lt: (a: unknown, b: unknown): boolean => (comparable(a, b) ? (a as number) < (b as number) : refuse()),
  le: (a: unknown, b: unknown): boolean => (comparable(a, b) ? (a as number) <= (b as number) : refuse()),
  gt: (a: unknown, b: unknown): boolean => (comparable(a, b) ? (a as number) > (b as number) : refuse()),
  ge: (a: unknown, b: unknown): boolean => (comparable(a, b) ? (a as number) >= (b as number) : refuse()),
  add(a: unknown, b: unknown): unknown {
    if (typeof a === 'bigint' && typeof b === 'bigint') return int(a + b);
    if (typeof a === 'string' && typeof b === 'string') return a + b;
    if (Array.isArray(a) && Array.isArray(b)) return [...(a as unknown[]), ...(b as unknown[])];
    return arithmetic(a, b, (x, y) => x + y);
  },
  sub(a: unknown, b: unknown): unknown {
    if (typeof a === 'bigint' && typeof b === 'bigint') return int(a - b);
    return arithmetic(a, b, (x, y) => x - y);
  },
  mul(a: unknown, b: unknown): unknown {
    if (typeof a === 'bigint' && typeof b === 'bigint') return int(a * b);
    return arithmetic(a, b, (x, y) => x * y);
  },
  div(a: unknown, b: unknown): unknown {
    if (typeof a === 'bigint' && typeof b === 'bigint') return b === 0n ? refuse() : int(a / b);
    return arithmetic(a, b, (x, y) => x / y);
  },
  mod(a: unknown, b: unknown): unknown {
    if (typeof a === 'bigint' && typeof b === 'bigint' && b !== 0n) return a % b;
    return refuse();
  },
  neg(a: unknown): unknown {
    if (typeof a === 'number') return -a;
    if (typeof a === 'bigint') return int(-a);
    return refuse();
  },
  /** `x in list` for strings, ints and bools; `key in map` for string keys. */
  in(x: unknown, coll: unknown): boolean {
    const t = typeof x;
    if (Array.isArray(coll)) {
      if (t !== 'string' && t !== 'bigint' && t !== 'boolean') return refuse();
      for (const el of coll as unknown[]) {
        if (el === x) return true;
        if (typeof el !== t) return refuse();
      }
      return false;
    }
    if (isMap(coll) && t === 'string') return Object.hasOwn(coll, x as string) && coll[x as string] !== undefined;
    return refuse();
  },
  /** A map literal with string keys. */
  map(entries: [unknown, unknown][]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      if (typeof k !== 'string' || Object.hasOwn(out, k)) return refuse();
      out[k] = v;
    }
    return out;
  },
  /** `type(v) == name` for the type names of JSON values. */
  typeIs(v: unknown, name: string): boolean {
    switch (name) {
      case 'list':
        return Array.isArray(v);
      case 'map':
        return isMap(v);
      case 'string':
        return typeof v === 'string';
      case 'int':
        return typeof v === 'bigint';
      case 'double':
        return typeof v === 'number';
      case 'bool':
        return typeof v === 'boolean';
      case 'null_type':
        return v === null;
      default:
        return refuse();
    }
  },
  size(v: unknown): bigint {
    if (typeof v === 'string') {
      let n = 0;
      for (const _ of v) n++;
      return BigInt(n);
    }
    if (Array.isArray(v)) return BigInt(v.length);
    if (isMap(v)) return BigInt(Object.keys(v).length);
    return refuse();
  },
  int(v: unknown): bigint {
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
    if (typeof v === 'string' && v === v.trim() && v.length > 0 && v.length <= 20 && /^[-+]?\d+$/.test(v)) return int(BigInt(v));
    return refuse();
  },
  double(v: unknown): number {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    return refuse();
  },
  string(v: unknown): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean' || typeof v === 'bigint') return `${v}`;
    if (typeof v === 'number' && Number.isFinite(v)) return `${v}`;
    return refuse();
  },
  versionAtLeast: (a: unknown, b: unknown): boolean =>
    typeof a === 'string' && typeof b === 'string' ? genuine(() => versionAtLeast(a, b)) : refuse(),
  quantityBytes: (s: unknown): bigint => (typeof s === 'string' ? genuine(() => quantityBytesValue(s)) : refuse()),
  quantity: (s: unknown): number => (typeof s === 'string' ? genuine(() => parseQuantity(s)) : refuse()),
  startsWith: (s: unknown, p: unknown): boolean => (typeof s === 'string' && typeof p === 'string' ? s.startsWith(p) : refuse()),
  endsWith: (s: unknown, p: unknown): boolean => (typeof s === 'string' && typeof p === 'string' ? s.endsWith(p) : refuse()),
  contains: (s: unknown, p: unknown): boolean => (typeof s === 'string' && typeof p === 'string' ? s.includes(p) : refuse()),
  lowerAscii: (s: unknown): string => (typeof s === 'string' ? s.toLowerCase() : refuse()),
  upperAscii: (s: unknown): string => (typeof s === 'string' ? s.toUpperCase() : refuse()),
  trim: (s: unknown): string => (typeof s === 'string' ? s.trim() : refuse()),
  split: (s: unknown, sep: unknown): string[] => (typeof s === 'string' && typeof sep === 'string' ? s.split(sep) : refuse()),
  indexOf: (s: unknown, p: unknown): bigint => (typeof s === 'string' && typeof p === 'string' ? BigInt(s.indexOf(p)) : refuse()),
  /** `s.substring(start[, end])` by UTF-16 index, as the library counts; out of range is its error. */
  substring(s: unknown, start: unknown, end?: unknown): string {
    if (typeof s !== 'string' || typeof start !== 'bigint' || (end !== undefined && typeof end !== 'bigint')) return refuse();
    const from = Number(start);
    const to = end === undefined ? s.length : Number(end);
    if (from < 0 || from > s.length || to < from || to > s.length) return missing();
    return s.substring(from, to);
  },
  join(list: unknown, sep: unknown = ''): string {
    if (!Array.isArray(list) || typeof sep !== 'string') return refuse();
    for (const el of list as unknown[]) if (typeof el !== 'string') return refuse();
    return (list as string[]).join(sep);
  },
  matches(s: unknown, re: unknown): boolean {
    if (typeof s !== 'string' || typeof re !== 'string') return refuse();
    let r = regexps.get(re);
    if (!r) {
      try {
        r = new RegExp(re);
      } catch {
        return refuse();
      }
      regexps.set(re, r);
    }
    return r.test(s);
  },
  /** `all`: false when any element's predicate is false, even when others are errors. */
  all: (list: unknown, pred: Fn): boolean => quantifier(false, list, pred),
  /** `exists`: true when any element's predicate is true, even when others are errors. */
  exists: (list: unknown, pred: Fn): boolean => quantifier(true, list, pred),
  existsOne(list: unknown, pred: Fn): boolean {
    let n = 0;
    for (const el of listOf(list)) if (helpers.b(pred(el))) n++;
    return n === 1;
  },
  filter(list: unknown, pred: Fn): unknown[] {
    return listOf(list).filter((el) => helpers.b(pred(el)));
  },
  mapList(list: unknown, transform: Fn, pred?: Fn): unknown[] {
    const out: unknown[] = [];
    for (const el of listOf(list)) if (!pred || helpers.b(pred(el))) out.push(transform(el));
    return out;
  },
};

export type NativeHelpers = typeof helpers;
/** A compiled built-in expression: the CEL context in, the value out (or NotNative). */
export type NativeProgram = (context: Record<string, unknown>) => unknown;

/**
 * The library's `&&` (decisive = false) and `||` (decisive = true): the left side's error or odd value
 * is set aside, the right side evaluated, and a decisive value on either side wins.
 */
function logical(decisive: boolean, a: () => unknown, b: () => unknown): boolean {
  let left: unknown;
  let failure: unknown;
  try {
    left = a();
  } catch (e) {
    failure = e;
  }
  if (failure === undefined && typeof left === 'boolean') return left === decisive ? decisive : helpers.b(b());
  // A refused left side may be decisive in the library, which then never evaluates the right one:
  // only a decisive right side settles it here.
  const genuineLeft = failure === undefined || failure instanceof CelError;
  let right: unknown;
  try {
    right = b();
  } catch (e) {
    throw genuineLeft ? e : failure;
  }
  if (right === decisive) return decisive;
  // The library raises an error here: its own when the left side was one, else about the operand.
  if (genuineLeft) return missing();
  throw failure;
}

/**
 * `all` (decisive = false) and `exists` (decisive = true): an element whose predicate has the decisive
 * value settles it, whatever errors other elements gave; with none, the first error stands.
 */
function quantifier(decisive: boolean, list: unknown, pred: Fn): boolean {
  let failure: unknown;
  for (const el of listOf(list)) {
    let v: unknown;
    try {
      v = pred(el);
    } catch (e) {
      // A refusal anywhere leaves the whole to the library; of real errors, the first.
      if (failure === undefined || (e instanceof NotNative && failure instanceof CelError)) failure = e;
      continue;
    }
    if (v === decisive) return decisive;
    // The library calls a predicate's odd value an error; which one is left to it.
    if (typeof v !== 'boolean') failure = new NotNative();
  }
  if (failure !== undefined) throw failure;
  return !decisive;
}

function comparable(a: unknown, b: unknown): boolean {
  const t = typeof a;
  if (t === typeof b) return t === 'string' || t === 'bigint' || t === 'number' || t === 'boolean';
  return isNumeric(a) && isNumeric(b);
}

/** int ⊕ double and double ⊕ double (mlready registers the mixed overloads as double arithmetic). */
function arithmetic(a: unknown, b: unknown, op: (x: number, y: number) => number): number {
  if (!isNumeric(a) || !isNumeric(b) || (typeof a === 'bigint' && typeof b === 'bigint')) return refuse();
  return op(Number(a), Number(b));
}

/** What a comprehension iterates: a list's elements, a map's keys. */
function listOf(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  return isMap(v) ? Object.keys(v) : refuse();
}
