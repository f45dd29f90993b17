/**
 * Build time: CEL → JavaScript for the built-in pack. The CEL library parses (its AST, its grammar, its
 * macros); this walks the AST and writes one JavaScript function per expression over the helpers of
 * cel-native.ts. Only the constructs those helpers implement are compiled — any other one (type(),
 * optional fields, bytes and uint literals, a method it does not know) leaves the expression to the CEL
 * library, and `compileToJavaScript` returns undefined.
 *
 * The written code is a plain expression: member access, calls and comparisons go through `h.*`, which
 * return the library's value, throw CelError where the library raises an error, or refuse; `&&`, `||`
 * and the `all`/`exists` macros take their operands as closures, so that an error on one side can be
 * outweighed by a decisive value on the other, as in CEL; `?:` is JavaScript's over `h.b(...)`;
 * `cel.bind` is an immediately called arrow function.
 */
import { celEnvironment } from './cel.js';

interface Node {
  op: string;
  args: unknown;
}
const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null && 'op' in x && 'args' in x;

class Unsupported extends Error {}
const unsupported = (what: string): never => {
  throw new Unsupported(what);
};

const ROOTS = new Set(['facts', 'profile', 'workload', 'artifact', 'artifacts']);
const BINARY: Record<string, string> = {
  '<': 'h.lt',
  '<=': 'h.le',
  '>': 'h.gt',
  '>=': 'h.ge',
  '+': 'h.add',
  '-': 'h.sub',
  '*': 'h.mul',
  '/': 'h.div',
  '%': 'h.mod',
  in: 'h.in',
};
/** Global functions: CEL name → helper and arity. `bytes` is mlready's quantity function. */
const FUNCTIONS: Record<string, [string, number]> = {
  size: ['h.size', 1],
  int: ['h.int', 1],
  double: ['h.double', 1],
  string: ['h.string', 1],
  versionAtLeast: ['h.versionAtLeast', 2],
  bytes: ['h.quantityBytes', 1],
  quantityBytes: ['h.quantityBytes', 1],
  quantity: ['h.quantity', 1],
};
/** Receiver methods: CEL name → helper and the argument counts it takes. */
const METHODS: Record<string, [string, number[]]> = {
  size: ['h.size', [0]],
  startsWith: ['h.startsWith', [1]],
  endsWith: ['h.endsWith', [1]],
  contains: ['h.contains', [1]],
  matches: ['h.matches', [1]],
  lowerAscii: ['h.lowerAscii', [0]],
  upperAscii: ['h.upperAscii', [0]],
  trim: ['h.trim', [0]],
  split: ['h.split', [1]],
  indexOf: ['h.indexOf', [1]],
  substring: ['h.substring', [1, 2]],
  join: ['h.join', [0, 1]],
};
const MACROS: Record<string, string> = { all: 'h.all', exists: 'h.exists', exists_one: 'h.existsOne', filter: 'h.filter' };

/**
 * The JavaScript of one expression, `(c) => …` with `h` (the helpers) free; undefined when the
 * expression uses something the helpers do not implement.
 */
