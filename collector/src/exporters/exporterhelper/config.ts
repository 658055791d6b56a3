/**
 * The exporterhelper keys every queued exporter shares, with otelcol's defaults and validation
 * messages: `timeout` (exporterhelper.TimeoutConfig), `sending_queue` (queuebatch.Config, from
 * exporterhelper.NewDefaultQueueConfig) and `retry_on_failure` (configretry.BackOffConfig).
 * Durations come out in milliseconds. `sending_queue.batch` is parsed but not acted on (README.md).
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';

const BOOL_MESSAGE = 'expected true or false';
const INT_MESSAGE = 'expected a whole number';
const NUMBER_MESSAGE = 'expected a number';

const zBool = (defaultValue: boolean) => z.boolean({ error: BOOL_MESSAGE }).default(defaultValue);
const zInt = (defaultValue: number) => z.number({ error: INT_MESSAGE }).int({ error: INT_MESSAGE }).default(defaultValue);
const zNumber = (defaultValue: number) => z.number({ error: NUMBER_MESSAGE }).default(defaultValue);

const SIZER_MESSAGE = 'expected sizer "requests", "items" or "bytes"';
const sizer = z.enum(['requests', 'items', 'bytes'], { error: SIZER_MESSAGE });
export type SizerType = z.output<typeof sizer>;

/** otelcol: `timeout` squashed into the exporter's config; 0 disables the per-attempt deadline. */
export const DEFAULT_TIMEOUT = '5s';

export function zTimeout(defaultValue: string | number = DEFAULT_TIMEOUT) {
  return zDuration(defaultValue).refine((ms) => ms >= 0, { error: "'timeout' must be non-negative" });
}

const batchSchema = zStrictObject({
  flush_timeout: zDuration('200ms'),
  min_size: zInt(8192),
  max_size: zInt(0),
  sizer: sizer.default('items'),
  partition: zStrictObject({
    metadata_keys: z.preprocess((v) => v ?? [], z.array(z.string({ error: 'expected a metadata key (string)' }))),
    cardinality_limit: zInt(10000),
  }).optional(),
});

/** sending_queue (queuebatch.Config). `blocking` is otelcol's deprecated name for block_on_overflow. */
export const queueConfigSchema = zStrictObject({
  enabled: zBool(true),
  wait_for_result: zBool(false),
  block_on_overflow: zBool(false),
  blocking: z.boolean({ error: BOOL_MESSAGE }).optional(),
  sizer: sizer.default('requests'),
  queue_size: zInt(1000),
  num_consumers: zInt(10),
  storage: z.string({ error: 'expected a storage extension id' }).optional(),
  // configoptional.Default in otelcol: absent means no batching; `batch:` (even empty) means defaults.
  batch: batchSchema.optional(),
})
  .superRefine((q, ctx) => {
    if (!q.enabled) return;
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (q.queue_size <= 0) issue(['queue_size'], '`queue_size` must be positive');
    if (q.num_consumers <= 0) issue(['num_consumers'], '`num_consumers` must be positive');
    if (q.storage !== undefined && q.wait_for_result) {
      issue(['wait_for_result'], '`wait_for_result` is not supported with a persistent queue configured with `storage`');
    }
    if (q.storage !== undefined && q.sizer !== 'requests') {
      issue(['sizer'], 'persistent queue configured with `storage` only supports `requests` sizer');
    }
    const b = q.batch;
    if (b === undefined) return;
    if (b.sizer !== 'items' && b.sizer !== 'bytes') issue(['batch', 'sizer'], '`batch` supports only `items` or `bytes` sizer');
    if (b.flush_timeout <= 0) issue(['batch', 'flush_timeout'], '`flush_timeout` must be positive');
    if (b.min_size < 0) issue(['batch', 'min_size'], '`min_size` must be non-negative');
    if (b.max_size < 0) issue(['batch', 'max_size'], '`max_size` must be non-negative');
    if (b.max_size > 0 && b.max_size < b.min_size) issue(['batch', 'max_size'], '`max_size` must be greater or equal to `min_size`');
    if (b.sizer === q.sizer && b.min_size > q.queue_size) {
      issue(['batch', 'min_size'], '`min_size` must be less than or equal to `queue_size`');
    }
  })
  .transform(({ blocking, ...q }) => ({ ...q, block_on_overflow: q.block_on_overflow || blocking === true }));

export type QueueConfig = z.output<typeof queueConfigSchema>;

/** retry_on_failure (configretry.BackOffConfig, NewDefaultBackOffConfig). */
export const retryConfigSchema = zStrictObject({
  enabled: zBool(true),
  initial_interval: zDuration('5s'),
  randomization_factor: zNumber(0.5),
  multiplier: zNumber(1.5),
  max_interval: zDuration('30s'),
  max_elapsed_time: zDuration('5m'),
}).superRefine((r, ctx) => {
  if (!r.enabled) return;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (r.initial_interval < 0) issue('initial_interval', "'initial_interval' must be non-negative");
  if (r.randomization_factor < 0 || r.randomization_factor > 1) issue('randomization_factor', "'randomization_factor' must be within [0, 1]");
  if (r.multiplier < 0) issue('multiplier', "'multiplier' must be non-negative");
  if (r.max_interval < 0) issue('max_interval', "'max_interval' must be non-negative");
  if (r.max_elapsed_time < 0) issue('max_elapsed_time', "'max_elapsed_time' must be non-negative");
});

export type RetryConfig = z.output<typeof retryConfigSchema>;
