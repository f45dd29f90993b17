/** `mlready probe --target k8s` as a process, with an environment that sees no kubeconfig but the test's. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { cliEnv, runCli, type CliResult } from './cli.js';
import { tempDir } from './facts.js';
import { assertValid } from './schema.js';
import type { Facts } from '../../src/facts/schema.js';
import type { KubernetesFacts } from '../../src/facts/cluster-schema.js';

export interface K8sRun {
  result: CliResult;
  facts: Facts;
  k8s: KubernetesFacts;
  /** The k8s probe's own record (duration, outcome). */
  record: Facts['probes'][number] | undefined;
}

/** A temp dir with an empty HOME inside, so that ~/.kube/config is never the developer's. */
export function k8sTempDir(): { dir: string; home: string } {
  const dir = tempDir('mlready-k8s-e2e-');
  const home = path.join(dir, 'home');
  mkdirSync(home);
  return { dir, home };
}

/** Runs the CLI, checks it exited 0 with one valid facts document, and returns it. */
export async function probeK8s(args: string[], options: { home: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<K8sRun> {
  const env = cliEnv({ HOME: options.home, KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined, ...options.env });
  const result = await runCli(['probe', '--target', 'k8s', ...args], { env, timeoutMs: options.timeoutMs ?? 60000 });
  if (result.code !== 0) throw new Error(`mlready probe exited ${result.code}: ${result.stderr}`);
  const facts = JSON.parse(result.stdout) as Facts;
  assertValid('facts', facts);
  return { result, facts, k8s: facts.cluster!.kubernetes, record: facts.probes.find((p) => p.target === 'k8s') };
}
