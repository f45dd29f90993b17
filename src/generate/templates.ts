/**
 * Handlebars templates under templates/, mirroring the output tree. Templates produce text only
 * through helpers that escape for their target: `json` (exec-form arrays, every non-ASCII character
 * as \uXXXX), `dq` (a Dockerfile double-quoted word: `\`, `"` and `$` escaped), `sq` (a POSIX shell
 * single-quoted word), `md` (a Markdown table cell). HTML escaping is off: nothing here is HTML.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from '../util/package-root.js';

const hb = Handlebars.create();

/** JSON with every character outside printable ASCII escaped: one line, any parser, any encoding. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A Dockerfile double-quoted word (LABEL values): no variable expansion, no line breaks. */
export function dockerfileQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`;
}

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function markdownCell(value: string): string {
  return value.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/[\r\n]+/g, ' ');
}

hb.registerHelper('json', (v: unknown) => asciiJson(v));
hb.registerHelper('dq', (v: unknown) => dockerfileQuote(String(v)));
hb.registerHelper('sq', (v: unknown) => shellQuote(String(v)));
hb.registerHelper('md', (v: unknown) => markdownCell(String(v)));
hb.registerHelper('code', (v: unknown) => `\`${String(v).replace(/`/g, "'").replace(/[\r\n]+/g, ' ')}\``);

const cache = new Map<string, Handlebars.TemplateDelegate>();

export function renderTemplate(name: string, view: object): string {
  let t = cache.get(name);
  if (!t) {
    t = hb.compile(readFileSync(path.join(packageRoot(), 'templates', name), 'utf8'), { noEscape: true, strict: true });
    cache.set(name, t);
  }
  return t(view);
}

export function readTemplateFile(name: string): string {
  return readFileSync(path.join(packageRoot(), 'templates', name), 'utf8');
}
