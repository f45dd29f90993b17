/**
 * Generated CommonJS files of the build (ajv's standalone validators, precompiled templates) loaded with a
 * V8 code cache, as bin/mlready loads the CLI bundle: the facts validator alone is ~660 KiB of code, and
 * compiling it on every `assess --facts` cost more than the rest of the run. The build writes
 * `<file>.cache` after a run that used them (`saveCodeCaches`, from `bin/mlready --cache-run`); a missing,
 * stale or foreign cache (other Node version or flags) is rejected by V8 and only makes loading slower.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { trace } from './trace.js';

const loaded: { file: string; script: vm.Script }[] = [];

export function requireCompiled(file: string): unknown {
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script((Module as unknown as { wrap(s: string): string }).wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const mod = { exports: {} as unknown };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  loaded.push({ file, script });
  trace(`loaded ${path.basename(file)} (code cache ${cachedData ? (script.cachedDataRejected ? 'rejected' : 'used') : 'missing'})`);
  return mod.exports;
}

/** Build time only: saves the code V8 compiled for each file loaded so far next to it. */
export function saveCodeCaches(): void {
  for (const { file, script } of loaded) writeFileSync(`${file}.cache`, script.createCachedData());
}
