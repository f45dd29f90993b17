/**
 * Finding and reading what `mlready lint PATH…` judges: Dockerfiles, compose files and Kubernetes
 * manifests in files and directories (or `-` for stdin), parsed into artifact facts. Binary files,
 * oversized files and YAML that is neither compose nor Kubernetes are skipped with a note.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cli/errors.js';
import { parseDockerfile } from './dockerfile.js';
import type { Artifact, LintInput } from './model.js';
import { parseYamlArtifacts } from './yaml-artifacts.js';

const MAX_BYTES = 10 * 1024 * 1024;
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.venv', 'venv', '__pycache__', '.tox']);

export type FileKind = 'dockerfile' | 'compose' | 'yaml' | 'json';

export function classify(file: string): FileKind | undefined {
  const base = path.basename(file);
  if (/^(dockerfile|containerfile)([._-].*)?$/i.test(base) || /\.(dockerfile|containerfile)$/i.test(base)) return 'dockerfile';
  if (/\.ya?ml$/i.test(base)) return /(^|[-_.])(docker-)?(compose|stack)([-_.].*)?\.ya?ml$/i.test(base) ? 'compose' : 'yaml';
  if (/\.json$/i.test(base)) return 'json';
  return undefined;
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(full, out);
    } else if (entry.isFile()) {
      const kind = classify(full);
      // In directories, JSON files are too often something else (package.json…): only named files count.
      if (kind && kind !== 'json') out.push(full);
    }
  }
}

function isBinary(buffer: Buffer): boolean {
  return buffer.subarray(0, 8192).includes(0);
}

/** Parses one file's text as what its name (or, for stdin, its content) says. */
export function parseArtifacts(file: string, text: string, kind: FileKind, skipped: LintInput['skipped']): Artifact[] {
  if (kind === 'dockerfile') {
    const artifact = parseDockerfile(file, text, existsSync(path.join(path.dirname(file), '.dockerignore')));
    if (artifact.stages.length === 0) {
      return [{ type: 'invalid', file, line: 1, format: 'dockerfile', error: 'no FROM instruction: this is not a Dockerfile' }];
    }
    return [artifact];
  }
  const parsed = parseYamlArtifacts(file, text, kind === 'compose' ? 'compose' : 'auto');
  for (const reason of parsed.skipped) skipped.push({ file, reason });
  return parsed.artifacts;
}

function sniff(text: string): FileKind {
  return /^\s*(#.*\n\s*)*(ARG\s.*\n\s*)*FROM\s/im.test(text) && !/^\s*(apiVersion|services)\s*:/m.test(text) ? 'dockerfile' : 'yaml';
}

export function collectArtifacts(paths: string[], stdin?: () => string): LintInput {
  const input: LintInput = { artifacts: [], files: [], skipped: [] };
  const files: string[] = [];
  for (const p of paths) {
    if (p === '-') continue;
    if (!existsSync(p)) throw new InputError('no such file or directory', { file: p });
    if (statSync(p).isDirectory()) walk(p, files);
    else files.push(p);
  }
  if (paths.includes('-')) {
    const text = stdin ? stdin() : readFileSync(0, 'utf8');
    input.files.push('<stdin>');
    input.artifacts.push(...parseArtifacts('<stdin>', text, sniff(text), input.skipped));
  }
  for (const file of [...new Set(files)]) {
    const kind = classify(file) ?? 'yaml';
    const size = statSync(file).size;
    if (size > MAX_BYTES) {
      input.skipped.push({ file, reason: `larger than ${MAX_BYTES / 1024 / 1024} MiB` });
      continue;
    }
    const buffer = readFileSync(file);
    if (isBinary(buffer)) {
      input.skipped.push({ file, reason: 'binary file' });
      continue;
    }
    input.files.push(file);
    input.artifacts.push(...parseArtifacts(file, buffer.toString('utf8'), kind, input.skipped));
  }
  return input;
}
