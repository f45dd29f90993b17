/**
 * Compute capability from the model name, for drivers too old to report it
 * (`nvidia-smi --query-gpu=compute_cap` exists since driver 510). The table, its source and date
 * are in data/nvidia-compute-capability.json; this file only normalises names to its keys.
 */
import table from '../../../data/nvidia-compute-capability.json' with { type: 'json' };

const MODELS: Readonly<Record<string, string>> = table.models;

/** Words that never tell models apart: vendor and brand prefixes. */
const BRAND_WORDS = new Set(['nvidia', 'geforce', 'tesla']);

/**
 * Trailing words that name a memory size, form factor, edition or mobile variant of the same chip
 * ("A100-SXM4-80GB", "H100 80GB HBM3", "RTX 3080 Laptop GPU", "RTX 4070 Ti SUPER"). They are only
 * ever removed from the end, one at a time, until the name is in the table.
 */
const SUFFIX_WORD = /^(\d+gb|sxm\d*|pcie|nvl|hbm\d*e?|dgxs|fhhl|generation|edition|workstation|server|maxq|design|with|laptop|mobile|gpu|oem|super)$/;

/** The name nvidia-smi prints when the driver is older than the card: it says nothing about the chip. */
export const UNNAMED_MODEL = 'Graphics Device';

/** Normalised words of a model name, as the table keys are written. */
export function modelWords(model: string): string[] {
  return model
    .toLowerCase()
    .replace(/\bmax-q\b/g, 'maxq')
    .split(/[\s-]+/)
    .filter((w) => w && !BRAND_WORDS.has(w));
}

/** Compute capability ("8.0") of a model name from the table, or undefined when the table does not know it. */
export function computeCapabilityFromTable(model: string): string | undefined {
  if (model.trim() === UNNAMED_MODEL) return undefined;
  const words = modelWords(model);
  while (words.length > 0) {
    const key = words.join(' ');
    if (Object.hasOwn(MODELS, key)) return MODELS[key];
    if (!SUFFIX_WORD.test(words[words.length - 1]!)) return undefined;
    words.pop();
  }
  return undefined;
}

export const TABLE_SOURCE: string = table.source;
