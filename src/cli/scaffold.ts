/**
 * `mlready scaffold`: spec + facts → workflow model → Dockerfile, compose, swarm stack, Kubernetes,
 * SCAFFOLD.md. Everything is validated, planned and rendered in memory first; then the write plan
 * decides per file (create, update, unchanged, keep) and only then is anything written, atomically.
 *
 * Exit codes: 0 written (or nothing to do); 1 some files were kept because the user changed them
 * (or did not generate them) and --force was not given; 2 usage or input error, nothing written.
 */
import path from 'node:path';
import type { Target } from '../facts/collect.js';
import type { Facts } from '../facts/schema.js';
import { ADDON_NAMES, ALL_EMIT_KINDS, EMIT_KINDS, type AddonName, type EmitKind, type FactsOrigin } from '../workflow/model.js';
import { TOOL_VERSION } from '../version.js';
import { EXIT, UsageError } from './errors.js';

export interface ScaffoldOptions {
  spec?: string;
  out?: string;
  emit: EmitKind[];
  facts?: string;
  probe?: Target[] | true;
  baseImage?: string;
  registry?: string;
  dryRun?: boolean;
  json?: boolean;
  diff?: boolean;
  force?: boolean;
  data?: string;
  buildkit?: boolean;
  timeout: number;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** --with monitoring,logging,alerting,ingress */
  with?: AddonName[];
  /** --platforms linux/amd64,linux/arm64 */
  platforms?: string[];
}

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;
export const DEFAULT_PROBE_TARGETS: Target[] = ['local', 'docker', 'k8s'];

export async function scaffoldCommand(opts: ScaffoldOptions): Promise<number> {
  const cwd = process.cwd();
  if (opts.facts && opts.probe) throw new UsageError('--facts and --probe exclude each other: read saved facts, or probe now');
  if (opts.json && !opts.dryRun) throw new UsageError('--json goes with --dry-run');
  if (opts.baseImage !== undefined && !IMAGE_REF.test(opts.baseImage)) throw new UsageError(`--base-image "${opts.baseImage}" is not an image reference`);
  if (opts.registry !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._/:-]*$/.test(opts.registry)) throw new UsageError(`--registry "${opts.registry}" is not a registry (host[:port][/path])`);

  const { findSpec, readSpec } = await import('../workflow/load.js');
  const specFile = findSpec(opts.spec, cwd);
  if (!specFile) throw new UsageError('no workflow spec: pass --spec FILE, or run `mlready init` to write mlready.yaml here');
  const spec = readSpec(specFile);
  const outDir = path.resolve(cwd, opts.out ?? spec.dir);

  let facts: Facts | undefined;
  let factsOrigin: FactsOrigin = { source: 'none', targets: [], summary: 'generic defaults (no facts)' };
  if (opts.facts) {
    facts = await (await import('../facts/load.js')).loadFactsFile(opts.facts);
    factsOrigin = {
      source: 'file',
      file: opts.facts,
      collectedAt: facts.collectedAt,
      targets: facts.targets,
      summary: `facts file ${path.basename(opts.facts)} (${facts.targets.join(', ')}; collected ${facts.collectedAt})`,
    };
  } else if (opts.probe) {
    const targets = opts.probe === true ? DEFAULT_PROBE_TARGETS : opts.probe;
    const [{ collectFacts }, { kubernetesOptions }, { stderrProgress }] = await Promise.all([
      import('../facts/collect.js'),
      import('./probe.js'),
      import('./progress.js'),
    ]);
    const progress = stderrProgress();
    facts = await collectFacts({
      targets,
      timeoutMs: opts.timeout,
      progress: progress.update,
      kubernetes: kubernetesOptions(opts, spec.doc.metadata.namespace ?? spec.doc.metadata.name),
    });
    progress.done();
    factsOrigin = { source: 'probe', collectedAt: facts.collectedAt, targets: [...targets], summary: `probed now (${targets.join(', ')})` };
  }

  const [{ loadCompatData }, { planWorkflow }, { renderAll }, { withHeader, renderManifest, MANIFEST }, { planWrites }] = await Promise.all([
    import('../workflow/compat.js'),
    import('../workflow/planner.js'),
    import('../generate/index.js'),
    import('../generate/header.js'),
    import('../generate/write-plan.js'),
  ]);
  const data = loadCompatData(opts.data ?? (process.env.MLREADY_DATA_DIR || undefined));
  const model = planWorkflow({
    spec,
    ...(facts ? { facts } : {}),
    factsOrigin,
    outDir,
    emit: opts.emit,
    ...(opts.baseImage ? { baseImage: opts.baseImage } : {}),
    ...(opts.registry ? { registry: opts.registry } : {}),
    buildkit: opts.buildkit ?? false,
    data,
    toolVersion: TOOL_VERSION,
    ...(opts.with?.length ? { with: opts.with } : {}),
    ...(opts.platforms?.length ? { platforms: opts.platforms } : {}),
  });
  const rendered: { path: string; content: string; headerless?: boolean }[] = renderAll(model, data).map((f) => ({
    path: f.path,
    content: withHeader(f.comment, TOOL_VERSION, model.specRef, f.body),
    ...(f.comment === 'none' ? { headerless: true } : {}),
  }));
  const headerless = rendered.filter((f) => f.headerless);
  if (headerless.length) rendered.push({ path: MANIFEST, content: withHeader('hash', TOOL_VERSION, model.specRef, renderManifest(headerless)) });
  const plan = planWrites(outDir, rendered, opts.force ?? false);
  const rel = (p: string) => path.relative(cwd, p) || '.';
  const kept = plan.filter((p) => p.action === 'keep');

  if (opts.dryRun && opts.json) {
    process.stdout.write(`${JSON.stringify({
      spec: rel(spec.file),
      out: rel(outDir),
      facts: { source: factsOrigin.source, summary: factsOrigin.summary },
      files: plan.map((p) => ({ path: p.path, action: p.action, ...(p.reason ? { reason: p.reason } : {}), bytes: Buffer.byteLength(p.content) })),
      decisions: model.decisions,
      warnings: model.warnings,
    }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (opts.diff) {
    const { createTwoFilesPatch } = await import('diff');
    for (const p of plan) {
      if (p.action === 'unchanged') continue;
      const before = p.existing ?? '';
      const patch = createTwoFilesPatch(p.existing === undefined ? '/dev/null' : `a/${p.path}`, `b/${p.path}`, before, p.content, undefined, undefined, { context: 3 });
      process.stdout.write(p.action === 'keep' ? `# ${p.path}: kept (${p.reason}); with --force:\n${patch}` : patch);
    }
  }
  if (opts.dryRun || opts.diff) {
    if (!opts.diff) {
      const width = Math.max(...plan.map((p) => p.action.length));
      process.stdout.write(`mlready scaffold (dry run): ${rel(spec.file)} → ${rel(outDir)}/, ${factsOrigin.summary}\n\n`);
      for (const p of plan) process.stdout.write(`  ${p.action.padEnd(width)}  ${p.path}${p.reason ? `  (${p.reason})` : ''}\n`);
      process.stdout.write('\nDecisions:\n');
      for (const d of model.decisions) process.stdout.write(`  ${d.topic}: ${d.choice} — ${d.reason}\n`);
      for (const w of model.warnings) process.stdout.write(`warning: ${w}\n`);
    }
    return EXIT.ok;
  }

  const { writeFilesAtomically } = await import('../util/write.js');
  await writeFilesAtomically(plan.filter((p) => p.action === 'create' || p.action === 'update').map((p) => ({ file: p.absolute, content: p.content })));
  const counts = (a: string) => plan.filter((p) => p.action === a).length;
  process.stdout.write(
    `mlready scaffold: ${rel(outDir)}/: ${counts('create')} created, ${counts('update')} updated, ${counts('unchanged')} unchanged${kept.length ? `, ${kept.length} kept` : ''} (details in SCAFFOLD.md)\n`,
  );
  for (const w of model.warnings) process.stderr.write(`mlready: warning: ${w}\n`);
  if (kept.length) {
    process.stderr.write(`mlready: kept ${kept.map((k) => `${k.path} (${k.reason})`).join(', ')}; rerun with --force to replace ${kept.length === 1 ? 'it' : 'them'}\n`);
    return EXIT.gateFailed;
  }
  return EXIT.ok;
}

