/**
 * A warn line per reason at most once per interval, with how many were suppressed since the
 * last line: a flood of bad UDP packets must be visible in the log without becoming the log.
 * The counters (metrics) count every event; this only thins the log lines.
 */
import type { Logger } from 'pino';

export const DEFAULT_LOG_INTERVAL_MS = 10_000;

class ReasonState {
  lastAt = 0;
  suppressed = 0;
  logged = false;
}

export class RateLimitedLog {
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly reasons = new Map<string, ReasonState>();

  constructor(logger: Logger, intervalMs = DEFAULT_LOG_INTERVAL_MS, now: () => number = Date.now) {
    this.logger = logger;
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** Logs at warn unless `reason` was logged less than an interval ago (then counts it as suppressed). */
  warn(reason: string, fields: Record<string, unknown>, message: string): void {
    let s = this.reasons.get(reason);
    if (s === undefined) {
      s = new ReasonState();
      this.reasons.set(reason, s);
    }
    const t = this.now();
    if (s.logged && t - s.lastAt < this.intervalMs) {
      s.suppressed++;
      return;
    }
    this.logger.warn({ ...fields, reason, suppressed_since_last: s.suppressed }, message);
    s.logged = true;
    s.lastAt = t;
    s.suppressed = 0;
  }
}
