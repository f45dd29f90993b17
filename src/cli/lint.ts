/**
 * `mlready lint PATH…`: Dockerfiles, compose files and Kubernetes manifests → artifact facts → the rules
 * with `appliesTo: artifact`, on the same engine, with the same formats, gate and exit codes as assess.
 */
import path from 'node:path';
import { EXIT } from './errors.js';
import { emitReport, failingKey, gateOf, loadBaseline, type AssessOptions } from './assess.js';

export type LintOptions = Omit<AssessOptions, 'target' | 'timeout' | 'facts' | 'spec' | 'kubeconfig' | 'context' | 'namespace'>;

export async function lintCommand(paths: string[], opts: LintOptions): Promise<number> {
  const cwd = process.cwd();
  const [{ loadConfig }, { loadRuleSet }, { evaluateArtifactRules }, { buildReport }, { collectArtifacts }, { resolveProfile }] = await Promise.all([
    import('../config/load.js'),
    import('../rules/load.js'),
    import('../rules/engine.js'),
    import('../report/build.js'),
    import('../lint/collect.js'),
    import('../rules/profiles.js'),
  ]);
  const config = await loadConfig(opts.config, cwd);
  const packs = [...new Set([...config.packs, ...opts.rules.map((r) => path.resolve(cwd, r))])];
  const ruleSet = loadRuleSet({ builtin: true, packs, only: 'artifact' });
  const baseline = opts.baseline ? await loadBaseline(opts.baseline) : undefined;

  const profile = resolveProfile(
    opts.profile ?? config.doc.profile ?? LINT_DEFAULT_PROFILE,
    ruleSet.profiles,
    opts.profile ? '--profile' : (config.file ?? 'config'),
  );

  const input = collectArtifacts(paths);
  const evaluation = evaluateArtifactRules(ruleSet.rules, { artifacts: input.artifacts, profile, config: config.doc });
  if (baseline) for (const f of evaluation.findings) if (f.outcome === 'fail' && baseline.has(failingKey(f))) f.baseline = true;

  const rel = (p: string) => path.relative(cwd, path.resolve(cwd, p)) || p;
  const report = buildReport({
    kind: 'lint',
    evaluation,
    profile,
    profileSource: opts.profile ? 'flag' : config.doc.profile ? 'config' : 'default',
    profileWhy: opts.profile ? 'chosen with --profile' : config.doc.profile ? `from ${rel(config.file!)}` : 'default for lint: artifact rules do not depend on the machine',
    gate: gateOf(opts),
    inputs: {
      ...(config.file ? { config: rel(config.file) } : {}),
      ...(opts.baseline ? { baseline: rel(opts.baseline) } : {}),
      rulePacks: packs.map(rel),
    },
    lint: { files: input.files, artifacts: input.artifacts.length, skipped: input.skipped },
    ...(opts.baseline ? { baselineFile: rel(opts.baseline) } : {}),
  });
  await emitReport(report, opts, { environmentUri: report.inputs.config ?? 'mlready.config.yaml' });
  return report.gate.passed ? EXIT.ok : EXIT.gateFailed;
}

/** Artifact rules judge files, not machines: lint's default profile only decides which rules are in. */
export const LINT_DEFAULT_PROFILE = 'dev-workstation';
