/**
 * Tests that change the shared Docker engine (swarm init/leave, builds, compose up, stack deploy) run
 * one at a time across jest workers: each such suite holds this lock from beforeAll to afterAll.
 *
 *   beforeAll(() => acquireEngineLock(), 600_000);
 *   afterAll(() => releaseEngineLock());
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK = path.join(os.tmpdir(), 'mlready-docker-engine.lock');
/** A lock older than this is from a run that died; take it over. */
const STALE_MS = 15 * 60 * 1000;
let held = false;

export async function acquireEngineLock(timeoutMs = 600_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'owner'), `${process.pid}\n`);
      held = true;
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        /* raced with the owner releasing it */
      }
      if (Date.now() - started > timeoutMs) throw new Error(`could not acquire ${LOCK} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export function releaseEngineLock(): void {
  if (!held) return;
  rmSync(LOCK, { recursive: true, force: true });
  held = false;
}
