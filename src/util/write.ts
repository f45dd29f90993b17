/**
 * Writes files all-or-nothing: each goes to a temporary file next to its target and is renamed into
 * place only after every one was written, so a failure leaves no half-written output behind.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../cli/errors.js';

export async function writeFilesAtomically(files: { file: string; content: string }[]): Promise<void> {
  const staged: { tmp: string; file: string }[] = [];
  try {
    for (const { file, content } of files) {
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
      await writeFile(tmp, content);
      staged.push({ tmp, file });
    }
  } catch (e) {
    await Promise.all(staged.map((s) => rm(s.tmp, { force: true })));
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot write: ${err.code ?? err.message}`, { file: err.path ?? files[staged.length]?.file });
  }
  for (const s of staged) await rename(s.tmp, s.file);
}
