/**
 * The configuration file (`--config FILE`, default `mlready.config.yaml` in the working directory):
 * profile, rule packs, per-rule overrides and waivers. Validated against schemas/config.schema.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../cli/errors.js';
import type { ConfigDoc } from '../rules/schema.js';

export const DEFAULT_CONFIG_FILE = 'mlready.config.yaml';

export interface LoadedConfig {
  file?: string;
  doc: ConfigDoc;
  /** rulePacks resolved against the config file's directory. */
  packs: string[];
}

export async function loadConfig(explicit: string | undefined, cwd: string): Promise<LoadedConfig> {
  const file = explicit ?? (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE)) ? path.join(cwd, DEFAULT_CONFIG_FILE) : undefined);
  if (!file) return { doc: {}, packs: [] };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read the configuration file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  // YAML and the validator load only when a config file exists.
  const [{ parseYaml }, { validateOrThrow }, { readPackageJson }] = await Promise.all([
    import('../util/yaml-source.js'),
    import('../util/validate.js'),
    import('../util/package-root.js'),
  ]);
  const source = parseYaml(file, text);
  const doc = (source.value ?? {}) as ConfigDoc;
  validateOrThrow('config', doc, source, 'configuration');
  const dir = path.dirname(path.resolve(file));
  return { file, doc, packs: (doc.rulePacks ?? []).map((p) => path.resolve(dir, p)) };
}
