/**
 * YAML with positions: parse a file once and answer "which line is this path on?" for error messages
 * that name the file, line and field.
 */
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import type { Document } from 'yaml';
import { InputError } from '../cli/errors.js';

// `yaml` loads on first use, from node_modules (it stays out of the bundle): commands that read or write no
// YAML (probe, assess with the built-in rules only) never pay for it. One instance per process.
let lib: typeof YamlLib | undefined;
export const yamlLibrary = (): typeof YamlLib => (lib ??= createRequire(import.meta.url)('yaml') as typeof YamlLib);
const yaml = yamlLibrary;

export interface YamlSource {
  file: string;
  value: unknown;
  /** 1-based line of the node at `path` (or of its nearest existing ancestor). */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

export function parseYaml(file: string, text: string): YamlSource {
  const { LineCounter, parseDocument, isNode } = yaml();
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new InputError(`invalid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, { file, line });
  }
  return {
    file,
    value: doc.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** "/tests/pass/0/facts" → ['tests','pass',0,'facts']. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** ['tests','pass',0] → "tests.pass[0]". */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
