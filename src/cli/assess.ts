/**
 * `mlready assess`: facts (probed, or read with --facts) → rules → report → renderers → gate.
 *
 * Everything that can be wrong with the input (rules, config, facts file, baseline, profile) is found
 * before anything is written; reports are rendered in memory and then written atomically, so a run
 * that fails leaves no half-written files behind.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SPEC_FILE } from '../workflow/spec-file.js';
import type { Target } from '../facts/collect.js';
import type { Facts } from '../facts/schema.js';
import type { Report } from '../report/schema.js';
import type { FailOn } from '../rules/score.js';
import { EXIT, InputError, UsageError } from './errors.js';
import { stderrProgress } from './progress.js';
import { writeFilesAtomically } from '../util/write.js';
import { trace } from '../util/trace.js';

export const REPORT_FORMATS = ['text', 'json', 'junit', 'sarif', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface AssessOptions {
  target: Target[];
  timeout: number;
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  spec?: string;
  profile?: string;
  rules: string[];
  facts?: string;
  format: ReportFormat;
  output?: string;
  report: { format: ReportFormat; file: string }[];
  failUnder?: number;
  failOn: FailOn;
  strict?: boolean;
  minCoverage?: number;
  baseline?: string;
  config?: string;
  color?: boolean;
  verbose?: boolean;
  /** --notify URL: a webhook told the outcome after the gate (a secret: never printed). */
  notify?: string;
  /** --redact: identifiers in the facts (and so in every report) replaced with stable hashes. */
  redact?: boolean;
  /** --with: the add-ons scaffold will write (as `scaffold --with`), for K8S-017. */
  with?: string;
}

/** The gate settings of a report, from the flags assess and lint share. */
export function gateOf(opts: Pick<AssessOptions, 'failOn' | 'failUnder' | 'minCoverage' | 'strict'>) {
  return {
    failOn: opts.failOn,
    ...(opts.failUnder !== undefined ? { failUnder: opts.failUnder } : {}),
    ...(opts.minCoverage !== undefined ? { minCoverage: opts.minCoverage } : {}),
    strict: opts.strict ?? false,
  };
}

/** How a failing finding is matched against a baseline: rule and file (artifact findings). */
export function failingKey(f: { ruleId: string; scope?: string; location?: { file: string } }): string {
  return `${f.ruleId}\0${f.location?.file ?? ''}`;
}

export async function loadBaseline(file: string): Promise<Set<string>> {
  const [{ parseJsonFile, checkSchemaVersion }, { REPORT_SCHEMA_VERSION }] = await Promise.all([
    import('../facts/load.js'),
    import('../report/version.js'),
  ]);
  const doc = parseJsonFile(file, 'the baseline report') as Partial<Report> | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.findings)) {
    throw new InputError('not an mlready JSON report (no findings array); create one with --format json', { file });
  }
  checkSchemaVersion(doc.schemaVersion, REPORT_SCHEMA_VERSION, 'baseline report', file);
  return new Set(doc.findings.filter((f) => f.outcome === 'fail').map(failingKey));
}

