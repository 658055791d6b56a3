/**
 * When a fault happens: an absolute time from the load's start ("20s", "1500ms", 1500) or a share
 * of the load's duration ("40%"). Absolute times scale with the duration when a run overrides it
 * (--duration): a fault at 20s of a 60s scenario happens at 2s of a 6s run, so a short test run
 * keeps the scenario's shape.
 */
import { parseDurationMs } from '../loadgen/config.ts';

export type TimeSpec = { kind: 'ms'; ms: number } | { kind: 'fraction'; fraction: number };

const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

/** Parses "20s" / 1500 / "40%"; throws with a readable message. */
export function parseTimeSpec(value: number | string): TimeSpec {
  if (typeof value === 'number') {
    if (!(value >= 0) || !Number.isFinite(value)) throw new Error(`expected a time >= 0, got ${value}`);
    return { kind: 'ms', ms: value };
  }
  const m = PERCENT.exec(value.trim());
  if (m) {
    const fraction = Number(m[1]) / 100;
    if (fraction > 1) throw new Error(`a share of the duration must be at most 100%, got ${value}`);
    return { kind: 'fraction', fraction };
  }
  return { kind: 'ms', ms: parseDurationMs(value) };
}

/**
 * Milliseconds from the load's start. scenarioDurationMs is the duration the scenario was written
 * for, runDurationMs the one this run uses.
 */
export function resolveTimeMs(t: TimeSpec, scenarioDurationMs: number, runDurationMs: number): number {
  if (t.kind === 'fraction') return Math.round(t.fraction * runDurationMs);
  if (scenarioDurationMs <= 0 || scenarioDurationMs === runDurationMs) return t.ms;
  return Math.round((t.ms * runDurationMs) / scenarioDurationMs);
}

export function formatTimeSpec(t: TimeSpec): string {
  return t.kind === 'fraction' ? `${+(t.fraction * 100).toFixed(3)}%` : `${t.ms}ms`;
}
