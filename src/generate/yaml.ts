/**
 * YAML emission for generated files: documents are built as objects and stringified with `yaml`,
 * never assembled from strings. Output is YAML 1.1-safe, because compose (PyYAML) and Kubernetes
 * (go-yaml) read YAML 1.1: `no`, `on`, `0755`, `1:20` are quoted, and any string holding a control
 * character, a YAML 1.1 line break (U+0085, U+2028, U+2029), a BOM or a non-character is written
 * double-quoted with escapes, so every string reaches its reader unchanged. So are the YAML 1.1
 * special scalars `=` (the "value" key, which PyYAML refuses to load plain) and `<<` (the merge key).
 */
import { yamlLibrary } from '../util/yaml-source.js';

const yaml = yamlLibrary;

const NEEDS_DOUBLE_QUOTES = /[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]|^(=|<<)$/;
/** Characters `yaml` leaves raw inside double quotes; only ever inside double-quoted scalars here. */
const RAW_IN_DOUBLE_QUOTES = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

function anyString(value: unknown, test: RegExp): boolean {
  if (typeof value === 'string') return test.test(value);
  if (Array.isArray(value)) return value.some((v) => anyString(v, test));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => test.test(k) || anyString(v, test));
  return false;
}

const OPTIONS = { lineWidth: 0, minContentWidth: 0, indentSeq: true, doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER } as const;

export function toYaml(value: unknown): string {
  const { Document, visit, isScalar } = yaml();
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  if (!anyString(value, NEEDS_DOUBLE_QUOTES)) return doc.toString(OPTIONS);
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && NEEDS_DOUBLE_QUOTES.test(node.value)) {
        node.type = 'QUOTE_DOUBLE';
        // `yaml` writes the merge key bare whatever the quoting; an explicit str tag keeps it a string.
        if (node.value === '<<') node.tag = 'tag:yaml.org,2002:str';
      }
    },
  });
  return doc.toString(OPTIONS).replace(RAW_IN_DOUBLE_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Several documents in one file, separated by `---`. */
export function toYamlStream(values: unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}
