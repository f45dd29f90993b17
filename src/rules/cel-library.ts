/**
 * The CEL library, for cel.ts. From source (tests, build scripts) it is imported as usual; the bundle
 * uses cel-library.bundle.ts instead (scripts/build.mjs), which loads it on first use.
 */
import * as library from '@marcbachmann/cel-js';

export function celLibrary(): typeof library {
  return library;
}
