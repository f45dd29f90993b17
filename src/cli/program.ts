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

export function buildProgram(): Command {
  const program = new Command('mlready')
    .description('Is this machine, container runtime and cluster ready for ML workflows in containers?')
    .version(TOOL_VERSION, '-V, --version')
    .option('--debug', 'show stack traces of internal errors')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'mlready: ')) });

  program
    .command('probe')
    .description('collect facts about the host, its GPUs and the container runtime, and print them as JSON')
    .addOption(
      new Option('--target <list>', 'targets to probe, comma-separated: local, docker')
        .argParser(parseList('target', ['local', 'docker'] as const))
        .default(['local', 'docker'], 'local,docker'),
    )
    .addOption(new Option('--timeout <seconds>', 'budget of each target\'s probe').argParser(parseSeconds).default(5000, '5'))
    .option('--pretty', 'indent the JSON')
    .option('--redact', 'replace hostnames, IP and MAC addresses, GPU UUIDs and serial numbers with stable hashes')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts) => {
      const { probeCommand } = await import('./probe.js');
      await probeCommand(opts);
    });

  return program;
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
