/**
 * The command tree. Option parsing and exit codes live here and in one file per command; the work
 * itself is imported lazily from the command's action.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { describeFatal, EXIT } from './errors.js';

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (probe: a facts document was printed, whatever it found)
  1  the readiness gate failed
  2  usage or input error
  3  internal error`;

/** Parses a comma list against the valid values; aliases map to canonical names. */
export function parseList<T extends string>(
  what: string,
  valid: readonly T[],
  aliases: Record<string, T> = {},
): (value: string, previous?: T[]) => T[] {
  return (value: string) => {
    const items = value
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${what}s (${valid.join(', ')})`);
    const out: T[] = [];
    for (const item of items) {
      const canonical = (valid as readonly string[]).includes(item) ? (item as T) : aliases[item];
      if (!canonical) throw new InvalidArgumentError(`unknown ${what} "${item}": valid ${what}s are ${valid.join(', ')}`);
      if (!out.includes(canonical)) out.push(canonical);
    }
    return out;
  };
}

/** Parses `--timeout SECONDS` into milliseconds. */
export function parseSeconds(value: string): number {
  const trimmed = value.trim();
  const seconds = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new InvalidArgumentError(`expected a number of seconds greater than 0 and at most 3600, got "${value}"`);
  }
  return Math.round(seconds * 1000);
}

const TARGET_NAMES = ['local', 'docker', 'k8s', 'swarm'] as const;

/** Options shared by the commands that probe: targets, budget and the Kubernetes connection. */
function addProbeOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--target <list>', 'targets to probe, comma-separated: local, docker, k8s (or kubernetes), swarm')
        .argParser(parseList('target', TARGET_NAMES, { kubernetes: 'k8s' }))
        .default(['local', 'docker'], 'local,docker'),
    )
    .addOption(new Option('--timeout <seconds>', "budget of each target's probe").argParser(parseSeconds).default(5000, '5'))
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or the in-cluster service account)')
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--namespace <ns>', "namespace workloads will run in (default: the spec's, the context's, or default)");
}

const repeatable = (v: string, prev: string[]) => [...prev, v];

/** Options shared by the commands that judge and report (assess, lint): rules, formats and the gate. */
function addReportOptions(command: Command): Command {
  return command
    .option('--profile <name|file>', 'profile: training-gpu, training-cpu, inference-gpu, inference-cpu, edge, dev-workstation, or a profile file')
    .option('--rules <dir>', 'extra rule pack directory (repeatable)', repeatable, [] as string[])
    .addOption(
      new Option('--format <format>', 'report format on stdout (or --output): text, json, junit, sarif, markdown, html')
        .choices(['text', 'json', 'junit', 'sarif', 'markdown', 'html'])
        .default('text'),
    )
    .option('-o, --output <file>', 'write the --format report to a file instead of stdout')
    .option('--report <format=file>', 'also write a report in another format (repeatable): json=report.json', (v: string, prev) => parseReportSpecArg(v, prev), [] as { format: string; file: string }[])
    .addOption(new Option('--fail-under <score>', 'fail the gate when the score is below this (0-100)').argParser(parsePercent('--fail-under')))
    .addOption(new Option('--fail-on <severity>', 'fail the gate on failing findings of this severity or higher').choices(['error', 'warning', 'never']).default('error'))
    .option('--strict', 'count unknown outcomes as failures')
    .addOption(new Option('--min-coverage <percent>', 'fail the gate when coverage is below this (0-100)').argParser(parsePercent('--min-coverage')))
    .option('--baseline <report.json>', 'fail the gate only on findings that are not in this earlier JSON report')
    .option('--config <file>', 'configuration file (default: mlready.config.yaml in the working directory)')
    .option('--no-color', 'no colors in the text report (NO_COLOR is also respected)')
    .option('-v, --verbose', 'list passing and skipped rules too');
}

const REDACT_HELP = 'replace hostnames, IP and MAC addresses, GPU UUIDs and serial numbers with stable hashes';

export function buildProgram(): Command {
  const program = new Command('mlready')
    .description('Is this machine, container runtime and cluster ready for ML workflows in containers?')
    .version(TOOL_VERSION, '-V, --version')
    .option('--debug', 'show stack traces of internal errors')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'mlready: ')) });

  addProbeOptions(program.command('probe').description('collect facts about the host, its GPUs, the container runtime and clusters, and print them as JSON'))
    .option('--pretty', 'indent the JSON')
    .option('--redact', REDACT_HELP)
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts) => {
      const { probeCommand } = await import('./probe.js');
      await probeCommand(opts);
    });

  const assess = addReportOptions(
    addProbeOptions(program.command('assess').description('probe (or read saved facts), evaluate the readiness rules, report, and gate'))
      .option('--spec <file>', 'workflow spec giving rules a workload (default: mlready.yaml in the working directory, when present)')
      .option('--facts <file>', 'evaluate a saved facts document (from mlready probe) instead of probing')
      .option('--redact', `${REDACT_HELP}, in the facts and in every report (the verdicts stay the same)`)
      .option('--with <addons>', 'add-ons you scaffold with (as scaffold --with: monitoring, logging, alerting, ingress): K8S-017 checks you may create their objects too')
      .option('--notify <url>', 'after the gate, POST a summary to this webhook (Slack-compatible; never fails the gate; the URL is never printed)'),
  ).addHelpText('after', EXIT_CODES_HELP);
  assess.action(async (opts) => {
    const { assessCommand } = await import('./assess.js');
    process.exitCode = await assessCommand(opts);
  });

  addReportOptions(
    program
      .command('lint')
      .argument('<paths...>', 'Dockerfiles, compose files, Kubernetes manifests, or directories holding them; - for stdin')
      .description('judge Dockerfiles, compose files and Kubernetes manifests with the artifact rules'),
  )
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (paths: string[], opts) => {
      const { lintCommand } = await import('./lint.js');
      process.exitCode = await lintCommand(paths, opts);
    });

  program
    .command('diff <old> <new>')
    .description('drift between two assessments (JSON reports) or facts documents: new, fixed and changed findings, fact changes')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .addHelpText('after', '\nExit codes: 0 no new blocking finding, 1 a new failing error-severity finding, 2 usage or input error.')
    .action(async (oldFile: string, newFile: string, opts) => {
      const { diffCommand } = await import('./diff.js');
      process.exitCode = await diffCommand(oldFile, newFile, opts);
    });

  program
    .command('init')
    .description('write a workflow spec (mlready.yaml), with defaults from this machine and its cluster')
    .option('--name <name>', 'workflow name (DNS-1123 label; default: the directory name)')
    .option('--framework <framework>', 'sklearn, pytorch, tensorflow, xgboost, huggingface or none (default: from requirements.txt)')
    .option('--python <version>', 'Python version, e.g. 3.11')
    .option('--gpu [count]', 'GPUs for the training stage (default: 1 when the facts show a GPU, else none)')
    .option('--no-gpu', 'no GPUs')
    .option('--namespace <ns>', 'Kubernetes namespace (default: the workflow name)')
    .option('--storage-class <name>', "Kubernetes StorageClass of the volumes (default: the cluster's default, from the facts)")
    .option('--out <file>', 'where to write the spec', 'mlready.yaml')
    .option('--facts <file>', 'take defaults from a saved facts document instead of probing')
    .option('-y, --yes', 'no prompts: flags, then defaults')
    .option('--force', 'replace an existing spec')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts) => {
      const { initCommand } = await import('./init.js');
      process.exitCode = await initCommand(opts);
    });

  program
    .command('scaffold')
    .description('generate Dockerfile, compose, swarm stack and Kubernetes manifests from the workflow spec and the facts')
    .option('--spec <file>', 'workflow spec (default: mlready.yaml in the working directory)')
    .option('--out <dir>', "output directory (default: the spec's directory)")
    .option('--emit <kinds>', 'what to generate, comma-separated: dockerfile, compose, swarm, k8s, lambda, or all (all but lambda)', 'all')
    .option('--with <addons>', 'add-ons, comma-separated: monitoring, logging, alerting, ingress')
    .option('--platforms <list>', 'image platforms for a buildx bake file, e.g. linux/amd64,linux/arm64')
    .option('--facts <file>', 'tailor the output to a saved facts document (from mlready probe)')
    .addOption(new Option('--probe [targets]', 'probe now and tailor the output (targets: local, docker, k8s, swarm; default local,docker,k8s)')
      .argParser(parseList('target', TARGET_NAMES, { kubernetes: 'k8s' })))
    .addOption(new Option('--timeout <seconds>', "budget of each target's probe (--probe)").argParser(parseSeconds).default(5000, '5'))
    .option('--kubeconfig <file>', 'kubeconfig file for --probe')
    .option('--context <name>', 'kubeconfig context for --probe')
    .option('--base-image <image>', 'base image of the Dockerfile (overrides the compatibility data and spec.image.base)')
    .option('--registry <registry>', 'registry prefix of the stage images (overrides spec.image.registry)')
    .option('--data <dir>', 'directory with your own compatibility tables (cuda-drivers.json, base-images.json); also MLREADY_DATA_DIR')
    .option('--buildkit', 'allow BuildKit-only Dockerfile syntax (pip cache mounts)')
    .option('--dry-run', 'list the files and decisions; write nothing')
    .option('--json', 'with --dry-run: as JSON')
    .option('--diff', 'print unified diffs against the files that exist; write nothing')
    .option('--force', 'replace files that were edited since they were generated, or not generated by mlready')
    .addHelpText('after', `${EXIT_CODES_HELP.replace('  1  the readiness gate failed', '  1  files were kept: edited since generated, or not generated by mlready (see --force)')}`)
    .action(async (opts) => {
      const { scaffoldCommand, parseEmit, parseWith, parsePlatforms } = await import('./scaffold.js');
      process.exitCode = await scaffoldCommand({ ...opts, emit: parseEmit(opts.emit), with: parseWith(opts.with), platforms: parsePlatforms(opts.platforms) });
    });

  const rules = program.command('rules').description('list, show and check readiness rules');
  rules
    .command('list')
    .description('list the rules (built-in and --rules packs)')
    .option('--json', 'as JSON')
    .option('--rules <dir>', 'extra rule pack directory (repeatable)', repeatable, [] as string[])
    .action(async (opts) => {
      const { rulesList } = await import('./rules.js');
      await rulesList(opts);
    });
  rules
    .command('show <id>')
    .description('show one rule: what it checks, why, and how to fix it')
    .option('--rules <dir>', 'extra rule pack directory (repeatable)', repeatable, [] as string[])
    .action(async (id: string, opts) => {
      const { rulesShow } = await import('./rules.js');
      await rulesShow(id, opts);
    });
  rules
    .command('check <dir>')
    .description("validate a rule pack and run its rules' fixtures")
    .action(async (dir: string) => {
      const { rulesCheck } = await import('./rules.js');
      process.exitCode = await rulesCheck(dir);
    });

  return program;
}

function parsePercent(flag: string): (value: string) => number {
  return (value: string) => {
    const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`${flag} expects a number from 0 to 100, got "${value}"`);
    return n;
  };
}

function parseReportSpecArg(value: string, previous: { format: string; file: string }[]): { format: string; file: string }[] {
  const eq = value.indexOf('=');
  const format = eq > 0 ? value.slice(0, eq).trim().toLowerCase() : '';
  const file = eq > 0 ? value.slice(eq + 1).trim() : '';
  const formats = ['text', 'json', 'junit', 'sarif', 'markdown', 'html'];
  if (!formats.includes(format) || !file) {
    throw new InvalidArgumentError(`expected FORMAT=FILE with FORMAT one of ${formats.join(', ')}, got "${value}"`);
  }
  return [...previous, { format, file }];
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  for (const command of program.commands) command.exitOverride();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const { text, exitCode } = describeFatal(e, debug);
    process.stderr.write(`${text}\n`);
    return exitCode;
  }
}