export function compileToJavaScript(source: string): string | undefined {
  const ast = celEnvironment().parse(source).ast as unknown;
  try {
    return `(c) => ${emit(ast, new Map(), { next: 0 })}`;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

function emit(node: unknown, scope: Map<string, string>, names: { next: number }): string {
  if (!isNode(node)) return unsupported('not a node');
  const sub = (n: unknown, s = scope) => emit(n, s, names);
  const args = node.args;
  const pair = () => args as [unknown, unknown];
  switch (node.op) {
    case 'value':
      return literal(args);
    case 'id': {
      const name = args as string;
      const bound = scope.get(name);
      if (bound) return bound;
      if (ROOTS.has(name)) return `h.v(c.${name})`;
      return unsupported(`identifier ${name}`);
    }
    case '.': {
      const [obj, field] = pair();
      return `h.f(${sub(obj)}, ${JSON.stringify(field)})`;
    }
    case '[]': {
      const [obj, index] = pair();
      return `h.i(${sub(obj)}, ${sub(index)})`;
    }
    case '!=': {
      const [a, b] = pair();
      const test = typeTest(a, b, scope, names);
      return test ? `!${test}` : `!h.eq(${sub(a)}, ${sub(b)})`;
    }
    case '==': {
      const [a, b] = pair();
      return typeTest(a, b, scope, names) ?? `h.eq(${sub(a)}, ${sub(b)})`;
    }
    case '&&':
    case '||': {
      const [a, b] = pair();
      return `h.${node.op === '&&' ? 'and' : 'or'}(() => ${sub(a)}, () => ${sub(b)})`;
    }
    case '!_':
      return `!h.b(${sub(args)})`;
    case '-_':
      return `h.neg(${sub(args)})`;
    case '?:': {
      const [cond, a, b] = args as [unknown, unknown, unknown];
      return `(h.b(${sub(cond)}) ? ${sub(a)} : ${sub(b)})`;
    }
    case 'list':
      return `[${(args as unknown[]).map((a) => sub(a)).join(', ')}]`;
    case 'map':
      return `h.map([${(args as [unknown, unknown][]).map(([k, v]) => `[${sub(k)}, ${sub(v)}]`).join(', ')}])`;
    case 'call': {
      const [name, callArgs] = args as [string, unknown[]];
      if (name === 'has') {
        const [target] = callArgs;
        if (callArgs.length !== 1 || !isNode(target) || target.op !== '.') return unsupported('has() argument');
        const [obj, field] = target.args as [unknown, string];
        return `h.has(${sub(obj)}, ${JSON.stringify(field)})`;
      }
      const fn = FUNCTIONS[name];
      if (!fn || fn[1] !== callArgs.length || scope.has(name)) return unsupported(`function ${name}`);
      return `${fn[0]}(${callArgs.map((a) => sub(a)).join(', ')})`;
    }
    case 'rcall':
      return emitMethod(args as [string, unknown, unknown[]], scope, names);
    default:
      if (node.op in BINARY) {
        const [a, b] = pair();
        return `${BINARY[node.op]}(${sub(a)}, ${sub(b)})`;
      }
      return unsupported(`operator ${node.op}`);
  }
}

function emitMethod([name, receiver, callArgs]: [string, unknown, unknown[]], scope: Map<string, string>, names: { next: number }): string {
  const sub = (n: unknown, s = scope) => emit(n, s, names);
  /** A macro's iteration variable, bound to a fresh JavaScript name in the inner scope. */
  const bind = (variable: unknown): [string, Map<string, string>] => {
    if (!isNode(variable) || variable.op !== 'id') return unsupported('macro variable');
    const js = `v${names.next++}`;
    return [js, new Map(scope).set(variable.args as string, js)];
  };
  if (name === 'bind' && isNode(receiver) && receiver.op === 'id' && receiver.args === 'cel' && !scope.has('cel') && callArgs.length === 3) {
    const [js, inner] = bind(callArgs[0]);
    return `((${js}) => ${sub(callArgs[2], inner)})(${sub(callArgs[1])})`;
  }
  const macro = MACROS[name];
  if (macro && callArgs.length === 2) {
    const [js, inner] = bind(callArgs[0]);
    return `${macro}(${sub(receiver)}, (${js}) => ${sub(callArgs[1], inner)})`;
  }
  if (name === 'map' && (callArgs.length === 2 || callArgs.length === 3)) {
    const [js, inner] = bind(callArgs[0]);
    const transform = `(${js}) => ${sub(callArgs[callArgs.length - 1], inner)}`;
    return callArgs.length === 2
      ? `h.mapList(${sub(receiver)}, ${transform})`
      : `h.mapList(${sub(receiver)}, ${transform}, (${js}) => ${sub(callArgs[1], inner)})`;
  }
  const method = METHODS[name];
  if (!method || !method[1].includes(callArgs.length)) return unsupported(`method ${name}`);
  return `${method[0]}(${[receiver, ...callArgs].map((a) => sub(a)).join(', ')})`;
}

/** CEL type names a JSON value can have, as `type(x) == NAME` compares them. */
const TYPE_NAMES = new Set(['list', 'map', 'string', 'int', 'double', 'bool', 'null_type']);

/** `type(E) == list` (either way round): a test of E's kind; undefined for any other comparison. */
function typeTest(a: unknown, b: unknown, scope: Map<string, string>, names: { next: number }): string | undefined {
  const [call, name] = isNode(a) && a.op === 'call' ? [a, b] : [b, a];
  if (!isNode(call) || call.op !== 'call' || !isNode(name) || name.op !== 'id') return undefined;
  const [fn, args] = call.args as [string, unknown[]];
  const type = name.args as string;
  if (fn !== 'type' || args.length !== 1 || scope.has('type') || scope.has(type) || !TYPE_NAMES.has(type)) return undefined;
  return `h.typeIs(${emit(args[0], scope, names)}, ${JSON.stringify(type)})`;
}

function literal(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return `${v}n`;
    case 'number':
      return Number.isFinite(v) ? (Object.is(v, -0) ? '-0' : String(v)) : unsupported('non-finite double');
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return String(v);
    case 'object':
      return v === null ? 'null' : unsupported('bytes or uint literal');
    default:
      return unsupported(`literal ${typeof v}`);
  }
}

/** What the build knows of a built-in rule: its expressions, and its message precompiled (JS source). */
export interface RuleCode {
  id: string;
  when?: string;
  check: string;
  details?: string;
  line?: string;
  /** Handlebars.precompile output for the message: a JavaScript object literal. */
  messageSpec: string;
}

/**
 * The code module the build writes next to a rule bundle (dist/builtin-code*.cjs): the build's id (the
 * bundle carries the same), and a function of the helpers returning, by rule id, the compiled programs of
 * its expressions and its precompiled message.
 * An expression the helpers cannot express gets no program (the CEL library evaluates it). Kept out of
 * the JSON bundle because V8 caches compiled code, where JSON would carry it as text to evaluate.
 */
export function codeModule(rules: RuleCode[], build: string): { code: string; compiled: number; left: string[] } {
  const programs = new Map<string, number>();
  const bodies: string[] = [];
  const left: string[] = [];
  const program = (source: string | undefined): string | undefined => {
    if (source === undefined) return undefined;
    let index = programs.get(source);
    if (index === undefined) {
      const js = compileToJavaScript(source);
      if (js === undefined) {
        left.push(source);
        return undefined;
      }
      index = bodies.push(`  ${js}, // ${JSON.stringify(source).slice(0, 100).replace(/[^\x20-\x7e]/g, '?')}`) - 1;
      programs.set(source, index);
    }
    return `p[${index}]`;
  };
  const entries = rules.map((r) => {
    const fields = (['when', 'check', 'details', 'line'] as const)
      .map((k) => [k, program(r[k])] as const)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}: ${v}`);
    return `    ${JSON.stringify(r.id)}: { ${[...fields, `message: ${r.messageSpec}`].join(', ')} }`;
  });
  const code = [
    '// Generated by scripts/build.mjs from the built-in rules (src/rules/cel-native-compile.ts).',
    "'use strict';",
    `exports.build = ${JSON.stringify(build)};`,
    'exports.rules = (h) => {',
    '  const p = [',
    ...bodies,
    '  ];',
    '  return {',
    entries.join(',\n'),
    '  };',
    '};',
    '',
  ].join('\n');
  return { code, compiled: bodies.length, left: [...new Set(left)] };
}
