/**
 * YAML emission for generated files: documents are built as objects and stringified with `yaml`,
 * never assembled from strings. Output is YAML 1.1-safe, because compose (PyYAML) and Kubernetes
 * (go-yaml) read YAML 1.1: `no`, `on`, `0755`, `1:20` are quoted, and any string holding a control
 * character, a YAML 1.1 line break (U+0085, U+2028, U+2029), a BOM or a non-character is written
 * double-quoted with escapes, so every string reaches its reader unchanged.
 */
import { Document, visit, isScalar } from 'yaml';

const NEEDS_DOUBLE_QUOTES = /[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
/** Characters `yaml` leaves raw inside double quotes; only ever inside double-quoted scalars here. */
const RAW_IN_DOUBLE_QUOTES = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

export function toYaml(value: unknown): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && NEEDS_DOUBLE_QUOTES.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc
    .toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true, doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER })
    .replace(RAW_IN_DOUBLE_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Several documents in one file, separated by `---`. */
export function toYamlStream(values: unknown[]): string {
  return values.map((v) => toYaml(v)).join('---\n');
}
