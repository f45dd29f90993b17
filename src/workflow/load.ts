/**
 * Reading and validating a workflow spec. Schema errors and semantic errors (unknown `needs`, cycles,
 * a batch stage needing a service, undeclared volumes…) are one line naming the file, line and path;
 * nothing is generated or evaluated from an invalid spec.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cli/errors.js';
import { readPackageJson } from '../util/package-root.js';
import { validateOrThrow } from '../util/validate.js';
import { formatPath, parseYaml, type YamlSource } from '../util/yaml-source.js';
import type { StageDoc, WorkflowDoc } from './schema.js';

import { DEFAULT_SPEC_FILE } from './spec-file.js';

export { DEFAULT_SPEC_FILE };

export interface LoadedSpec {
  file: string;
  dir: string;
  doc: WorkflowDoc;
  source: YamlSource;
}

export function readSpec(file: string): LoadedSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the workflow spec: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  const source = parseYaml(file, text);
  if (source.value === null || typeof source.value !== 'object') throw new InputError('the workflow spec is empty or not a mapping', { file, line: 1 });
  validateOrThrow('workflow', source.value, source, 'workflow spec');
  const doc = source.value as WorkflowDoc;
  checkSemantics(doc, source);
  return { file, dir: path.dirname(path.resolve(file)), doc, source };
}

/** `--spec FILE`, or mlready.yaml in the working directory when present; undefined when neither. */
export function findSpec(explicit: string | undefined, cwd: string): string | undefined {
  if (explicit) return explicit;
  const candidate = path.join(cwd, DEFAULT_SPEC_FILE);
  return existsSync(candidate) ? candidate : undefined;
}

function fail(source: YamlSource, at: (string | number)[], message: string): never {
  throw new InputError(message, { file: source.file, line: source.lineOf(at), path: formatPath(at) });
}

export function checkSemantics(doc: WorkflowDoc, source: YamlSource): void {
  const stages = doc.spec.stages;
  const volumes = doc.spec.volumes ?? [];
  const stageIndex = new Map<string, number>();
  stages.forEach((s, i) => {
    if (stageIndex.has(s.name)) fail(source, ['spec', 'stages', i, 'name'], `duplicate stage name "${s.name}"`);
    stageIndex.set(s.name, i);
  });
  const volumeNames = new Set<string>();
  volumes.forEach((v, i) => {
    if (volumeNames.has(v.name)) fail(source, ['spec', 'volumes', i, 'name'], `duplicate volume name "${v.name}"`);
    volumeNames.add(v.name);
  });
  const dataSourceNames = new Set<string>();
  (doc.spec.dataSources ?? []).forEach((d, i) => {
    if (dataSourceNames.has(d.name)) fail(source, ['spec', 'dataSources', i, 'name'], `duplicate data source name "${d.name}"`);
    dataSourceNames.add(d.name);
  });
  stages.forEach((s, i) => {
    (s.dataSources ?? []).forEach((d, j) => {
      if (!dataSourceNames.has(d)) {
        fail(source, ['spec', 'stages', i, 'dataSources', j], `stage "${s.name}" uses data source "${d}", which is not in spec.dataSources${dataSourceNames.size ? ` (${[...dataSourceNames].join(', ')})` : ''}`);
      }
    });
    if (s.serving !== undefined && s.type !== 'service') fail(source, ['spec', 'stages', i, 'serving'], `serving applies to service stages only ("${s.name}" is a batch stage)`);
  });
  stages.forEach((s, i) => {
    (s.needs ?? []).forEach((n, j) => {
      const at = ['spec', 'stages', i, 'needs', j];
      const target = stageIndex.get(n);
      if (target === undefined) fail(source, at, `stage "${s.name}" needs "${n}", which is not a stage (stages: ${[...stageIndex.keys()].join(', ')})`);
      if (n === s.name) fail(source, at, `stage "${s.name}" needs itself`);
      if (s.type === 'batch' && stages[target]!.type === 'service') {
        fail(source, at, `batch stage "${s.name}" cannot need service stage "${n}": a service never completes`);
      }
    });
    (s.volumes ?? []).forEach((v, j) => {
      if (!volumeNames.has(v)) fail(source, ['spec', 'stages', i, 'volumes', j], `stage "${s.name}" mounts "${v}", which is not in spec.volumes`);
    });
    if (s.type === 'service' && s.port === undefined) fail(source, ['spec', 'stages', i], `service stage "${s.name}" needs a port`);
    if (s.type === 'batch' && (s.port !== undefined || s.healthPath !== undefined || s.autoscale !== undefined)) {
      const key = s.port !== undefined ? 'port' : s.healthPath !== undefined ? 'healthPath' : 'autoscale';
      fail(source, ['spec', 'stages', i, key], `${key} applies to service stages only ("${s.name}" is a batch stage)`);
    }
    if (s.autoscale && s.autoscale.min > s.autoscale.max) {
      fail(source, ['spec', 'stages', i, 'autoscale', 'min'], `autoscale.min (${s.autoscale.min}) is greater than autoscale.max (${s.autoscale.max})`);
    }
  });
  const cycle = findCycle(stages);
  if (cycle) {
    const i = stageIndex.get(cycle[0]!)!;
    fail(source, ['spec', 'stages', i, 'needs'], `the stages form a cycle: ${cycle.join(' → ')}`);
  }
}

/** A dependency cycle, as the list of stage names around it (first name repeated at the end). */
export function findCycle(stages: Pick<StageDoc, 'name' | 'needs'>[]): string[] | undefined {
  const needs = new Map(stages.map((s) => [s.name, s.needs ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const st = state.get(name);
    if (st === 'done') return undefined;
    if (st === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const n of needs.get(name) ?? []) {
      if (!needs.has(n)) continue;
      const found = visit(n);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const s of stages) {
    const found = visit(s.name);
    if (found) return found;
  }
  return undefined;
}

/** Stages in an order where every stage comes after what it needs (stable: spec order otherwise). */
export function topologicalOrder<T extends Pick<StageDoc, 'name' | 'needs'>>(stages: T[]): T[] {
  const done = new Set<string>();
  const out: T[] = [];
  const byName = new Map(stages.map((s) => [s.name, s]));
  const visit = (s: T) => {
    if (done.has(s.name)) return;
    done.add(s.name);
    for (const n of s.needs ?? []) {
      const dep = byName.get(n);
      if (dep) visit(dep);
    }
    out.push(s);
  };
  stages.forEach(visit);
  return out;
}
