/**
 * Drift between two assessments (`mlready diff OLD.json NEW.json`): findings that are new, fixed or
 * changed, and the fact changes that matter for ML workloads (driver, CUDA, GPU count, storage driver,
 * node count, allocatable GPUs…). Inputs are JSON reports (with their embedded facts) or facts documents.
 */
import type { Facts } from '../facts/schema.js';
import type { Report, ReportFinding } from '../report/schema.js';
import { byString } from '../util/compare.js';

export interface FindingChange {
  ruleId: string;
  title: string;
  severity: ReportFinding['severity'];
  location?: string;
  before?: ReportFinding['outcome'];
  after?: ReportFinding['outcome'];
  message?: string;
  /** For "changed": what changed (outcome, severity, message). */
  what?: string[];
}

export interface FactChange {
  fact: string;
  before: string;
  after: string;
}

export interface Drift {
  old: { generatedAt?: string; score?: number | null; grade?: string | null };
  new: { generatedAt?: string; score?: number | null; grade?: string | null };
  newFindings: FindingChange[];
  fixed: FindingChange[];
  changed: FindingChange[];
  facts: FactChange[];
  /** New failing findings of severity error: the diff exits 1 when there is any. */
  newBlocking: FindingChange[];
}

const key = (f: ReportFinding) => `${f.ruleId}\0${f.location?.file ?? ''}\0${f.location?.line ?? ''}`;
const where = (f: ReportFinding) => (f.location ? `${f.location.file}${f.location.line ? `:${f.location.line}` : ''}` : undefined);
const isProblem = (o: ReportFinding['outcome']) => o === 'fail';

function change(f: ReportFinding, before?: ReportFinding, what?: string[]): FindingChange {
  const loc = where(f);
  return {
    ruleId: f.ruleId,
    title: f.title,
    severity: f.severity,
    ...(loc ? { location: loc } : {}),
    ...(before ? { before: before.outcome } : {}),
    after: f.outcome,
    ...(f.message ? { message: f.message } : {}),
    ...(what ? { what } : {}),
  };
}

/** Values that matter, read from a facts document as display strings ('' when not known). */
const TRACKED: [string, (f: Facts) => unknown][] = [
  ['GPU count', (f) => (f.gpu.status === 'unknown' ? undefined : f.gpu.devices.length)],
  ['GPU models', (f) => uniq(f.gpu.devices.map((d) => d.model))],
  ['NVIDIA driver', (f) => uniq(f.gpu.devices.filter((d) => d.vendor === 'nvidia').map((d) => d.driverVersion))],
  ['CUDA (driver supports)', (f) => uniq(f.gpu.devices.map((d) => d.cudaVersion))],
  ['MIG mode', (f) => uniq(f.gpu.devices.map((d) => d.migMode))],
  ['host memory', (f) => (f.host.memory.status === 'ok' ? f.host.memory.totalBytes : undefined)],
  ['kernel', (f) => (f.host.os.status === 'ok' ? f.host.os.kernel : undefined)],
  ['cgroup version', (f) => (f.host.cgroup.status === 'ok' ? f.host.cgroup.version : undefined)],
  ['Docker engine', (f) => f.runtime.docker.serverVersion ?? (f.runtime.docker.status !== 'available' ? f.runtime.docker.status : undefined)],
  ['Docker storage driver', (f) => f.runtime.docker.storageDriver],
  ['Docker runtimes', (f) => f.runtime.docker.runtimes?.join(', ')],
  ['Docker cgroup driver', (f) => f.runtime.docker.cgroupDriver],
  ['Kubernetes version', (f) => f.cluster?.kubernetes.serverVersion],
  ['Kubernetes nodes', (f) => (f.cluster?.kubernetes.nodes?.status === 'ok' ? f.cluster.kubernetes.nodes.total : undefined)],
  ['Kubernetes ready nodes', (f) => (f.cluster?.kubernetes.nodes?.status === 'ok' ? f.cluster.kubernetes.nodes.ready : undefined)],
  ['allocatable nvidia.com/gpu', (f) => allocatable(f, 'nvidia.com/gpu')],
  ['allocatable amd.com/gpu', (f) => allocatable(f, 'amd.com/gpu')],
  ['GPU nodes', (f) => (f.cluster?.kubernetes.gpuNodes?.status === 'ok' ? f.cluster.kubernetes.gpuNodes.count : undefined)],
  ['GPU node drivers', (f) => (f.cluster?.kubernetes.gpuNodes?.status === 'ok' ? Object.keys(f.cluster.kubernetes.gpuNodes.driverVersions).sort(byString).join(', ') : undefined)],
  ['Swarm nodes', (f) => f.cluster?.swarm.nodes?.total],
];

function allocatable(f: Facts, name: string): unknown {
  const r = f.cluster?.kubernetes.resources;
  if (!r || r.status !== 'ok') return undefined;
  const entry = (r as unknown as Record<string, { allocatable?: number }>)[name];
  return entry?.allocatable;
}

function uniq(values: (string | undefined)[]): string | undefined {
  const list = [...new Set(values.filter((v): v is string => v !== undefined))].sort(byString);
  return list.length ? list.join(', ') : undefined;
}

const display = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function factChanges(before: Facts | undefined, after: Facts | undefined): FactChange[] {
  if (!before || !after) return [];
  const out: FactChange[] = [];
  for (const [fact, read] of TRACKED) {
    const a = display(read(before));
    const b = display(read(after));
    if (a !== b) out.push({ fact, before: a || 'unknown', after: b || 'unknown' });
  }
  return out;
}

export function isReport(doc: unknown): doc is Report {
  return !!doc && typeof doc === 'object' && Array.isArray((doc as Report).findings);
}

