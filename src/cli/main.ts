/**
 * Entry point. `--version` is answered before anything else loads; each command's module is imported
 * only when that command runs, so start-up stays close to a bare `node`.
 */
import { TOOL_VERSION } from '../version.js';

// A reader that goes away (`mlready assess --help | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${TOOL_VERSION}\n`);
} else {
  const { run } = await import('./program.js');
  process.exitCode = await run(argv);
}
