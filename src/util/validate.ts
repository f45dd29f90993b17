/**
 * JSON Schema validation with errors a person can act on: the first error, as one line naming the
 * file, line and field path.
 */
import { createRequire } from 'node:module';
import { InputError } from '../cli/errors.js';
import { formatPath, pointerToPath, type YamlSource } from './yaml-source.js';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
export type ValidateFn = ((doc: unknown) => boolean) & { errors?: AjvError[] | null };

const require = createRequire(import.meta.url);
let ajv: { compile(schema: object): ValidateFn } | undefined;
const compiled = new WeakMap<object, ValidateFn>();

/** Compiles a schema once (ajv 2020-12 with formats). */
export function validator(schema: object): ValidateFn {
  let fn = compiled.get(schema);
  if (fn) return fn;
  if (!ajv) {
    // ajv and ajv-formats are CommonJS; loaded only when something is validated.
    const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => { compile(s: object): ValidateFn } }).default;
    const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
    ajv = new Ajv2020({ allErrors: false, strict: false, useDefaults: false });
    addFormats(ajv);
  }
  fn = ajv.compile(schema);
  compiled.set(schema, fn);
  return fn;
}

export function describeAjvError(e: AjvError): { path: (string | number)[]; message: string } {
  const path = pointerToPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: [...path, String(e.params.additionalProperty)], message: 'unknown key' };
    case 'required':
      return { path, message: `missing required key "${String(e.params.missingProperty)}"` };
    case 'enum':
      return { path, message: `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(e.params.allowedValue)}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

/** Validates `value` and throws an InputError pointing at the file and line of the first problem. */
export function validateOrThrow(schema: object, value: unknown, source: Pick<YamlSource, 'file' | 'lineOf'>, what: string): void {
  const fn = validator(schema);
  if (fn(value)) return;
  const first = fn.errors?.[0];
  if (!first) throw new InputError(`invalid ${what}`, { file: source.file });
  const { path, message } = describeAjvError(first);
  throw new InputError(`invalid ${what}: ${message}`, {
    file: source.file,
    line: source.lineOf(path),
    path: path.length ? formatPath(path) : undefined,
  });
}