export function diffDocuments(oldDoc: Report | Facts, newDoc: Report | Facts): Drift {
  const oldReport = isReport(oldDoc) ? oldDoc : undefined;
  const newReport = isReport(newDoc) ? newDoc : undefined;
  const oldFacts = oldReport ? oldReport.facts : (oldDoc as Facts);
  const newFacts = newReport ? newReport.facts : (newDoc as Facts);
  const before = new Map((oldReport?.findings ?? []).map((f) => [key(f), f]));
  const after = new Map((newReport?.findings ?? []).map((f) => [key(f), f]));

  const newFindings: FindingChange[] = [];
  const fixed: FindingChange[] = [];
  const changed: FindingChange[] = [];
  for (const [k, f] of after) {
    const was = before.get(k);
    const problemNow = isProblem(f.outcome);
    const problemBefore = was ? isProblem(was.outcome) : false;
    if (problemNow && !problemBefore) newFindings.push(change(f, was));
    else if (!problemNow && problemBefore && was) fixed.push(change(f, was));
    else if (was && problemNow) {
      const what: string[] = [];
      if (was.severity !== f.severity) what.push(`severity ${was.severity} → ${f.severity}`);
      if ((was.message ?? '') !== (f.message ?? '')) what.push('message');
      if (what.length) changed.push(change(f, was, what));
    } else if (was && was.outcome !== f.outcome && (f.outcome === 'unknown' || was.outcome === 'unknown')) {
      changed.push(change(f, was, [`outcome ${was.outcome} → ${f.outcome}`]));
    }
  }
  for (const [k, was] of before) {
    if (!after.has(k) && isProblem(was.outcome)) fixed.push({ ...change(was), before: was.outcome, after: undefined, what: ['rule no longer evaluated'] });
  }
  const order = (a: FindingChange, b: FindingChange) => byString(a.ruleId, b.ruleId);
  return {
    old: oldReport ? { generatedAt: oldReport.generatedAt, score: oldReport.score, grade: oldReport.grade } : { generatedAt: (oldDoc as Facts).collectedAt },
    new: newReport ? { generatedAt: newReport.generatedAt, score: newReport.score, grade: newReport.grade } : { generatedAt: (newDoc as Facts).collectedAt },
    newFindings: newFindings.sort(order),
    fixed: fixed.sort(order),
    changed: changed.sort(order),
    facts: factChanges(oldFacts, newFacts),
    newBlocking: newFindings.filter((f) => f.severity === 'error').sort(order),
  };
}

// ---------------------------------------------------------------- rendering

const line = (f: FindingChange) => `${f.ruleId} ${f.title}${f.location ? ` (${f.location})` : ''}`;

export function renderDriftText(d: Drift): string {
  const out: string[] = [];
  const score = (s: Drift['old']) => (s.score === undefined ? '' : ` ${s.score ?? 'n/a'} (${s.grade ?? '-'})`);
  out.push(`mlready diff: ${d.old.generatedAt ?? 'old'}${score(d.old)} → ${d.new.generatedAt ?? 'new'}${score(d.new)}`);
  const group = (title: string, list: FindingChange[], mark: string, detail: (f: FindingChange) => string | undefined) => {
    if (!list.length) return;
    out.push('', `${title} (${list.length})`);
    for (const f of list) {
      out.push(`  ${mark} ${line(f)} [${f.severity}]`);
      const d2 = detail(f);
      if (d2) out.push(`      ${d2}`);
    }
  };
  group('New findings', d.newFindings, '+', (f) => f.message);
  group('Fixed', d.fixed, '-', (f) => (f.what ? f.what.join(', ') : undefined));
  group('Changed', d.changed, '~', (f) => f.what?.join(', '));
  if (d.facts.length) {
    out.push('', `Fact changes (${d.facts.length})`);
    for (const c of d.facts) out.push(`  ${c.fact}: ${c.before} → ${c.after}`);
  }
  if (!d.newFindings.length && !d.fixed.length && !d.changed.length && !d.facts.length) out.push('', 'No drift.');
  out.push('', d.newBlocking.length ? `New blocking findings: ${d.newBlocking.map((f) => f.ruleId).join(', ')}` : 'No new blocking findings.');
  return `${out.join('\n')}\n`;
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function renderDriftMarkdown(d: Drift): string {
  const out: string[] = [`## mlready diff ${d.newBlocking.length ? '❌' : '✅'}`, ''];
  if (d.old.score !== undefined || d.new.score !== undefined) {
    out.push(`Score ${d.old.score ?? 'n/a'} (${d.old.grade ?? '-'}) → ${d.new.score ?? 'n/a'} (${d.new.grade ?? '-'})`, '');
  }
  const table = (title: string, list: FindingChange[]) => {
    if (!list.length) return;
    out.push(`### ${title} (${list.length})`, '', '| Rule | Severity | Finding |', '|---|---|---|');
    for (const f of list) out.push(`| \`${f.ruleId}\` | ${f.severity} | ${md(f.message ?? f.title)}${f.what ? ` (${md(f.what.join(', '))})` : ''} |`);
    out.push('');
  };
  table('New findings', d.newFindings);
  table('Fixed', d.fixed);
  table('Changed', d.changed);
  if (d.facts.length) {
    out.push(`### Fact changes (${d.facts.length})`, '', '| Fact | Before | After |', '|---|---|---|');
    for (const c of d.facts) out.push(`| ${md(c.fact)} | ${md(c.before)} | ${md(c.after)} |`);
    out.push('');
  }
  if (out.length === 2) out.push('No drift.', '');
  return `${out.join('\n').trimEnd()}\n`;
}
