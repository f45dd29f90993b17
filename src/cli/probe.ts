import { collectFacts, type Target } from '../facts/collect.js';
import { redactFacts } from '../facts/redact.js';
import { stderrProgress } from './progress.js';

export interface ProbeOptions {
  target: Target[];
  timeout: number;
  pretty?: boolean;
  redact?: boolean;
}

export async function probeCommand(opts: ProbeOptions): Promise<void> {
  const progress = stderrProgress();
  let facts = await collectFacts({ targets: opts.target, timeoutMs: opts.timeout, progress: progress.update });
  progress.done();
  if (opts.redact) facts = redactFacts(facts);
  process.stdout.write(`${JSON.stringify(facts, null, opts.pretty ? 2 : undefined)}\n`);
}
