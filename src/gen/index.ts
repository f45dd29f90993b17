/**
 * Everything the repository keeps that is generated from another source of truth, in phases: the
 * schemas first (loading rules for the docs validates them against schemas/rules.schema.json).
 */
import { rulesDoc } from './rules-doc.js';
import { generatedSchemas, type GeneratedFile } from './schemas.js';

export type { GeneratedFile };

export const phases: (() => Promise<GeneratedFile[]>)[] = [async () => generatedSchemas(), async () => [await rulesDoc()]];

export async function generatedFiles(): Promise<GeneratedFile[]> {
  const out: GeneratedFile[] = [];
  for (const phase of phases) out.push(...(await phase()));
  return out;
}
