/** Everything the repository keeps that is generated from another source of truth. */
import { rulesDoc } from './rules-doc.js';
import { generatedSchemas, type GeneratedFile } from './schemas.js';

export type { GeneratedFile };

export async function generatedFiles(): Promise<GeneratedFile[]> {
  return [...generatedSchemas(), await rulesDoc()];
}
