/** Facts documents for tests: the built-in base fixtures, patched, written to temp files. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './cli.js';
import { mergePatch } from '../../src/rules/tester.js';
import type { Facts } from '../../src/facts/schema.js';

export function baseFacts(name = 'gpu-server'): Facts {
  return JSON.parse(readFileSync(path.join(ROOT, 'rules', 'fixtures', `${name}.json`), 'utf8')) as Facts;
}

/** The base fixture with an RFC 7386 merge patch applied. */
export function patchedFacts(patch: Record<string, unknown>, base = 'gpu-server'): Facts {
  return mergePatch(baseFacts(base), patch) as Facts;
}

export function tempDir(prefix = 'mlready-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes a JSON document into `dir` and returns its path. */
export function writeJson(dir: string, name: string, doc: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}
