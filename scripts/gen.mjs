#!/usr/bin/env node
/**
 * Writes the generated files (JSON Schemas, docs/rules.md…) from their sources in src/.
 * `node scripts/gen.mjs --check` exits 1 naming the stale files instead of writing.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Bundled next to node_modules so that bare imports resolve from the project.
const out = path.join(root, 'dist', `.gen-${process.pid}.mjs`);
await build({
  absWorkingDir: root,
  entryPoints: ['src/gen/index.ts'],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  define: { __MLREADY_VERSION__: JSON.stringify(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version) },
  logLevel: 'error',
});
const { phases } = await import(pathToFileURL(out).href);
rmSync(out, { force: true });
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
