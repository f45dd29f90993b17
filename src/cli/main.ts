/**
 * Entry point of the bundle (dist/cli.cjs), called by bin/mlready, which answers `--version` itself.
 * Every command's module is imported only when that command runs.
 */
import { trace } from '../util/trace.js';

// Build time (`bin/mlready --cache-run`): code caches of the generated files a run loaded.
export { saveCodeCaches } from '../util/compiled.js';

// A reader that goes away (`mlready assess --help | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

/** Runs one command line; bin/mlready calls it (and, at build time, `--cache-run` calls it twice). */
export async function main(argv: string[]): Promise<void> {
  trace('main');
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    const { TOOL_VERSION } = await import('../version.js');
    process.stdout.write(`${TOOL_VERSION}\n`);
    return;
  }
  const { run } = await import('./program.js');
  process.exitCode = await run(argv);
}
