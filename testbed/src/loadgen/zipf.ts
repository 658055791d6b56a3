/**
 * Zipf-distributed choice over n items: item k has weight 1/(k+1)^s, so item 0 is the most common
 * and the last ones are rare. A cumulative table built once; a pick is a binary search (per trace,
 * not per span).
 */
export class ZipfTable {
  readonly cdf: Float64Array;

  constructor(n: number, exponent: number) {
    this.cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      this.cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) this.cdf[k]! /= sum;
    this.cdf[n - 1] = 1;
  }

  /** Probability of item k. */
  probability(k: number): number {
    return this.cdf[k]! - (k === 0 ? 0 : this.cdf[k - 1]!);
  }

  /** The item for a uniform draw u in [0, 1). */
  pick(u: number): number {
    const cdf = this.cdf;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < cdf[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
