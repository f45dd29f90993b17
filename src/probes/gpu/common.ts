/** What the NVIDIA and AMD halves of the GPU probe share. */
import { describeMs, firstLine, type ToolResult } from '../../util/exec.js';
import type { ProbeContext } from '../context.js';
import type { GpuDeviceFacts, GpuToolFacts } from '../../facts/schema.js';

/** What one vendor tool told us: its `tools.<vendor>` entry plus the devices it listed. */
export interface VendorResult {
  tool: GpuToolFacts;
  devices: GpuDeviceFacts[];
}

/** A tool's output that cannot be read as what the tool should print. The message is one line. */
export class ToolOutputError extends Error {
  override name = 'ToolOutputError';
}

/**
 * Deadline for a GPU tool. `collectFacts` guards the whole probe with the same budget, started a
 * little earlier; ending the tool slightly before the budget lets the probe itself report *which*
 * tool hung ("nvidia-smi timed out…") instead of the guard's generic "gpu probe timed out".
 */
export function toolDeadlineMs(ctx: ProbeContext): number {
  // The probe module loads while other probes load theirs, so it may start tens of ms into the budget.
  const margin = Math.min(250, Math.max(50, Math.round(ctx.timeoutMs * 0.2)));
  return Math.max(25, ctx.timeoutMs - margin);
}

/**
 * The one-line reason for a tool run that did not end with exit code 0, or undefined when it did.
 * (nvidia-smi prints its errors on stdout, rocm-smi on stderr: both are looked at.)
 */
export function failedRunReason(tool: string, ctx: ProbeContext, r: ToolResult): string | undefined {
  switch (r.kind) {
    case 'ok': {
      if (r.code === 0) return undefined;
      const said = firstLine(r.stderr) || firstLine(r.stdout);
      return `${tool} exited with ${r.code}${said ? `: ${said}` : ''}`;
    }
    case 'timeout':
      return `${tool} timed out (no answer within the ${describeMs(ctx.timeoutMs)} probe budget)`;
    case 'not-found':
      return `${tool} not found on PATH`;
    case 'error':
      return `${tool} could not be run: ${firstLine(r.message)}`;
  }
}

const NOT_REPORTED = new Set([
  '',
  'n/a',
  'none',
  'not supported',
  'not available',
  'unknown',
  'unknown error',
  'insufficient permissions',
  'requested functionality has been deprecated',
  'gpu is lost',
]);

/**
 * A value as the tool reported it, or undefined when the tool did not report one: missing elements,
 * child elements where text was expected, and placeholders such as `N/A`, `None`, `[Not Supported]`.
 */
export function reported(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const text = String(value).trim();
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1).trim() : text;
  return NOT_REPORTED.has(bare.toLowerCase()) ? undefined : text;
}

/** A non-negative integer from text such as "81920 MiB", "16x" or "4", or undefined. */
export function leadingInt(value: unknown, unit?: RegExp): number | undefined {
  const text = reported(value);
  if (text === undefined) return undefined;
  const m = /^(\d+)\s*(.*)$/.exec(text);
  if (!m) return undefined;
  if (unit ? !unit.test(m[2]!) : m[2] !== '') return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Enabled/Disabled as a boolean, or undefined when not reported. */
export function enabled(value: unknown): boolean | undefined {
  const text = reported(value)?.toLowerCase();
  if (text === 'enabled') return true;
  if (text === 'disabled') return false;
  return undefined;
}

/** Drops properties whose value is undefined, so that "not reported" is left out of the facts. */
export function defined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key];
  return o;
}
