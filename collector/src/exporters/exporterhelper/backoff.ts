/**
 * otelcol's backoff (github.com/cenkalti/backoff ExponentialBackOff, as configretry uses it), in
 * milliseconds. One instance per batch being retried:
 *
 *   wait(n)    = a uniform pick in [current * (1 - f), current * (1 + f)]   (f = randomization_factor)
 *   current(0) = initial_interval
 *   current(n+1) = current(n) * multiplier, or max_interval once that would pass it
 *
 * So a wait can exceed max_interval by the jitter (up to 45s with the defaults), as in otelcol.
 * Go computes `min + random * (max - min + 1)` in nanoseconds and truncates; we do the same in
 * whole milliseconds, which makes both bounds reachable: random 0 gives the low bound exactly,
 * random just under 1 the high bound.
 */
export interface BackoffSettings {
  readonly initialIntervalMs: number;
  readonly randomizationFactor: number;
  readonly multiplier: number;
  readonly maxIntervalMs: number;
}

export class ExponentialBackoff {
  private readonly settings: BackoffSettings;
  private readonly random: () => number;
  private current: number;

  constructor(settings: BackoffSettings, random: () => number = Math.random) {
    this.settings = settings;
    this.random = random;
    this.current = settings.initialIntervalMs;
  }

  /** The next wait in whole milliseconds; advances the interval. */
  next(): number {
    const s = this.settings;
    const interval = this.current;
    let wait = interval;
    if (s.randomizationFactor !== 0) {
      const delta = s.randomizationFactor * interval;
      const low = interval - delta;
      const high = interval + delta;
      wait = Math.floor(low + this.random() * (high - low + 1));
      // The +1 keeps the high bound reachable; with a fractional bound it could overshoot it.
      if (wait > high) wait = Math.floor(high);
    } else {
      wait = Math.floor(interval);
    }
    // cenkalti's overflow guard doubles as the cap: once current * multiplier would pass the
    // maximum, the interval is the maximum from then on.
    if (interval >= s.maxIntervalMs / s.multiplier) this.current = s.maxIntervalMs;
    else this.current = interval * s.multiplier;
    return wait < 0 ? 0 : wait;
  }
}
