/**
 * JSON Schema validation with errors a person can act on: the first error, as one line naming the
 * file, line and field path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { requireCompiled } from './compiled.js';
import { packageRoot, readPackageJson } from './package-root.js';
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

/** The published schemas (schemas/<name>.schema.json). */
export type SchemaName = 'facts' | 'rules' | 'profile' | 'config' | 'report' | 'workflow';
export const SCHEMA_NAMES: readonly SchemaName[] = ['facts', 'rules', 'profile', 'config', 'report', 'workflow'];

let ajv: { compile(schema: object): ValidateFn } | undefined;
const byName = new Map<SchemaName, ValidateFn>();

/** ajv 2020-12 with formats, created on first use (CommonJS, loaded only when something is validated). */
export function createAjv(options: Record<string, unknown> = {}): { compile(schema: object): ValidateFn } {
  const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => { compile(s: object): ValidateFn } }).default;
  const addFormats = (require('ajv-formats') as { default: (a: unknown) => void }).default;
  const instance = new Ajv2020({ allErrors: false, strict: false, useDefaults: false, ...options });
  addFormats(instance);
  return instance;
}

/**
 * The validator of a published schema, compiled once per process. The build compiles them ahead of
 * time into dist/validators/<name>.cjs (ajv standalone code): compiling the facts schema at run time
 * costs hundreds of milliseconds. From source (tests), they are compiled here.
 */
export function validatorFor(name: SchemaName): ValidateFn {
  let fn = byName.get(name);
  if (fn) return fn;
  const prebuilt = path.join(packageRoot(), 'dist', 'validators', `${name}.cjs`);
  if (existsSync(prebuilt)) {
    fn = requireCompiled(prebuilt) as ValidateFn;
  } else {
    ajv ??= createAjv();
    fn = ajv.compile(readPackageJson<object>('schemas', `${name}.schema.json`));
  }
  byName.set(name, fn);
  return fn;
}

/** What the project's recurring patterns mean, in words. */
const PATTERN_MESSAGES: Record<string, string> = {
  '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$':
    "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
  '^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$': 'must be a Kubernetes quantity such as 16Gi, 512Mi, 500m or 2',
  '^[A-Z][A-Z0-9]*-[0-9]{3,}$': 'must be a rule id: a family prefix and three digits, such as HOST-001',
  '^3\\.[0-9]+$': 'must be a Python 3 version such as "3.11" (quote it in YAML)',
  '^[A-Za-z_][A-Za-z0-9_]*$': 'must be an environment variable name (letters, digits and _, not starting with a digit)',
};

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
    case 'pattern':
      return { path, message: PATTERN_MESSAGES[String(e.params.pattern)] ?? `must match ${String(e.params.pattern)}` };
    default:
      return { path, message: e.message ?? e.keyword };
  }
}

/** Validates `value` and throws an InputError pointing at the file and line of the first problem. */
export function validateOrThrow(schema: SchemaName, value: unknown, source: Pick<YamlSource, 'file' | 'lineOf'>, what: string): void {
  const fn = validatorFor(schema);
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
