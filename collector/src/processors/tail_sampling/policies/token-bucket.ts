/**
 * A token bucket with golang.org/x/time/rate Limiter.AllowN semantics, as otelcol's
 * rate_limiting and bytes_limiting policies use it: starts full, refills continuously at `rate`
 * tokens per second up to `burst`; AllowN(n) passes when n <= burst and n tokens are there, and
 * only a pass changes the state. A rate of 0 lets `burst` tokens through once, as Go does.
 * Time is the engine clock in milliseconds (injectable).
 */
export class TokenBucket {
  private tokens: number;
  private lastMs = 0;
  private started = false;

  constructor(
    private readonly rate: number,
    private burst: number,
  ) {
    this.tokens = burst;
  }

  allow(nowMs: number, n: number): boolean {
    if (this.rate === 0) {
      if (this.burst >= n) {
        this.burst -= n;
        return true;
      }
      return false;
    }
    let tokens = this.burst;
    if (this.started) {
      // A clock that went back counts as no time elapsed (Go: `if t.Before(last) { last = t }`).
      const elapsedMs = nowMs > this.lastMs ? nowMs - this.lastMs : 0;
      tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.rate);
    }
    tokens -= n;
    if (n > this.burst || tokens < 0) return false;
    this.started = true;
    this.lastMs = nowMs;
    this.tokens = tokens;
    return true;
  }
}
