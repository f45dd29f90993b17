/**
 * Start-up and phase timings on stderr when MLREADY_TRACE=1 (a development aid for the benchmarks):
 * milliseconds since the process started.
 */
const enabled = process.env.MLREADY_TRACE === '1';

export function trace(phase: string): void {
  if (enabled) process.stderr.write(`[trace] ${performance.now().toFixed(1)} ms ${phase}\n`);
}