/** `--with` add-ons. */
export function parseWith(value: string | undefined): AddonName[] {
  if (value === undefined) return [];
  const out: AddonName[] = [];
  for (const i of value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    if (!(ADDON_NAMES as readonly string[]).includes(i)) throw new UsageError(`--with: unknown add-on "${i}": valid add-ons are ${ADDON_NAMES.join(', ')}`);
    if (!out.includes(i as AddonName)) out.push(i as AddonName);
  }
  return out;
}

/** `--platforms linux/amd64,linux/arm64,linux/arm/v7`. */
export function parsePlatforms(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of out) {
    if (!/^[a-z0-9]+\/[a-z0-9_]+(\/v[0-9]+)?$/.test(p)) throw new UsageError(`--platforms: "${p}" is not a platform (os/arch[/variant], e.g. linux/arm64)`);
  }
  return [...new Set(out)];
}

export function parseEmit(value: string): EmitKind[] {
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.includes('all')) return [...EMIT_KINDS, ...(items.includes('lambda') ? (['lambda'] as EmitKind[]) : [])];
  const aliases: Record<string, EmitKind> = { kubernetes: 'k8s', stack: 'swarm', docker: 'dockerfile' };
  const out: EmitKind[] = [];
  for (const i of items) {
    const k = (ALL_EMIT_KINDS as readonly string[]).includes(i) ? (i as EmitKind) : aliases[i];
    if (!k) throw new UsageError(`--emit: unknown kind "${i}": valid kinds are ${ALL_EMIT_KINDS.join(', ')}, all`);
    if (!out.includes(k)) out.push(k);
  }
  if (!out.length) throw new UsageError('--emit: expected a comma-separated list of kinds');
  return ALL_EMIT_KINDS.filter((k) => out.includes(k));
}
