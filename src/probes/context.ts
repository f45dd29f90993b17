/**
 * What every probe receives. A probe is an async function of a ProbeContext that returns its facts
 * section and never throws past its boundary: failures become `unknown` with a one-line reason.
 */
export interface ProbeContext {
  /** Budget of this target's probe in milliseconds (`--timeout`, default 5 s). */
  timeoutMs: number;
  /** Aborted when the budget is spent; long operations should stop early. */
  signal: AbortSignal;
  /** The environment the user ran mlready with (tests pass their own). */
  env: NodeJS.ProcessEnv;
  /** The working directory whose filesystem is inspected. */
  cwd: string;
  /** The temp directory whose filesystem is inspected. */
  tmpdir: string;
  /** Root of the filesystem views read on Linux (`/proc`, `/sys`, `/etc`): "/" except in tests. */
  fsRoot: string;
  /** Progress for humans; a no-op unless stderr is a TTY. */
  progress(message: string): void;
}

/** Message of any thrown value, on one line. */
export function errorMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split(/\r?\n/)[0]!.trim() || 'unknown error';
}

/** Why a storage path could not be read, in one line (every platform's storage probe). */
export function storageErrorReason(e: unknown, p: string): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return `no such directory: ${p}`;
  if (code === 'EACCES' || code === 'EPERM') return `permission denied: ${p}`;
  if (code === 'ELOOP') return `too many symbolic links: ${p}`;
  const message = e instanceof Error ? e.message : String(e);
  return `${p}: ${message.split(/\r?\n/)[0]}`;
}
