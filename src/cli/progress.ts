/** Progress lines on stderr, only when stderr is a terminal; stdout stays machine-readable. */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): { update(message: string): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  let shown = false;
  return {
    update(message: string) {
      shown = true;
      stream.write(`\r\x1b[2K${message}`);
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
    },
  };
}
