/**
 * Known errors and exit codes. Every known error prints one line on stderr and exits 2; anything
 * else is an internal error (exit 3) whose stack is shown only with --debug.
 */
export const EXIT = { ok: 0, gateFailed: 1, usage: 2, internal: 3 } as const;

export class UsageError extends Error {
  readonly exitCode: number = EXIT.usage;
  override name = 'UsageError';
}

/** Bad input file: names the file, and the line and field path when known. */
export class InputError extends Error {
  readonly exitCode: number = EXIT.usage;
  override name = 'InputError';
  constructor(
    readonly detail: string,
    readonly where: { file?: string; line?: number; column?: number; path?: string } = {},
  ) {
    super(formatInputError(detail, where));
  }
}

function formatInputError(detail: string, where: InputError['where']): string {
  let location = where.file ?? '';
  if (location && where.line !== undefined) location += `:${where.line}${where.column !== undefined ? `:${where.column}` : ''}`;
  const path = where.path ? ` at ${where.path}` : '';
  return location ? `${location}${path}: ${detail}` : `${path ? `${path.trim()}: ` : ''}${detail}`;
}

export function isKnownError(e: unknown): e is UsageError | InputError {
  return e instanceof UsageError || e instanceof InputError;
}

/** One line for stderr; the stack only when debugging. */
export function describeFatal(e: unknown, debug: boolean): { text: string; exitCode: number } {
  if (isKnownError(e)) return { text: `mlready: ${oneLine(e.message)}`, exitCode: e.exitCode };
  const message = e instanceof Error ? e.message : String(e);
  const stack = debug && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  return {
    text: `mlready: internal error: ${oneLine(message)}${stack}${debug ? '' : ' (run with --debug for details)'}`,
    exitCode: EXIT.internal,
  };
}

export function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}
