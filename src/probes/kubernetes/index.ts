import type { ProbeContext } from '../context.js';
import type { KubernetesFacts } from '../../facts/cluster-schema.js';
import type { KubernetesOptions } from './options.js';

export async function probeKubernetes(_ctx: ProbeContext, _options: KubernetesOptions): Promise<KubernetesFacts> {
  return { status: 'unknown', reason: 'the Kubernetes probe is not implemented yet' };
}
