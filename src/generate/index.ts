/**
 * Renders every requested kind from the model, in memory: nothing is written here. Paths are
 * relative to the output directory, with POSIX separators, in a stable order.
 */
import type { CompatData } from '../workflow/compat.js';
import type { WorkflowModel } from '../workflow/model.js';
import { buildCompose, buildStack } from './compose.js';
import { renderDockerfile, renderDockerignore } from './dockerfile.js';
import { renderKubernetes } from './kubernetes.js';
import { renderTemplate } from './templates.js';
import { toYaml, toYamlStream } from './yaml.js';

export interface GeneratedFile {
  path: string;
  body: string;
  /** How the header comment is written. */
  comment: 'hash' | 'html';
  what: string;
}

export function renderAll(model: WorkflowModel, data: CompatData): GeneratedFile[] {
  const files: GeneratedFile[] = [];
  if (model.emit.includes('dockerfile')) {
    files.push({ path: 'Dockerfile', body: renderDockerfile(model), comment: 'hash', what: `multi-stage build: builder, runtime, one target per stage (base ${model.build.baseImage})` });
    files.push({ path: '.dockerignore', body: renderDockerignore(), comment: 'hash', what: 'keeps data, checkpoints, .git and virtual environments out of the build context' });
  }
  if (model.emit.includes('compose')) {
    files.push({ path: 'compose.yaml', body: toYaml(buildCompose(model)), comment: 'hash', what: 'Docker Compose: one service per stage, batch stages chained with depends_on' });
  }
  if (model.emit.includes('swarm')) {
    files.push({ path: 'docker-stack.yml', body: toYaml(buildStack(model)), comment: 'hash', what: 'Docker Swarm stack (docker stack deploy): images only, GPUs as generic resources' });
  }
  if (model.emit.includes('k8s')) {
    for (const f of renderKubernetes(model)) {
      files.push({ path: f.path, body: toYamlStream(f.docs), comment: 'hash', what: describeK8s(f.path, f.docs) });
    }
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

function describeK8s(path: string, docs: Record<string, unknown>[]): string {
  const kinds = [...new Set(docs.map((d) => String(d.kind)))].join(', ');
  if (path.endsWith('kustomization.yaml')) return path.includes('overlays') ? `kustomize overlay ${path.split('/')[2]}` : 'kustomize base';
  return kinds;
}
