/**
 * Stateless 32-bit hashing used to derive everything about a trace from (seed, trace index, draw
 * number). Every worker computes the same trace without talking to the others, and the validator can
 * recompute it. Math.imul keeps the arithmetic in 32-bit integers (no float rounding, no BigInt).
 */

/** lowbias32 (Chris Wellons' hash-prospector): a strong 32-bit finalizer. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit hash of three inputs. */
export function hash3(a: number, b: number, c: number): number {
  return mix32(mix32(mix32(a ^ 0x9e3779b9) ^ b) ^ Math.imul(c + 1, 0x85ebca6b));
}

/** A uniform number in [0, 1) from a hash. */
export function unitFloat(h: number): number {
  return h / 4294967296;
}
