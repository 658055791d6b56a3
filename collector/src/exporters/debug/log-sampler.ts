/**
 * zap's sampler (zapcore.NewSamplerWithOptions) as otelcol's debug exporter configures it: per
 * one-second tick and per message, the first `initial` entries pass, then every `thereafter`-th.
 * Messages are hashed (FNV-1a) into 4096 counters like zap, so two messages may share a counter
 * (zap has the same approximation); memory stays fixed whatever is logged.
 */
const BUCKETS = 4096;
const TICK_MS = 1000;

export class LogSampler {
  private readonly initial: number;
  private readonly thereafter: number;
  private readonly counts = new Uint32Array(BUCKETS);
  private readonly resetAt = new Float64Array(BUCKETS);
  /** Entries dropped by sampling since creation. */
  dropped = 0;

  constructor(initial: number, thereafter: number) {
    this.initial = initial;
    this.thereafter = thereafter;
  }

  /** Whether an entry with this message may be logged now. */
  allow(message: string, now: number = Date.now()): boolean {
    const b = fnv1a(message) % BUCKETS;
    let n: number;
    if (now >= this.resetAt[b]!) {
      this.resetAt[b] = now + TICK_MS;
      n = this.counts[b] = 1;
    } else {
      n = ++this.counts[b]!;
    }
    if (n <= this.initial) return true;
    if (this.thereafter !== 0 && (n - this.initial) % this.thereafter === 0) return true;
    this.dropped++;
    return false;
  }
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
