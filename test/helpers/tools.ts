/** Fake command-line tools on PATH (nvidia-smi, rocm-smi…), as a user's machine would have them. */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A shell script that prints a file verbatim. */
export const printsFile = (file: string) => `#!/bin/sh\ncat '${file.replace(/'/g, `'\\''`)}'\n`;

/**
 * Creates a directory holding the given executables and returns a PATH with it first, followed by
 * the system directories (so /bin/sh, cat and sleep are found, but no real GPU tool is).
 */
export function fakeToolsPath(tools: Record<string, string>): { dir: string; PATH: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlready-tools-'));
  for (const [name, script] of Object.entries(tools)) {
    const file = path.join(dir, name);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
  return { dir, PATH: [dir, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].join(path.delimiter) };
}
