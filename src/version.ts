import { createRequire } from 'node:module';

declare const __MLREADY_VERSION__: string | undefined;

export const TOOL_NAME = 'mlready' as const;

/** Inlined by the build; read from package.json when running from source (tests). */
export const TOOL_VERSION: string =
  typeof __MLREADY_VERSION__ !== 'undefined'
    ? __MLREADY_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;
