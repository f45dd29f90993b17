/**
 * mlready's CEL functions, shared by the CEL library's environment (cel.ts) and the built-in pack's
 * compiled expressions (cel-native.ts), so that both compute the same values.
 */
import gte from 'semver/functions/gte.js';
import parseVersion from 'semver/functions/parse.js';
import type { SemVer } from 'semver';
import { parseQuantity, QuantityError } from '../util/quantity.js';

/** Coerces "12.2", "535.54.03", "v1.29.3-eks-1" to semver; undefined when it is not a version. */
export function coerceVersion(v: string): SemVer | undefined {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v);
  if (!m) return undefined;
  return parseVersion(`${Number(m[1])}.${Number(m[2] ?? 0)}.${Number(m[3] ?? 0)}`) ?? undefined;
}

/** `versionAtLeast(actual, minimum)`: both coerced to semver; an error when either is not a version. */
export function versionAtLeast(actual: string, minimum: string): boolean {
  const a = coerceVersion(actual);
  const b = coerceVersion(minimum);
  if (!a || !b) throw new Error(`versionAtLeast: not a version: "${!a ? actual : minimum}"`);
  return gte(a, b);
}

/** `bytes(quantity)`: a Kubernetes quantity ("16Gi", "1.5G") in whole bytes, as a CEL int. */
export function quantityBytesValue(s: string): bigint {
  try {
    return BigInt(Math.ceil(parseQuantity(s)));
  } catch (e) {
    throw new Error(e instanceof QuantityError ? `bytes: ${e.message}` : String(e));
  }
}