export async function assessCommand(opts: AssessOptions): Promise<number> {
  const cwd = process.cwd();
  const progress = stderrProgress();
  trace('assess: start');

  // The spec first (its namespace is the Kubernetes probe's default), then the facts. Probing runs
  // while the rules load.
  const specFile = opts.spec ?? (existsSync(path.join(cwd, DEFAULT_SPEC_FILE)) ? path.join(cwd, DEFAULT_SPEC_FILE) : undefined);
  const spec = specFile ? (await import('../workflow/load.js')).readSpec(specFile) : undefined;
  const workload = spec ? (await import('../workflow/workload.js')).deriveWorkload(spec.doc) : undefined;
  const addons = opts.with !== undefined ? (await import('./scaffold.js')).parseWith(opts.with) : [];
  if (addons.length && !spec) {
    throw new UsageError(`--with needs a workflow spec (--spec FILE, or ${DEFAULT_SPEC_FILE} in the working directory): the add-ons are scaffolded for its stages`);
  }
  trace('assess: spec');
  const factsPromise: Promise<Facts> = opts.facts
    ? import('../facts/load.js').then((m) => m.loadFactsFile(opts.facts!))
    : Promise.all([import('../facts/collect.js'), import('./probe.js')]).then(([m, { kubernetesOptions }]) =>
        m.collectFacts({
          targets: opts.target,
          timeoutMs: opts.timeout,
          progress: progress.update,
          kubernetes: kubernetesOptions(opts, workload?.namespace),
        }),
      );
  factsPromise.catch(() => {}); // handled below; avoid an unhandled rejection while rules load
  // The spec's data sources are checked from this host (DNS, TCP, TLS) while the probes run, within the
  // same budget; saved facts (--facts) are evaluated as they are, with no probing.
  const sources = !opts.facts ? (spec?.doc.spec.dataSources ?? []) : [];
  const dataSourcesPromise = sources.length
    ? import('../datasources/check.js').then(async (m) => {
        const started = performance.now();
        const section = await m.checkDataSources(sources.map((d) => ({ name: d.name, url: d.url })), { timeoutMs: opts.timeout });
        return { section, durationMs: Math.round((performance.now() - started) * 10) / 10 };
      })
    : undefined;
  dataSourcesPromise?.catch(() => {});
  // Let the probes start their requests and tools first: the rules then load while those wait.
  if (!opts.facts) await new Promise((resolve) => setImmediate(resolve));

  const [{ loadConfig }, { loadRuleSet }, { judge }, { buildReport }] = await Promise.all([
    import('../config/load.js'),
    import('../rules/load.js'),
    import('../rules/judge.js'),
    import('../report/build.js'),
  ]);
  trace('assess: modules');
  const config = await loadConfig(opts.config, cwd);
  const packs = [...new Set([...config.packs, ...opts.rules.map((r) => path.resolve(cwd, r))])];
  const ruleSet = loadRuleSet({ builtin: true, packs, only: 'environment' });
  const baseline = opts.baseline ? await loadBaseline(opts.baseline) : undefined;
  trace('assess: rules loaded');
  let facts = await factsPromise;
  if (dataSourcesPromise) {
    const checked = await dataSourcesPromise.catch((e: unknown) => ({
      section: { status: 'unknown' as const, reason: `internal error in the data-sources check: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` },
      durationMs: 0,
    }));
    facts.dataSources = checked.section;
    if (!facts.targets.includes('data-sources')) facts.targets.push('data-sources');
    facts.probes.push({ target: 'data-sources', durationMs: checked.durationMs, outcome: checked.section.status === 'ok' ? 'ok' : 'failed' });
    facts.probes.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  }
  // The add-ons' objects, as scaffold would write them for these facts, join what K8S-017 checks.
  if (addons.length && spec && workload) {
    const kinds = (await import('../workflow/kinds.js')).scaffoldKinds(spec, facts, addons);
    workload.creates = [...new Set([...workload.creates, ...kinds])].sort();
  }
  // Redaction keeps verdicts (loopback and cluster-local names stay), so the rules judge the redacted facts
  // and no report, message or webhook can show what it hid.
  const hostname = facts.host.hostname;
  if (opts.redact) facts = (await import('../facts/redact.js')).redactFacts(facts);
  trace('assess: facts');
  progress.done();
  const { choice, evaluation } = judge(ruleSet, {
    facts,
    ...(opts.profile ? { profileFlag: opts.profile } : {}),
    config: config.doc,
    ...(config.file ? { configFile: config.file } : {}),
    ...(workload ? { workload: workload as unknown as Record<string, unknown> } : {}),
    ...(opts.redact ? { waiverScope: hostname } : {}),
  });
  if (baseline) for (const f of evaluation.findings) if (f.outcome === 'fail' && baseline.has(failingKey(f))) f.baseline = true;
  trace('assess: evaluated');

  const rel = (p: string) => path.relative(cwd, path.resolve(cwd, p)) || p;
  const report = buildReport({
    kind: 'assess',
    evaluation,
    profile: choice.profile,
    profileSource: choice.source,
    profileWhy: choice.why,
    gate: gateOf(opts),
    inputs: {
      ...(opts.facts ? { facts: rel(opts.facts) } : {}),
      ...(config.file ? { config: rel(config.file) } : {}),
      ...(specFile ? { spec: rel(specFile) } : {}),
      ...(opts.baseline ? { baseline: rel(opts.baseline) } : {}),
      rulePacks: packs.map(rel),
    },
    facts,
    ...(opts.baseline ? { baselineFile: rel(opts.baseline) } : {}),
  });

  await emitReport(report, opts, { environmentUri: report.inputs.facts ?? report.inputs.spec ?? report.inputs.config ?? 'mlready.config.yaml' });
  trace('assess: reported');
  // After the gate: a webhook that fails only warns, and never changes the exit code below.
  if (opts.notify !== undefined || process.env.MLREADY_NOTIFY_URL) await (await import('./notify.js')).notifyAfterGate(report, opts.notify);
  return report.gate.passed ? EXIT.ok : EXIT.gateFailed;
}

/** Renders every requested format in memory, then writes files atomically and stdout last. */
export async function emitReport(
  report: Report,
  opts: Pick<AssessOptions, 'format' | 'output' | 'report' | 'color' | 'verbose'>,
  sarif: { environmentUri: string },
): Promise<void> {
  // Each format loads only its own renderer.
  const wanted = new Set<ReportFormat>([...opts.report.map((r) => r.format), opts.format]);
  const text = wanted.has('text') ? await import('../report/text.js') : undefined;
  const formats = wanted.has('sarif') || wanted.has('markdown') || process.env.GITHUB_ACTIONS === 'true' ? await import('../report/formats.js') : undefined;
  const junit = wanted.has('junit') ? await import('../report/junit.js') : undefined;
  const html = wanted.has('html') ? await import('../report/html.js') : undefined;
  const render = (format: ReportFormat, toTerminal: boolean): string => {
    switch (format) {
      case 'text':
        return text!.renderText(report, { color: toTerminal && text!.wantsColor(process.stdout, process.env, opts.color), verbose: opts.verbose ?? false });
      case 'json':
        return `${JSON.stringify(report, null, 2)}\n`;
      case 'junit':
        return junit!.renderJunit(report);
      case 'sarif':
        return formats!.renderSarif(report, sarif);
      case 'markdown':
        return formats!.renderMarkdown(report);
      case 'html':
        return html!.renderHtml(report);
    }
  };
  const files = opts.report.map((r) => ({ file: r.file, content: render(r.format, false) }));
  if (opts.output) files.push({ file: opts.output, content: render(opts.format, false) });
  const stdout = opts.output ? undefined : render(opts.format, true);
  await writeFilesAtomically(files);

  const github = formats && process.env.GITHUB_ACTIONS === 'true' ? formats.renderGithubAnnotations(report) : '';
  if (stdout !== undefined) process.stdout.write(stdout);
  if (github) {
    // Workflow commands are read from the job log; keep stdout parseable when it holds a machine format.
    const machineOnStdout = stdout !== undefined && opts.format !== 'text' && opts.format !== 'markdown';
    (machineOnStdout ? process.stderr : process.stdout).write(github);
  }
}
