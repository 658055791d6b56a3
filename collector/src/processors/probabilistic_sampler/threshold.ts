/**
 * OTEP 235 consistent-probability sampling values, as otelcol's pkg/sampling has them:
 * thresholds and randomness are 56-bit unsigned integers (BigInt here: this module is for
 * precomputation and for spans that carry a tracestate, not for the per-span fast path).
 *
 * - Randomness R: 56 bits, from the trace id's least significant 7 bytes or an explicit `rv`.
 * - Threshold T: how many of the 2^56 randomness values are rejected; sampled when T <= R.
 *   0 = always sample ("th:0"), 2^56 = never (no th value).
 * - th value: T as 14 hex digits with trailing zeros removed; rv: 14 hex digits.
 */

export const MAX_ADJUSTED_COUNT = 1n << 56n;
export const ALWAYS_SAMPLE = 0n;
export const NEVER_SAMPLE = MAX_ADJUSTED_COUNT;
/** The largest randomness (sampled at every probability): Go's AllProbabilitiesRandomness. */
export const ALL_PROBABILITIES_RANDOMNESS = MAX_ADJUSTED_COUNT - 1n;
export const NUM_HEX_DIGITS = 14;
export const MIN_SAMPLING_PROBABILITY = 2 ** -56;

const HEX = /^[0-9a-fA-F]+$/;

/** Threshold -> th value ("0" for always, "" for never). */
export function tValue(t: bigint): string {
  if (t === ALWAYS_SAMPLE) return '0';
  if (t >= NEVER_SAMPLE) return '';
  return t.toString(16).padStart(NUM_HEX_DIGITS, '0').replace(/0+$/, '');
}

/** th value -> threshold, or undefined when invalid (empty, > 14 digits, not hex). */
export function parseTValue(s: string): bigint | undefined {
  if (s.length === 0 || s.length > NUM_HEX_DIGITS || !HEX.test(s)) return undefined;
  return BigInt(`0x${s}`) << BigInt(4 * (NUM_HEX_DIGITS - s.length));
}

/** Randomness -> rv value (14 hex digits). */
export function rValue(r: bigint): string {
  return r.toString(16).padStart(NUM_HEX_DIGITS, '0');
}

/** rv value -> randomness, or undefined when invalid (exactly 14 hex digits). */
export function parseRValue(s: string): bigint | undefined {
  if (s.length !== NUM_HEX_DIGITS || !HEX.test(s)) return undefined;
  return BigInt(`0x${s}`);
}

/** Threshold -> sampling probability (float64, as Go: float64(2^56 - t) / 2^56). */
export function thresholdProbability(t: bigint): number {
  return Number(MAX_ADJUSTED_COUNT - t) / 2 ** 56;
}

/** Go math.Frexp's exponent: x = frac * 2^exp with frac in [0.5, 1). x > 0 and finite. */
function frexpExp(x: number): number {
  if (x === 0) return 0;
  let e = Math.floor(Math.log2(x)) + 1;
  // log2 can be off by one near powers of two: fix so that 0.5 <= x / 2^e < 1.
  if (x / 2 ** e >= 1) e++;
  else if (x / 2 ** e < 0.5) e--;
  return e;
}

/**
 * Go's sampling.ProbabilityToThresholdWithPrecision: undefined when the probability is outside
 * [2^-56, 1] (ErrProbabilityRange). Precision is raised near 0 and 1 so that the relative error
 * stays small, then the threshold is rounded to `precision` hex digits.
 */
export function probabilityToThreshold(fraction: number, precision: number): bigint | undefined {
  if (precision === 0) precision = NUM_HEX_DIGITS;
  if (!(fraction >= MIN_SAMPLING_PROBABILITY && fraction <= 1)) return undefined;
  if (fraction === 1) return ALWAYS_SAMPLE;
  const expF = frexpExp(fraction);
  const expR = frexpExp(1 - fraction);
  // Go's integer division truncates toward zero.
  precision = Math.min(NUM_HEX_DIGITS, Math.max(precision + Math.trunc(expF / -4), precision + Math.trunc(expR / -4)));
  // fraction * 2^56 is exact (a power-of-two scale); Go's math.Round rounds half away from zero.
  const scaled = BigInt(Math.round(fraction * 2 ** 56));
  let threshold = MAX_ADJUSTED_COUNT - scaled;
  const shift = BigInt(4 * (NUM_HEX_DIGITS - precision));
  if (shift !== 0n) {
    threshold += 1n << (shift - 1n);
    threshold >>= shift;
    threshold <<= shift;
  }
  return threshold;
}

/** The 56 randomness bits of a trace id (bytes 9..15, big-endian), W3C trace-context level 2. */
export function traceIdRandomness(id: Uint8Array, off: number): bigint {
  let r = 0n;
  for (let k = 9; k < 16; k++) r = (r << 8n) | BigInt(id[off + k]!);
  return r;
}

/**
 * hash_seed mode: the 56-bit randomness otelcol derives from the 32-bit FNV hash so that
 * `T <= R` decides like the legacy `(hash & 0x3fff) < scaledSamplerate`: 14 bits of
 * 0x3fff - (hash & 0x3fff), 28 bits mixed from the unused 18 hash bits, the 14 hash bits.
 */
export function hashRandomness(hash: number): { hi: number; lo: number } {
  const hashed = hash & 0x3fff;
  const rprime = 0x3fff - hashed;
  const unused18 = hash >>> 14;
  const mixed28 = (unused18 ^ (unused18 << 10)) >>> 0;
  return { hi: (rprime << 10) | (mixed28 >>> 18), lo: (mixed28 & 0x3ffff) * 16384 + hashed };
}

/** Helpers between BigInt and (hi: top 24 bits, lo: low 32 bits) pairs of a 56-bit value. */
export function toPair(v: bigint): { hi: number; lo: number } {
  return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
}

export function fromPair(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}
