/**
 * probabilistic: sampled when FNV-1a-64(hash_salt bytes, then the 16 trace id bytes) <=
 * threshold, with otelcol's threshold bit for bit: calculateThreshold(pct / 100) multiplies
 * big.Float(MaxUint64) (64-bit precision) by the float64 ratio, rounds the product to 64
 * significant bits (nearest even), then truncates to uint64 (clamped to [0, MaxUint64]).
 * Default salt: "default-hash-seed".
 */
import type { ProbabilisticConfig } from './config.ts';
import { Fnv64a } from './fnv.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';

export const DEFAULT_HASH_SALT = 'default-hash-seed';
const MAX_UINT64 = (1n << 64n) - 1n;

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** The float64 x as mant * 2^exp with an integer mantissa (exact). x must be finite. */
function decompose(x: number): { mant: bigint; exp: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074; // subnormal
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant, exp };
}

/** otelcol's calculateThreshold(ratio) for the probabilistic tail-sampling policy. */
export function probabilisticThreshold(ratio: number): bigint {
  if (!(ratio > 0)) return 0n; // negative (big.Float.Uint64 -> 0) and zero
  if (!Number.isFinite(ratio)) return MAX_UINT64;
  const { mant, exp: e } = decompose(ratio);
  let m = MAX_UINT64 * mant;
  let exp = e;
  const bits = bitLength(m);
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    let q = m >> shift;
    const rem = m & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    m = q;
    exp += bits - 64;
  }
  const v = exp >= 0 ? m << BigInt(exp) : m >> BigInt(-exp);
  return v > MAX_UINT64 ? MAX_UINT64 : v;
}

export class ProbabilisticPolicy implements PolicyEvaluator {
  readonly type = 'probabilistic';
  private readonly hash = new Fnv64a();
  /** FNV state after the salt: constant, so only the 16 id bytes are hashed per trace. */
  private readonly saltHi: number;
  private readonly saltLo: number;
  private readonly thHi: number;
  private readonly thLo: number;
  readonly threshold: bigint;

  constructor(
    readonly name: string,
    cfg: ProbabilisticConfig,
  ) {
    const salt = cfg.hash_salt === '' ? DEFAULT_HASH_SALT : cfg.hash_salt;
    this.hash.update(Buffer.from(salt, 'utf8'));
    this.saltHi = this.hash.hi;
    this.saltLo = this.hash.lo;
    this.threshold = probabilisticThreshold(cfg.sampling_percentage / 100);
    this.thHi = Number(this.threshold >> 32n);
    this.thLo = Number(this.threshold & 0xffffffffn);
  }

  evaluate(trace: TraceView): Decision {
    const h = this.hash;
    h.reset(this.saltHi, this.saltLo);
    h.update(trace.traceId, 0, 16);
    const sampled = h.hi < this.thHi || (h.hi === this.thHi && h.lo <= this.thLo);
    return sampled ? Decision.Sampled : Decision.NotSampled;
  }
}
