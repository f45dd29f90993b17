/**
 * Handlebars for messages and reports, fast: the build precompiles the built-in templates (rule
 * messages into the rules' code, the HTML report into dist/templates-html.cjs), so a run loads only
 * the small handlebars runtime.
 * Templates the build did not see (a user's rule pack; running from source in tests) are compiled with
 * the full handlebars compiler, loaded on first need.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { requireCompiled } from './compiled.js';
import path from 'node:path';
import RuntimeModule from 'handlebars/runtime.js';
import { packageRoot } from './package-root.js';

const require = createRequire(import.meta.url);

export type Template = (data: unknown) => string;
/** A precompiled template: what Handlebars.precompile emits, evaluated. */
type Spec = Record<string, unknown>;
export type TemplateSpec = Spec;
type Helper = (...args: never[]) => unknown;

/** The part of the handlebars API used here (its bundled types do not describe the runtime build). */
interface Env {
  create(): Env;
  registerHelper(name: string, fn: Helper): void;
  template(spec: Spec): Template;
  compile?(source: string, options: object): Template;
  SafeString: new (html: string) => unknown;
  escapeExpression(s: string): string;
}
const Runtime = RuntimeModule as unknown as Env;

/** Options every template is compiled with, at build time and at run time alike. */
export const COMPILE_OPTIONS = { noEscape: false, strict: false } as const;
export const PLAIN_TEXT_OPTIONS = { noEscape: true, strict: false } as const;

/** Precompiled report templates (dist/templates-html.cjs, from the build). */
let precompiled: Record<string, Spec> | undefined;
function precompiledSpecs(): Record<string, Spec> {
  if (!precompiled) {
    const file = path.join(packageRoot(), 'dist', 'templates-html.cjs');
    precompiled = existsSync(file) ? (requireCompiled(file) as Record<string, Spec>) : {};
  }
  return precompiled;
}

/** The key of a template in dist/templates.cjs: its options and source. */
export function templateKey(source: string, plainText: boolean): string {
  return `${plainText ? 'text' : 'html'}\0${source}`;
}

const instances = new Map<string, Env>();

/** A handlebars environment with the given helpers, the runtime's unless a template must be compiled. */
function environment(name: string, base: Env, helpers: Record<string, Helper>): Env {
  let env = instances.get(name);
  if (!env) {
    env = base.create();
    for (const [h, fn] of Object.entries(helpers)) env.registerHelper(h, fn);
    instances.set(name, env);
  }
  return env;
}

let compiler: Env | undefined;

/**
 * A template function for `source`: the precompiled one when the build saw this template, else
 * compiled now (the full compiler loads once, from node_modules).
 */
export function template(
  source: string,
  options: { plainText: boolean; env: string; helpers: Record<string, Helper> },
): Template {
  const spec = options.plainText ? undefined : precompiledSpecs()[templateKey(source, false)];
  if (spec) return environment(options.env, Runtime, options.helpers).template(spec);
  compiler ??= require('handlebars') as Env;
  const env = environment(`compiler:${options.env}`, compiler, options.helpers);
  return env.compile!(source, options.plainText ? PLAIN_TEXT_OPTIONS : COMPILE_OPTIONS);
}

/** A template from a precompiled spec (the build's code for a built-in rule message). */
export function templateFromSpec(spec: TemplateSpec, options: { env: string; helpers: Record<string, Helper> }): Template {
  return environment(options.env, Runtime, options.helpers).template(spec);
}

/** `new SafeString` of the runtime (HTML already escaped by the caller). */
export function safeString(html: string): unknown {
  return new Runtime.SafeString(html);
}

export const escapeExpression = (s: string): string => Runtime.escapeExpression(s);
