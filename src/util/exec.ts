/**
 * Running external tools (nvidia-smi, rocm-smi, timedatectl…) with a hard deadline.
 *
 * A tool that hangs, or leaves a child holding its stdout open, must not hold the probe past its
 * budget: the tool runs in its own process group, the whole group is killed at the deadline, and the
 * promise settles at the deadline without waiting for the pipes to close.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export type ToolResult =
  | { kind: 'ok'; code: number; stdout: string; stderr: string; durationMs: number }
  | { kind: 'not-found'; command: string }
  | { kind: 'timeout'; timeoutMs: number; stdout: string }
  | { kind: 'error'; message: string };

export interface RunOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Cap on captured stdout, so a runaway tool cannot exhaust memory. */
  maxBytes?: number;
}

/** Finds an executable on PATH the way a shell would, without spawning anything. */
export function findOnPath(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (command.includes('/')) return isExecutable(command) ? command : undefined;
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const exts = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Describes a deadline in words: "5 s", "0.5 s". */
export function describeMs(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

export function runTool(command: string, args: string[], options: RunOptions): Promise<ToolResult> {
  const env = options.env ?? process.env;
  const resolved = findOnPath(command, env);
  if (!resolved) return Promise.resolve({ kind: 'not-found', command });
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const started = performance.now();

  return new Promise<ToolResult>((resolve) => {
    let settled = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    const finish = (result: ToolResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(resolved, args, {
        env: { ...env, LC_ALL: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      resolve({ kind: 'error', message: (e as Error).message });
      return;
    }
    const killGroup = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      // Do not wait for 'close': a grandchild may still hold the pipes.
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish({ kind: 'timeout', timeoutMs: options.timeoutMs, stdout: Buffer.concat(out).toString('utf8') });
    }, options.timeoutMs);
    timer.unref?.();
    child.stdout?.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= maxBytes) out.push(chunk);
      else killGroup();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (err.length < 64) err.push(chunk);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') finish({ kind: 'not-found', command });
      else finish({ kind: 'error', message: e.code === 'EACCES' ? `${resolved}: permission denied` : e.message });
    });
    child.on('close', (code, signal) => {
      if (outBytes > maxBytes) {
        finish({ kind: 'error', message: `${resolved} printed more than ${maxBytes} bytes` });
        return;
      }
      finish({
        kind: 'ok',
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: performance.now() - started,
      });
    });
    child.unref();
  });
}

/** The first line of a tool's error output, trimmed, for a one-line reason. */
export function firstLine(text: string, max = 200): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
