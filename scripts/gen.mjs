#!/usr/bin/env node
/**
 * Writes the generated files (JSON Schemas, docs/rules.md…) from their sources in src/.
 * `node scripts/gen.mjs --check` exits 1 naming the stale files instead of writing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { importSrc, root } from './lib/import-src.mjs';

const { phases } = await importSrc('src/gen/index.ts');
const check = process.argv.includes('--check');
const stale = [];
// Each phase is written before the next one runs (the docs phase loads rules against the new schemas).
for (const phase of phases) {
  for (const file of await phase()) {
    const target = path.join(root, file.path);
    let current = null;
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current === file.content) continue;
    stale.push(file.path);
    if (!check) {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
  }
}
if (check && stale.length) {
  process.stderr.write(`stale generated files (run npm run gen): ${stale.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(stale.length ? `${check ? 'stale' : 'wrote'}: ${stale.join(', ')}\n` : 'generated files are up to date\n');
