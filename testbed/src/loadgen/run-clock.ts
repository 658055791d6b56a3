/**
 * The run's start time in the two forms the encoders patch into spans, computed once with BigInt so
 * the hot path adds a nanosecond offset (< 2^53) with plain float arithmetic and a carry:
 * fixed64 halves for protobuf, seconds + nanoseconds for OTLP/JSON's decimal strings.
 */
const TWO_POW_32 = 4294967296;

export class RunClock {
  readonly baseLo: number;
  readonly baseHi: number;
  readonly baseSec: number;
  readonly baseNsec: number;

  constructor(readonly epochMs: number) {
    const ns = BigInt(Math.round(epochMs * 1000)) * 1000n;
    this.baseLo = Number(ns & 0xffffffffn);
    this.baseHi = Number(ns >> 32n);
    this.baseSec = Number(ns / 1_000_000_000n);
    this.baseNsec = Number(ns % 1_000_000_000n);
    if (this.baseSec < 1_000_000_000 || this.baseSec > 9_999_999_999) {
      throw new RangeError('run start must lie between 2001 and 2286 (19-digit nanosecond timestamps)');
    }
  }

  /** Writes base + offsetNs as a little-endian fixed64 at pos. */
  writeFixed64(buf: Uint8Array, pos: number, offsetNs: number): void {
    let lo = this.baseLo + offsetNs;
    const carry = Math.floor(lo / TWO_POW_32);
    lo -= carry * TWO_POW_32;
    const hi = this.baseHi + carry;
    buf[pos] = lo & 0xff;
    buf[pos + 1] = (lo >>> 8) & 0xff;
    buf[pos + 2] = (lo >>> 16) & 0xff;
    buf[pos + 3] = lo >>> 24;
    buf[pos + 4] = hi & 0xff;
    buf[pos + 5] = (hi >>> 8) & 0xff;
    buf[pos + 6] = (hi >>> 16) & 0xff;
    buf[pos + 7] = hi >>> 24;
  }

  /** Writes base + offsetNs as 19 ASCII decimal digits at pos. */
  writeDecimal19(buf: Uint8Array, pos: number, offsetNs: number): void {
    let nsec = this.baseNsec + offsetNs;
    const carry = Math.floor(nsec / 1e9);
    nsec -= carry * 1e9;
    let sec = this.baseSec + carry;
    for (let i = pos + 18; i >= pos + 10; i--) {
      buf[i] = 48 + (nsec % 10);
      nsec = Math.floor(nsec / 10);
    }
    for (let i = pos + 9; i >= pos; i--) {
      buf[i] = 48 + (sec % 10);
      sec = Math.floor(sec / 10);
    }
  }

  /** base + offsetNs as a decimal string (cold path: tests, reports). */
  toNanosString(offsetNs: number): string {
    return ((BigInt(this.baseSec) * 1_000_000_000n + BigInt(this.baseNsec)) + BigInt(offsetNs)).toString();
  }
}
