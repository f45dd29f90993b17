/** Validates documents against the published JSON Schemas in schemas/. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT } from './cli.js';

const require = createRequire(import.meta.url);
// ajv's 2020-12 build and ajv-formats are CommonJS.
type ErrorLike = { instancePath: string; message?: string; params: unknown };
type Validate = ((doc: unknown) => boolean) & { errors?: ErrorLike[] | null };
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (o: object) => { compile(s: object): Validate } }).default;
const addFormats = (require('ajv-formats') as { default: (ajv: unknown) => void }).default;

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const cache = new Map<string, Validate>();

export function loadSchema(name: string): object {
  return JSON.parse(readFileSync(path.join(ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as object;
}

/** Throws with every schema error listed when `doc` does not match `schemas/<name>.schema.json`. */
export function assertValid(name: string, doc: unknown): void {
  let validate = cache.get(name);
  if (!validate) {
    validate = ajv.compile(loadSchema(name));
    cache.set(name, validate);
  }
  if (!validate(doc)) {
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    throw new Error(`document does not match schemas/${name}.schema.json:\n${errors.slice(0, 20).join('\n')}`);
  }
}
