/**
 * tail_sampling processor config: otelcol-contrib's keys and defaults
 * (processor/tailsamplingprocessor/config.go), plus tailpipe's memory bounds. Durations come out
 * in milliseconds, sizes in bytes. `policies` is the policies module's schema (policies/index.ts:
 * entries, unique non-empty names); that the list is there and not empty is checked here.
 *
 * Effective values that depend on several keys (the derived per-trace byte cap, the initial
 * table size) are computed by effectiveLimits() (limits.ts), so a parsed config shows what was
 * written.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';
import { policiesSchema } from './policies/index.ts';

const COUNT_MESSAGE = 'expected a whole number >= 0';
const BYTES_MESSAGE = 'expected a number of bytes (a whole number >= 0)';

function zCount(defaultValue: number, message = COUNT_MESSAGE) {
  return z.number({ error: message }).int({ error: message }).min(0, { error: message }).max(Number.MAX_SAFE_INTEGER, { error: message }).default(defaultValue);
}

const bool = (defaultValue: boolean) => z.boolean({ error: 'expected true or false' }).default(defaultValue);

/** 256 MiB: the default budget of buffered span bytes. */
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;
/** Below this the span store's slab granularity (4 KiB at least) would be a large part of the budget. */
export const MIN_MAX_BUFFERED_BYTES = 64 * 1024;
export const POLICIES_REQUIRED_MESSAGE = 'required: a list of sampling policies (each with a unique name and a type)';

const policies = z
  .unknown()
  .superRefine((v, ctx) => {
    if (v === undefined || v === null) ctx.addIssue({ code: 'custom', message: POLICIES_REQUIRED_MESSAGE });
    else if (Array.isArray(v) && v.length === 0) ctx.addIssue({ code: 'custom', message: 'at least one policy is required' });
  })
  .pipe(policiesSchema);

export const tailSamplingConfigSchema = zStrictObject({
  decision_wait: zDuration('30s'),
  num_traces: zCount(50_000),
  expected_new_traces_per_sec: zCount(0),
  decision_cache: zStrictObject({
    sampled_cache_size: zCount(0),
    non_sampled_cache_size: zCount(0),
  }),
  sample_on_first_match: bool(false),
  drop_pending_traces_on_shutdown: bool(false),
  block_on_overflow: bool(false),
  decision_wait_after_root_received: zDuration(0),
  /** otelcol's sampling_strategy: only the default, trace-complete, is implemented. */
  sampling_strategy: z
    .enum(['trace-complete', 'span-ingest'], { error: 'expected "trace-complete" or "span-ingest"' })
    .default('trace-complete'),
  maximum_trace_size_bytes: zCount(0, BYTES_MESSAGE),
  // ---- tailpipe's own keys ----
  max_buffered_bytes: zCount(DEFAULT_MAX_BUFFERED_BYTES, BYTES_MESSAGE),
  max_spans_per_trace: zCount(0),
  record_policy: bool(false),
  policies,
}).superRefine((cfg, ctx) => {
  const issue = (path: (string | number)[], message: string): void => {
    ctx.addIssue({ code: 'custom', path, message });
  };
  if (cfg.decision_wait <= 0) issue(['decision_wait'], 'decision_wait must be greater than 0');
  if (cfg.num_traces < 1) issue(['num_traces'], 'num_traces must be greater than 0');
  if (cfg.decision_wait_after_root_received < 0) {
    issue(['decision_wait_after_root_received'], 'decision_wait_after_root_received must not be negative');
  } else if (cfg.decision_wait_after_root_received > cfg.decision_wait) {
    issue(['decision_wait_after_root_received'], 'decision_wait_after_root_received must not be longer than decision_wait');
  }
  if (cfg.sampling_strategy === 'span-ingest') {
    issue(['sampling_strategy'], 'sampling_strategy "span-ingest" is not supported; use "trace-complete" (the default)');
  }
  if (cfg.max_buffered_bytes < MIN_MAX_BUFFERED_BYTES) issue(['max_buffered_bytes'], `max_buffered_bytes must be at least ${MIN_MAX_BUFFERED_BYTES} (64 KiB)`);
  if (cfg.maximum_trace_size_bytes > cfg.max_buffered_bytes) {
    issue(['maximum_trace_size_bytes'], 'maximum_trace_size_bytes must not be greater than max_buffered_bytes');
  }
});

export type TailSamplingConfig = z.output<typeof tailSamplingConfigSchema>;
export type PolicyConfigs = TailSamplingConfig['policies'];
