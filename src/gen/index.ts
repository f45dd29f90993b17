/** Everything the repository keeps that is generated from another source of truth. */
import { generatedSchemas, type GeneratedFile } from './schemas.js';

export type { GeneratedFile };

export async function generatedFiles(): Promise<GeneratedFile[]> {
  return [...generatedSchemas()];
}
