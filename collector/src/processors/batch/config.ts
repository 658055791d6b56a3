/**
 * batch processor config: otelcol's keys, defaults and validation messages
 * (processor/batchprocessor/config.go). Durations come out in milliseconds.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';

const UINT32_MESSAGE = 'expected a whole number >= 0';

/** otelcol declares these uint32; a negative or fractional value does not unmarshal there either. */
function zUint32(defaultValue: number) {
  return z
    .number({ error: UINT32_MESSAGE })
    .int({ error: UINT32_MESSAGE })
    .min(0, { error: UINT32_MESSAGE })
    .max(0xffffffff, { error: UINT32_MESSAGE })
    .default(defaultValue);
}

const metadataKeys = z.preprocess(
  (v) => v ?? [],
  z.array(z.string({ error: 'expected a metadata key (string)' }), { error: 'expected a list of metadata keys' }),
);

export const batchConfigSchema = zStrictObject({
  timeout: zDuration('200ms'),
  send_batch_size: zUint32(8192),
  send_batch_max_size: zUint32(0),
  metadata_keys: metadataKeys,
  metadata_cardinality_limit: zUint32(1000),
}).superRefine((cfg, ctx) => {
  if (cfg.send_batch_max_size > 0 && cfg.send_batch_max_size < cfg.send_batch_size) {
    ctx.addIssue({
      code: 'custom',
      path: ['send_batch_max_size'],
      message: 'send_batch_max_size must be greater or equal to send_batch_size',
    });
  }
  const seen = new Set<string>();
  cfg.metadata_keys.forEach((key, i) => {
    const lower = key.toLowerCase();
    if (seen.has(lower)) {
      ctx.addIssue({
        code: 'custom',
        path: ['metadata_keys', i],
        message: `duplicate entry in metadata_keys: ${JSON.stringify(lower)} (case-insensitive)`,
      });
    }
    seen.add(lower);
  });
  if (cfg.timeout < 0) {
    ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'timeout must be greater or equal to 0' });
  }
});

export type BatchConfig = z.output<typeof batchConfigSchema>;
