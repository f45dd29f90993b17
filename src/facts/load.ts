/**
 * Reading a saved facts document (`assess --facts FILE`): JSON, the same major schema version, valid
 * against the facts schema. Errors are one line naming the file (and line, for JSON syntax errors).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../cli/errors.js';
import type { Facts } from './schema.js';
import { FACTS_SCHEMA_VERSION } from './version.js';

/** Refuses a document of a newer major version; names the version this mlready reads. */
export function checkSchemaVersion(version: unknown, current: string, what: string, file: string): void {
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new InputError(`not a ${what}: schemaVersion is ${version === undefined ? 'missing' : JSON.stringify(version)}`, { file, path: 'schemaVersion' });
  }
  const major = Number(version.split('.')[0]);
  const ours = Number(current.split('.')[0]);
  if (major !== ours) {
    throw new InputError(
      `${what} schemaVersion ${version} is not supported: this mlready reads ${ours}.x (${current})${major > ours ? '; upgrade mlready' : ''}`,
      { file, path: 'schemaVersion' },
    );
  }
}

/** JSON.parse with the line of a syntax error. */
export function parseJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new InputError(`${what} is not valid JSON: ${message.replace(/^JSON\.parse: /, '').split('\n')[0]}`, { file, line });
  }
}

export async function loadFactsFile(file: string): Promise<Facts> {
  const doc = parseJsonFile(file, 'the facts file') as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new InputError('not a facts document (expected a JSON object)', { file });
  checkSchemaVersion(doc.schemaVersion, FACTS_SCHEMA_VERSION, 'facts document', file);
  const { validatorFor, describeAjvError } = await import('../util/validate.js');
  const validate = validatorFor('facts');
  if (!validate(doc)) {
    const first = validate.errors?.[0];
    const { path, message } = first ? describeAjvError(first) : { path: [], message: 'invalid' };
    throw new InputError(`not a valid facts document: ${message}`, { file, path: path.join('.') || undefined });
  }
  return doc as unknown as Facts;
}
