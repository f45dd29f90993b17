/**
 * YAML files → compose services and Kubernetes objects, with line positions (`yaml` with a LineCounter):
 * multi-document files, `List` objects and kustomize output. A document that is neither is skipped with
 * a note; a YAML syntax error becomes an `invalid` artifact with its line.
 */
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import type { ComposeServiceArtifact, InvalidArtifact, KubernetesArtifact, PodTemplate } from './model.js';

let lib: typeof YamlLib | undefined;
const yaml = (): typeof YamlLib => (lib ??= createRequire(import.meta.url)('yaml') as typeof YamlLib);

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => !!x && typeof x === 'object' && !Array.isArray(x);

export interface YamlArtifacts {
  artifacts: (ComposeServiceArtifact | KubernetesArtifact | InvalidArtifact)[];
  skipped: string[];
}

/** Where the pod template of a workload kind lives. */
function podTemplatePath(kind: string, object: Json): (string | number)[] | undefined {
  switch (kind) {
    case 'Pod':
      return [];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return ['spec', 'template'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template'];
    case 'PyTorchJob': {
      const specs = isObject(object.spec) && isObject(object.spec.pytorchReplicaSpecs) ? object.spec.pytorchReplicaSpecs : {};
      const role = 'Worker' in specs ? 'Worker' : Object.keys(specs)[0];
      return role ? ['spec', 'pytorchReplicaSpecs', role, 'template'] : undefined;
    }
    default:
      return isObject(object.spec) && isObject(object.spec.template) && isObject(object.spec.template.spec) ? ['spec', 'template'] : undefined;
  }
}

function getPath(object: unknown, path: (string | number)[]): unknown {
  let node = object;
  for (const p of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[p];
  }
  return node;
}

const strings = (x: unknown): Record<string, string> =>
  isObject(x) ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, String(v)])) : {};

export function parseYamlArtifacts(file: string, text: string, hint: 'compose' | 'auto' = 'auto'): YamlArtifacts {
  const { LineCounter, parseAllDocuments, isNode } = yaml();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: false });
  const out: YamlArtifacts = { artifacts: [], skipped: [] };
  const docsArray = Array.isArray(docs) ? docs : [docs];
  docsArray.forEach((doc, docIndex) => {
    const error = doc.errors[0];
    if (error) {
      out.artifacts.push({ type: 'invalid', file, line: lineCounter.linePos(error.pos[0]).line, format: 'yaml', error: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') });
      return;
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return; // empty document (a trailing ---)
    const lineAt = (path: (string | number)[]): number => {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return 1;
    };
    if (!isObject(value)) {
      out.skipped.push(`document ${docIndex + 1} is not a mapping`);
      return;
    }
    const isK8s = typeof value.apiVersion === 'string' && typeof value.kind === 'string';
    if (!isK8s && isObject(value.services) && (hint === 'compose' || !('apiVersion' in value))) {
      const serviceNames = Object.keys(value.services);
      const project = {
        ...(typeof value.name === 'string' ? { name: value.name } : {}),
        services: serviceNames,
        volumes: isObject(value.volumes) ? Object.keys(value.volumes) : [],
      };
      for (const name of serviceNames) {
        const service = (value.services as Json)[name];
        const lines: Record<string, number> = {};
        if (isObject(service)) for (const key of Object.keys(service)) lines[key] = lineAt(['services', name, key]);
        out.artifacts.push({
          type: 'compose-service',
          file,
          line: lineAt(['services', name]),
          name,
          service: isObject(service) ? service : {},
          project,
          lines,
        });
      }
      return;
    }
    if (!isK8s) {
      out.skipped.push(`document ${docIndex + 1} is neither a compose file nor a Kubernetes object`);
      return;
    }
    const items: [Json, (string | number)[]][] =
      value.kind === 'List' || (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items))
        ? ((value.items as unknown[]) ?? []).map((item, i) => [item as Json, ['items', i]] as [Json, (string | number)[]])
        : [[value, []]];
    for (const [object, base] of items) {
      if (!isObject(object) || typeof object.kind !== 'string') {
        out.skipped.push(`an item of document ${docIndex + 1} has no kind`);
        continue;
      }
      const kind = object.kind;
      if (kind === 'Kustomization') {
        out.skipped.push('kustomization.yaml: lint the output of `kubectl kustomize DIR` (pipe it to `mlready lint -`)');
        continue;
      }
      const metadata = isObject(object.metadata) ? object.metadata : {};
      const templatePath = podTemplatePath(kind, object);
      let pod: PodTemplate | undefined;
      const lines: Record<string, number> = { metadata: lineAt([...base, 'metadata']), spec: lineAt([...base, 'spec']) };
      if (templatePath) {
        const template = templatePath.length ? getPath(object, templatePath) : object;
        if (isObject(template) && isObject(template.spec)) {
          pod = { labels: strings(isObject(template.metadata) ? template.metadata.labels : undefined), spec: template.spec };
          const specPath = [...base, ...templatePath, 'spec'];
          lines['pod.spec'] = lineAt(specPath);
          for (const group of ['containers', 'initContainers'] as const) {
            const list = template.spec[group];
            if (!Array.isArray(list)) continue;
            list.forEach((c, i) => {
              lines[`pod.spec.${group}.${i}`] = lineAt([...specPath, group, i]);
              if (isObject(c)) {
                for (const key of ['image', 'resources', 'securityContext', 'readinessProbe', 'livenessProbe', 'startupProbe', 'env']) {
                  if (key in c) lines[`pod.spec.${group}.${i}.${key}`] = lineAt([...specPath, group, i, key]);
                }
              }
            });
          }
          for (const key of ['volumes', 'tolerations', 'nodeSelector', 'securityContext', 'hostNetwork', 'hostPID', 'hostIPC']) {
            if (key in template.spec) lines[`pod.spec.${key}`] = lineAt([...specPath, key]);
          }
        }
      }
      out.artifacts.push({
        type: 'k8s',
        file,
        line: lineAt(base.length ? base : []),
        apiVersion: String(object.apiVersion ?? ''),
        kind,
        name: String(metadata.name ?? ''),
        ...(typeof metadata.namespace === 'string' ? { namespace: metadata.namespace } : {}),
        labels: strings(metadata.labels),
        annotations: strings(metadata.annotations),
        object,
        ...(pod ? { pod } : {}),
        lines,
      });
    }
  });
  return out;
}
