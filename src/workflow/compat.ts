/**
 * Compatibility data (data/cuda-drivers.json, data/base-images.json): which CUDA a driver runs, which
 * CUDA builds a framework version has, and which image carries each. Users can point
 * `mlready scaffold --data DIR` (or MLREADY_DATA_DIR) at their own copies of these files; a file that
 * is not in DIR comes from the package.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cli/errors.js';
import { packageRoot } from '../util/package-root.js';

export interface CudaDriverTable {
  source: string;
  retrieved: string;
  toolkits: Record<string, string>;
}

export interface FrameworkVersionEntry {
  python: string;
  cuda: Record<string, string>;
  cpu?: string;
}

export interface FrameworkTable {
  source: string;
  default: string;
  versions: Record<string, FrameworkVersionEntry>;
  image: string;
  flavours: { runtime: string; devel: string };
}

export interface BaseImageTable {
  retrieved: string;
  frameworks: Record<string, FrameworkTable>;
  aliases: Record<string, { framework: string; why: string }>;
  cuda: { source: string; python: string; runtime: Record<string, string>; devel: Record<string, string>; default: string };
  rocm: { source: string; pytorch: { image: string; python: string; rocm: string } };
  cpu: { source: string; image: string; pythons: string[] };
}

export interface CompatData {
  drivers: CudaDriverTable;
  images: BaseImageTable;
  /** Where each table was read from (package data/ or the user's directory). */
  files: { drivers: string; images: string };
}

function readTable<T>(name: string, dir: string | undefined, check: (doc: Record<string, unknown>) => string | undefined): { doc: T; file: string } {
  const user = dir ? path.resolve(dir, name) : undefined;
  const file = user && existsSync(user) ? user : path.join(packageRoot(), 'data', name);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read compatibility data: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  const problem = !doc || typeof doc !== 'object' ? 'not a JSON object' : check(doc as Record<string, unknown>);
  if (problem) throw new InputError(`not a valid compatibility table: ${problem}`, { file });
  return { doc: doc as T, file };
}

export function loadCompatData(dataDir?: string): CompatData {
  if (dataDir && !existsSync(dataDir)) throw new InputError('the --data directory does not exist', { file: dataDir });
  const needs = (keys: string[]) => (doc: Record<string, unknown>) => {
    const missing = keys.filter((k) => !(k in doc));
    return missing.length ? `missing ${missing.map((k) => `"${k}"`).join(', ')}` : undefined;
  };
  const drivers = readTable<CudaDriverTable>('cuda-drivers.json', dataDir, needs(['source', 'retrieved', 'toolkits']));
  const images = readTable<BaseImageTable>('base-images.json', dataDir, needs(['retrieved', 'frameworks', 'cuda', 'cpu']));
  return { drivers: drivers.doc, images: images.doc, files: { drivers: drivers.file, images: images.file } };
}

/** Compares dotted numeric versions ("535.54.03" vs "535.104.05"; "12.4" vs "12.10"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((p) => Number.parseInt(p, 10));
  const pb = b.split(/[.+-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isFinite(pa[i]) ? pa[i]! : 0;
    const y = Number.isFinite(pb[i]) ? pb[i]! : 0;
    if (x !== y) return x - y;
  }
  return 0;
}

export const majorMinor = (v: string): string => v.split('.').slice(0, 2).join('.');

/** The highest CUDA (major.minor) a driver runs, from the table; undefined for drivers older than every entry. */
export function cudaForDriver(driver: string, table: CudaDriverTable): string | undefined {
  let best: string | undefined;
  for (const [toolkit, minDriver] of Object.entries(table.toolkits)) {
    if (compareVersions(driver, minDriver) >= 0 && (!best || compareVersions(toolkit, best) > 0)) best = toolkit;
  }
  return best ? majorMinor(best) : undefined;
}

/** The minimum driver for a CUDA major.minor (its first release). */
export function driverForCuda(cuda: string, table: CudaDriverTable): string | undefined {
  let best: { toolkit: string; driver: string } | undefined;
  for (const [toolkit, driver] of Object.entries(table.toolkits)) {
    if (majorMinor(toolkit) !== majorMinor(cuda)) continue;
    if (!best || compareVersions(toolkit, best.toolkit) < 0) best = { toolkit, driver };
  }
  return best?.driver;
}

/** Versions of a table, newest first. */
export function newestFirst(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => compareVersions(b, a));
}

/** "2.5" → "2.5.1" (the newest matching entry); exact keys win. */
export function matchVersion(wanted: string, available: Iterable<string>): string | undefined {
  const list = newestFirst(available);
  if (list.includes(wanted)) return wanted;
  return list.find((v) => v === wanted || v.startsWith(`${wanted}.`));
}
