/**
 * The Kubernetes kinds `mlready scaffold` writes for a spec, add-ons included, tailored to the facts: found
 * by planning and rendering exactly as scaffold does (nothing is written) and reading the manifests.
 * `assess --with` adds them to the workload's `creates`, so that K8S-017 checks the identity may create the
 * add-ons' objects too (an Ingress, a cert-manager Certificate, the Prometheus Operator's monitors and rules)
 * — which of them scaffold writes depends on the facts (a ServiceMonitor only where the operator runs).
 */
import type { Facts } from '../facts/schema.js';
import { renderAll } from '../generate/index.js';
import { TOOL_VERSION } from '../version.js';
import { yamlLibrary } from '../util/yaml-source.js';
import { loadCompatData } from './compat.js';
import type { LoadedSpec } from './load.js';
import type { AddonName } from './model.js';
import { planWorkflow } from './planner.js';

/** The kind as `workload.creates` names it (a Knative Service is "KnativeService"). */
function kindOf(doc: unknown): string | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const { kind, apiVersion } = doc as { kind?: unknown; apiVersion?: unknown };
  if (typeof kind !== 'string') return undefined;
  return kind === 'Service' && typeof apiVersion === 'string' && apiVersion.startsWith('serving.knative.dev/') ? 'KnativeService' : kind;
}

export function scaffoldKinds(spec: LoadedSpec, facts: Facts, addons: AddonName[]): string[] {
  const data = loadCompatData(process.env.MLREADY_DATA_DIR || undefined);
  const model = planWorkflow({
    spec,
    facts,
    factsOrigin: { source: 'probe', targets: facts.targets, summary: 'the facts assess judges' },
    outDir: spec.dir,
    emit: ['k8s'],
    data,
    toolVersion: TOOL_VERSION,
    with: addons,
  });
  const kinds = new Set<string>();
  for (const file of renderAll(model, data)) {
    if (!file.path.startsWith('k8s/') || !/\.ya?ml$/.test(file.path)) continue;
    for (const doc of yamlLibrary().parseAllDocuments(file.body)) {
      const kind = 'toJS' in doc ? kindOf(doc.toJS()) : undefined;
      if (kind && kind !== 'Kustomization') kinds.add(kind);
    }
  }
  return [...kinds].sort();
}
