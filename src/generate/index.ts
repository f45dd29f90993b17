/**
 * Renders every requested kind from the model, in memory: nothing is written here. Paths are
 * relative to the output directory, with POSIX separators, in a stable order.
 */
import type { CompatData } from '../workflow/compat.js';
import type { WorkflowModel } from '../workflow/model.js';
import { buildCompose, buildStack, COMPOSE_SECRETS_DIR, usedSecrets } from './compose.js';
import { buildBake } from './bake.js';
import { renderLambdaAdapter, renderLambdaDockerfile } from './lambda.js';
import { renderDockerfile, renderDockerignore } from './dockerfile.js';
import { renderKubernetes } from './kubernetes.js';
import { renderTemplate } from './templates.js';
import { toYaml, toYamlStream } from './yaml.js';
import { ADDONS, type AddonFile } from './addons/index.js';
import type { AddonName } from '../workflow/model.js';

export interface GeneratedFile {
  path: string;
  body: string;
  /** How the header comment is written ('none': a format without comments, such as JSON). */
  comment: 'hash' | 'html' | 'none';
  what: string;
}

export function renderAll(model: WorkflowModel, data: CompatData): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  const secrets = usedSecrets(model);
  if (model.emit.includes('dockerfile')) {
    files.push({ path: 'Dockerfile', body: renderDockerfile(model), comment: 'hash', what: `multi-stage build: builder, runtime, one target per stage (base ${model.build.baseImage})` });
  }
  if (model.emit.includes('dockerfile') || model.lambda.length) {
    // Compose reads data-source credentials from files under secrets/: they never enter an image.
    const ignoreSecrets = secrets.length ? `\n# Data-source credentials for compose (${COMPOSE_SECRETS_DIR}/<secret>): never in an image.\n${COMPOSE_SECRETS_DIR}\n` : '';
    const ignoreLambda = model.lambda.length ? '\n# The Lambda images\' Dockerfiles and handler adapter are added where they are needed.\nDockerfile.lambda-*\n' : '';
    files.push({ path: '.dockerignore', body: `${renderDockerignore()}${ignoreSecrets}${ignoreLambda}`, comment: 'hash', what: 'keeps data, checkpoints, .git and virtual environments out of the build context' });
  }
  for (const l of model.lambda) {
    files.push({ path: l.dockerfilePath, body: renderLambdaDockerfile(model, l), comment: 'hash', what: `AWS Lambda container image of stage ${l.stage} (${l.baseImage}, handler mlready_lambda.handler)` });
  }
  if (model.lambda.length) {
    files.push({ path: model.lambda[0]!.adapterPath, body: renderLambdaAdapter(), comment: 'hash', what: 'Lambda handler: starts the stage\'s server and forwards API Gateway, ALB and function-URL events to it' });
  }
  if (model.platforms.length) {
    files.push({ path: 'docker-bake.json', body: `${JSON.stringify(buildBake(model), null, 2)}\n`, comment: 'none', what: `docker buildx bake: every image for ${model.platforms.join(', ')}` });
  }
  // Documents first, then the add-ons extend them, then everything is serialised.
  const compose = model.emit.includes('compose') ? buildCompose(model) : undefined;
  const stack = model.emit.includes('swarm') ? buildStack(model) : undefined;
  const k8s = model.emit.includes('k8s') ? renderKubernetes(model) : undefined;
  const addonFiles: AddonFile[] = [];
  for (const [name, plan] of Object.entries(model.addons) as [AddonName, Record<string, unknown>][]) {
    const base = k8s?.filter((f) => f.path.startsWith('k8s/base/'));
    const before = new Set(base?.map((f) => f.path));
    ADDONS[name].render({ model, plan, ...(compose ? { compose } : {}), ...(stack ? { stack } : {}), ...(base ? { k8s: base } : {}), files: addonFiles });
    // New base files join the kustomize base.
    if (k8s && base) {
      for (const f of base) if (!before.has(f.path)) k8s.push(f);
      addToKustomization(k8s, base.filter((f) => !before.has(f.path)).map((f) => f.path));
    }
  }
  if (compose) files.push({ path: 'compose.yaml', body: toYaml(compose), comment: 'hash', what: 'Docker Compose: one service per stage, batch stages chained with depends_on' });
  if (stack) files.push({ path: 'docker-stack.yml', body: toYaml(stack), comment: 'hash', what: 'Docker Swarm stack (docker stack deploy): images only, GPUs as generic resources' });
  for (const f of k8s ?? []) files.push({ path: f.path, body: toYamlStream(f.docs), comment: 'hash', what: describeK8s(f.path, f.docs) });
  for (const f of addonFiles) {
    const body = typeof f.body === 'string' ? f.body : 'yaml' in f.body ? (Array.isArray(f.body.yaml) ? toYamlStream(f.body.yaml) : toYaml(f.body.yaml)) : `${JSON.stringify(f.body.json, null, 2)}\n`;
    files.push({ path: f.path, body, comment: f.comment, what: f.what });
  }
  const scaffold: GeneratedFile = { path: 'SCAFFOLD.md', body: '', comment: 'html', what: 'this file: every decision and its reason' };
  files.push(scaffold);
  scaffold.body = renderTemplate('SCAFFOLD.md.hbs', {
    name: model.name,
    specRef: model.specRef,
    facts: model.facts.source === 'none' ? 'none (generic defaults)' : model.facts.summary,
    version: model.toolVersion,
    generic: model.facts.source === 'none',
    files: files.map((f) => ({ path: f.path, what: f.what })),
    decisions: model.decisions,
    warnings: model.warnings,
    stages: model.stages.map((s) => ({
      name: s.name,
      type: s.type,
      needs: s.needs.join(', ') || '—',
      image: s.image,
      cpu: s.cpu,
      memory: s.memory,
      gpuCompose: s.gpu.compose,
      gpuKubernetes: s.gpu.kubernetes,
    })),
    lambda: model.lambda.map((l) => ({ stage: l.stage, dockerfile: l.dockerfilePath, image: l.image, memoryMiB: l.memoryMiB, timeoutSeconds: l.timeoutSeconds, architecture: l.platform === 'linux/arm64' ? 'arm64' : 'x86_64' })),
    bake: model.platforms.length > 0,
    platforms: model.platforms.join(','),
    composeSecrets: secrets,
    namespace: model.namespace,
    knative: model.emit.includes('k8s') ? model.stages.filter((s) => s.serving === 'knative').map((s) => s.name) : [],
    emitCompose: model.emit.includes('compose'),
    emitSwarm: model.emit.includes('swarm'),
    emitK8s: model.emit.includes('k8s'),
    units: model.ordering.units.map((u) => ({
      name: u.name,
      description: u.kind === 'chain' ? `Job: ${u.stages.join(' → ')}` : u.kind === 'pytorchjob' ? `PyTorchJob: ${u.stages[0]}` : `Indexed Job: ${u.stages[0]}`,
    })),
    markerDir: model.ordering.markerDir,
    data: [
      { file: 'cuda-drivers.json', source: data.drivers.source, retrieved: data.drivers.retrieved },
      { file: 'base-images.json', source: Object.values(data.images.frameworks).map((f) => f.source).concat(data.images.cuda.source, data.images.cpu.source).join(', '), retrieved: data.images.retrieved },
    ],
  });
  for (const f of files) f.body = `${f.body.replace(/\s+$/, '')}\n`;
  return files;
}

/** Appends resources to the kustomize base's kustomization.yaml (paths relative to k8s/base/). */
function addToKustomization(k8s: { path: string; docs: Record<string, unknown>[] }[], added: string[]): void {
  if (!added.length) return;
  const kustomization = k8s.find((f) => f.path === 'k8s/base/kustomization.yaml')?.docs[0];
  if (!kustomization) return;
  const resources = (kustomization.resources as string[] | undefined) ?? [];
  kustomization.resources = [...resources, ...added.map((p) => p.slice('k8s/base/'.length)).filter((p) => !resources.includes(p))];
}

function describeK8s(path: string, docs: Record<string, unknown>[]): string {
  const kinds = [...new Set(docs.map((d) => String(d.kind)))].join(', ');
  if (path.endsWith('kustomization.yaml')) return path.includes('overlays') ? `kustomize overlay ${path.split('/')[2]}` : 'kustomize base';
  return kinds;
}
