/** The workflow spec's default file name, in the working directory (kept apart so finding it loads nothing). */
export const DEFAULT_SPEC_FILE = 'mlready.yaml';
