import { collectFacts, type Target } from '../facts/collect.js';
import { stderrProgress } from './progress.js';

export interface ProbeOptions {
  target: Target[];
  timeout: number;
  pretty?: boolean;
  redact?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** The Kubernetes connection options of a probing command. */
export function kubernetesOptions(opts: Pick<ProbeOptions, 'kubeconfig' | 'context' | 'namespace'>, specNamespace?: string) {
  return {
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    ...(specNamespace ? { specNamespace } : {}),
    debug: process.argv.includes('--debug'),
  };
}

export async function probeCommand(opts: ProbeOptions): Promise<void> {
  const progress = stderrProgress();
  let facts = await collectFacts({
    targets: opts.target,
    timeoutMs: opts.timeout,
    progress: progress.update,
    kubernetes: kubernetesOptions(opts),
  });
  progress.done();
  // Redaction (and node:crypto, ~2 ms to load) only when asked for.
  if (opts.redact) facts = (await import('../facts/redact.js')).redactFacts(facts);
  process.stdout.write(`${JSON.stringify(facts, null, opts.pretty ? 2 : undefined)}\n`);
}
