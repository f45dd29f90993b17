/**
 * systeminformation, loaded on first use (it costs ~20 ms to import, and Linux never needs it), and
 * its calls bounded by a deadline so that one slow call (PowerShell on Windows) costs only its section.
 */
import type * as SI from 'systeminformation';
import { describeMs } from '../../util/exec.js';

export type SiModule = typeof SI;

let loaded: Promise<SiModule> | undefined;

export function loadSi(): Promise<SiModule> {
  loaded ??= import('systeminformation').then((m) => ((m as unknown as { default?: SiModule }).default ?? m) as SiModule);
  return loaded;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The call's value, or a one-line reason when it fails or outlives `ms`. */
export function settle<T>(what: string, call: () => Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, reason: `systeminformation ${what} timed out after ${describeMs(ms)}` }), ms);
    timer.unref?.();
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (e) {
      pending = Promise.reject(e);
    }
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (e: unknown) => {
        clearTimeout(timer);
        const message = e instanceof Error ? e.message : String(e);
        resolve({ ok: false, reason: `systeminformation ${what} failed: ${message.split(/\r?\n/)[0]}` });
      },
    );
  });
}

/** How long one systeminformation call may take inside the probe's budget. */
export function callBudget(timeoutMs: number): number {
  return Math.max(100, timeoutMs - 250);
}
