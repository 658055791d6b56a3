/**
 * FNV-1a, 64-bit (Go's hash/fnv New64a) on two u32 halves: a BigInt per byte would cost ~30x.
 * The prime is 2^40 + 0x1b3, so h * prime = (h << 40) + h * 0x1b3; every intermediate stays
 * below 2^53 and is exact in a double.
 */
const TWO_32 = 4294967296;

export class Fnv64a {
  hi = 0xcbf29ce4;
  lo = 0x84222325;

  reset(hi = 0xcbf29ce4, lo = 0x84222325): void {
    this.hi = hi;
    this.lo = lo;
  }

  update(buf: Uint8Array, start = 0, end = buf.length): void {
    let hi = this.hi;
    let lo = this.lo;
    for (let k = start; k < end; k++) {
      lo = (lo ^ buf[k]!) >>> 0;
      const loMul = lo * 0x1b3; // < 2^41
      const carry = Math.floor(loMul / TWO_32);
      hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
      lo = loMul >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }

  /** The hash as a BigInt (tests, logs). */
  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

/** FNV-1a 32-bit (Go's hash/fnv New32a) over one buffer range, continuing from `h`. */
export function fnv32a(buf: Uint8Array, start = 0, end = buf.length, h = 0x811c9dc5): number {
  for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k]!, 0x01000193);
  return h >>> 0;
}
