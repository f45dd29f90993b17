/** The installed package's root (where package.json, rules/, schemas/, data/ and templates/ live). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mlready') return (root = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the mlready package root');
    dir = parent;
  }
}

/** Reads a JSON file shipped with the package (schemas/, data/). */
export function readPackageJson<T>(...segments: string[]): T {
  return JSON.parse(readFileSync(path.join(packageRoot(), ...segments), 'utf8')) as T;
}
