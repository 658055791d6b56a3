/**
 * memory_limiter config: otelcol's keys, defaults and validation messages
 * (internal/memorylimiter/config.go). Durations come out in milliseconds, sizes in MiB as written.
 *
 * As in otelcol, limit_mib and limit_percentage may both be set; limit_mib then wins (the
 * processor logs a warning). Rejecting that would refuse YAML that otelcol runs.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';

const UINT32_MESSAGE = 'expected a whole number >= 0';

/** otelcol declares the limits uint32: whole numbers only, fractions do not unmarshal there. */
function zUint32(defaultValue: number) {
  return z
    .number({ error: UINT32_MESSAGE })
    .int({ error: UINT32_MESSAGE })
    .min(0, { error: UINT32_MESSAGE })
    .max(0xffffffff, { error: UINT32_MESSAGE })
    .default(defaultValue);
}

export const CHECK_INTERVAL_MESSAGE = "'check_interval' must be greater than zero";
export const GC_INTERVALS_MESSAGE = "'min_gc_interval_when_soft_limited' should be larger than 'min_gc_interval_when_hard_limited'";
export const LIMIT_MESSAGE = "'limit_mib' or 'limit_percentage' must be greater than zero";
export const PERCENTAGE_RANGE_MESSAGE =
  "'limit_percentage' and 'spike_limit_percentage' must be greater than zero and less than or equal to hundred";
export const SPIKE_MIB_MESSAGE = "'spike_limit_mib' must be smaller than 'limit_mib'";
export const SPIKE_PERCENTAGE_MESSAGE = "'spike_limit_percentage' must be smaller than 'limit_percentage'";

export const memoryLimiterConfigSchema = zStrictObject({
  check_interval: zDuration(0),
  limit_mib: zUint32(0),
  spike_limit_mib: zUint32(0),
  limit_percentage: zUint32(0),
  spike_limit_percentage: zUint32(0),
  min_gc_interval_when_soft_limited: zDuration('10s'),
  min_gc_interval_when_hard_limited: zDuration(0),
}).superRefine((cfg, ctx) => {
  const issue = (path: string | null, message: string): void => {
    ctx.addIssue({ code: 'custom', path: path === null ? [] : [path], message });
  };
  // Same checks as otelcol's Validate, but every failing one is reported, each at its key.
  if (cfg.check_interval <= 0) issue('check_interval', CHECK_INTERVAL_MESSAGE);
  if (cfg.min_gc_interval_when_soft_limited < cfg.min_gc_interval_when_hard_limited) {
    issue('min_gc_interval_when_soft_limited', GC_INTERVALS_MESSAGE);
  }
  if (cfg.limit_mib === 0 && cfg.limit_percentage === 0) issue(null, LIMIT_MESSAGE);
  if (cfg.limit_percentage > 100) issue('limit_percentage', PERCENTAGE_RANGE_MESSAGE);
  if (cfg.spike_limit_percentage > 100) issue('spike_limit_percentage', PERCENTAGE_RANGE_MESSAGE);
  if (cfg.limit_mib > 0 && cfg.limit_mib <= cfg.spike_limit_mib) issue('spike_limit_mib', SPIKE_MIB_MESSAGE);
  if (cfg.limit_percentage > 0 && cfg.limit_percentage <= cfg.spike_limit_percentage) {
    issue('spike_limit_percentage', SPIKE_PERCENTAGE_MESSAGE);
  }
});

export type MemoryLimiterConfig = z.output<typeof memoryLimiterConfigSchema>;
