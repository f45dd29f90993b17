/**
 * Imports a module of src/ (TypeScript) from a build script, generator or benchmark: bundles it with
 * esbuild as the build does, into a temporary file in dist/ next to node_modules (so bare imports
 * resolve from the project; the build's clean-up leaves `.gen-` files alone), imports it, removes it.
 */
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let seq = 0;
export async function importSrc(entry) {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = path.join(root, 'dist', `.gen-${process.pid}-${seq++}-${path.basename(entry, '.ts')}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    packages: 'external',
    define: { __MLREADY_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'error',
  });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(out, { force: true });
  }
}
