/**
 * Kubernetes resource quantities ("16Gi", "500m", "1.5", "2e3"), following the grammar of
 * k8s.io/apimachinery/pkg/api/resource: a signed decimal number, then a binary suffix (Ki Mi Gi Ti Pi Ei),
 * a decimal suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
 */
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** True when `value` is a valid Kubernetes quantity. */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value.trim());
}

/** The value of a quantity as a number ("16Gi" → 17179869184, "500m" → 0.5). */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QuantityError(`not a finite number: ${value}`);
    return value;
  }
  const m = QUANTITY.exec(value.trim());
  if (!m) throw new QuantityError(`"${value}" is not a Kubernetes quantity (examples: 16Gi, 512Mi, 500m, 2)`);
  const number = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in BINARY) return number * BINARY[suffix]!;
  if (suffix in DECIMAL) return number * DECIMAL[suffix]!;
  return number * 10 ** Number(suffix.slice(1));
}

/** A quantity in whole bytes (rounded up, as Kubernetes rounds memory). */
export function quantityBytes(value: string | number): number {
  return Math.ceil(parseQuantity(value));
}

/** Bytes for people: 17179869184 → "16 GiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = Math.abs(bytes);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const text = v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
  return `${bytes < 0 ? '-' : ''}${text} ${units[i]}`;
}
