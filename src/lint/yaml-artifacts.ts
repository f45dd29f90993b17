/**
 * YAML files → compose services and Kubernetes objects, with line positions (`yaml` with a LineCounter):
 * multi-document files, `List` objects and kustomize output. A document that is neither is skipped with
 * a note; a YAML syntax error becomes an `invalid` artifact with its line.
 */
import { yamlLibrary } from '../util/yaml-source.js';
import type { ComposeServiceArtifact, InvalidArtifact, KubernetesArtifact, PodContainer, PodTemplate } from './model.js';

const yaml = yamlLibrary;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => !!x && typeof x === 'object' && !Array.isArray(x);

const KUSTOMIZATION_NOTE = 'a kustomization: lint the output of `kubectl kustomize DIR` (pipe it to `mlready lint -`)';

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
    default: {
      if (isObject(object.spec) && isObject(object.spec.template) && isObject(object.spec.template.spec)) return ['spec', 'template'];
      // Kubeflow training jobs (TFJob, MPIJob, XGBoostJob, PaddleJob…): the Worker role's template, else the first role's.
      const key = isObject(object.spec) ? Object.keys(object.spec).find((k) => k.endsWith('ReplicaSpecs') && isObject((object.spec as Json)[k])) : undefined;
      if (!key) return undefined;
      const specs = (object.spec as Json)[key] as Json;
      const role = 'Worker' in specs ? 'Worker' : Object.keys(specs)[0];
      return role ? ['spec', key, role, 'template'] : undefined;
    }
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
  const { LineCounter, parseAllDocuments, isNode, isMap, isScalar } = yaml();
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
    /** The line of a map key (`resources:`) rather than of its value's first line; else lineAt. */
    const keyLineAt = (path: (string | number)[]): number => {
      const last = path[path.length - 1];
      if (typeof last === 'string') {
        const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === last);
          if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
        }
      }
      return lineAt(path);
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
        if (isObject(service)) for (const key of Object.keys(service)) lines[key] = keyLineAt(['services', name, key]);
        out.artifacts.push({
          type: 'compose-service',
          file,
          line: keyLineAt(['services', name]),
          name,
          service: isObject(service) ? service : {},
          project,
          lines,
        });
      }
      return;
    }
    if (!isK8s && (/(^|[\\/])kustomization\.ya?ml$/i.test(file) || value.kind === 'Kustomization')) {
      // kustomize lets kustomization.yaml omit apiVersion and kind.
      out.skipped.push(KUSTOMIZATION_NOTE);
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
        out.skipped.push(KUSTOMIZATION_NOTE);
        continue;
      }
      const metadata = isObject(object.metadata) ? object.metadata : {};
      const templatePath = podTemplatePath(kind, object);
      let pod: PodTemplate | undefined;
      const lines: Record<string, number> = { metadata: keyLineAt([...base, 'metadata']), spec: keyLineAt([...base, 'spec']) };
      if (isObject(object.spec)) for (const key of Object.keys(object.spec)) lines[`spec.${key}`] = keyLineAt([...base, 'spec', key]);
      const jobSpec = getPath(object, ['spec', 'jobTemplate', 'spec']);
      if (kind === 'CronJob' && isObject(jobSpec)) {
        for (const key of Object.keys(jobSpec)) lines[`spec.jobTemplate.spec.${key}`] = keyLineAt([...base, 'spec', 'jobTemplate', 'spec', key]);
      }
      if (templatePath) {
        const template = templatePath.length ? getPath(object, templatePath) : object;
        if (isObject(template) && isObject(template.spec)) {
          const specPath = [...base, ...templatePath, 'spec'];
          const containers: PodContainer[] = [];
          lines['pod.spec'] = lineAt(specPath);
          for (const group of ['containers', 'initContainers'] as const) {
            const list = template.spec[group];
            if (!Array.isArray(list)) continue;
            list.forEach((c, i) => {
              const line = lineAt([...specPath, group, i]);
              const own: Record<string, number> = {};
              lines[`pod.spec.${group}.${i}`] = line;
              if (isObject(c)) {
                for (const key of Object.keys(c)) {
                  own[key] = keyLineAt([...specPath, group, i, key]);
                  lines[`pod.spec.${group}.${i}.${key}`] = own[key];
                }
              }
              const spec = isObject(c) ? c : {};
              containers.push({ group, index: i, name: String(spec.name ?? ''), image: typeof spec.image === 'string' ? spec.image : '', line, lines: own, spec });
            });
          }
          for (const key of Object.keys(template.spec)) lines[`pod.spec.${key}`] = keyLineAt([...specPath, key]);
          if (Array.isArray(template.spec.volumes)) {
            template.spec.volumes.forEach((_v, i) => (lines[`pod.spec.volumes.${i}`] = lineAt([...specPath, 'volumes', i])));
          }
          pod = {
            labels: strings(isObject(template.metadata) ? template.metadata.labels : undefined),
            spec: template.spec,
            containers,
            line: lines['pod.spec'],
          };
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
