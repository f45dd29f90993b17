/**
 * The CEL library in the bundle (scripts/build.mjs resolves cel-library.js here): loaded on first use.
 * The built-in pack runs as the build's compiled JavaScript, so a typical `assess` never needs the
 * library, and its start-up (~3–4 ms, registering its whole standard library) is then not paid. This
 * `require` is esbuild's lazy initialiser of the bundled library.
 */
export function celLibrary(): typeof import('@marcbachmann/cel-js') {
  return require('@marcbachmann/cel-js') as typeof import('@marcbachmann/cel-js');
}
