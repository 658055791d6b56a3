/**
 * probabilistic_sampler config: otelcol-contrib's keys, defaults and checks
 * (processor/probabilisticsamplerprocessor/config.go, factory.go).
 *
 * sampling_percentage is a float32 in otelcol: the value is rounded to float32 here too
 * (Math.fround), so 15.3 means 15.30000019... exactly as there. `attribute_source`,
 * `from_attribute` and `sampling_priority` configure logs in otelcol; they are accepted and
 * validated, and traces always use the trace id (and the span's sampling.priority attribute).
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';
import { MIN_SAMPLING_PROBABILITY, NUM_HEX_DIGITS } from './threshold.ts';

export const MODES = ['', 'hash_seed', 'equalizing', 'proportional'] as const;
export type SamplerMode = Exclude<(typeof MODES)[number], ''>;

const UINT32_MESSAGE = 'expected a whole number between 0 and 4294967295';

export const probabilisticSamplerConfigSchema = zStrictObject({
  sampling_percentage: z
    .number({ error: 'expected a percentage (a number)' })
    .default(0)
    .transform((n) => Math.fround(n)),
  hash_seed: z.number({ error: UINT32_MESSAGE }).int({ error: UINT32_MESSAGE }).min(0, { error: UINT32_MESSAGE }).max(0xffffffff, { error: UINT32_MESSAGE }).default(0),
  mode: z.enum(MODES, { error: `unsupported sampler mode; expected one of hash_seed, equalizing, proportional` }).default(''),
  fail_closed: z.boolean({ error: 'expected true or false' }).default(true),
  sampling_precision: z.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).default(4),
  attribute_source: z.enum(['traceID', 'record'], { error: 'invalid attribute source; expected traceID or record' }).default('traceID'),
  from_attribute: z.string({ error: 'expected a string' }).default(''),
  sampling_priority: z.string({ error: 'expected a string' }).default(''),
}).superRefine((cfg, ctx) => {
  const pct = cfg.sampling_percentage;
  const ratio = pct / 100;
  if (!Number.isFinite(pct)) ctx.addIssue({ code: 'custom', path: ['sampling_percentage'], message: `sampling rate is invalid: ${pct}%` });
  else if (ratio < 0) ctx.addIssue({ code: 'custom', path: ['sampling_percentage'], message: `sampling rate is negative: ${pct}%` });
  else if (ratio > 0 && ratio < MIN_SAMPLING_PROBABILITY) {
    ctx.addIssue({ code: 'custom', path: ['sampling_percentage'], message: `sampling rate is too small: ${pct}%` });
  }
  if (cfg.sampling_precision === 0) ctx.addIssue({ code: 'custom', path: ['sampling_precision'], message: 'invalid sampling precision: 0' });
  else if (cfg.sampling_precision < 0) ctx.addIssue({ code: 'custom', path: ['sampling_precision'], message: `invalid sampling precision: ${cfg.sampling_precision}` });
  else if (cfg.sampling_precision > NUM_HEX_DIGITS) {
    ctx.addIssue({ code: 'custom', path: ['sampling_precision'], message: `sampling precision is too great, should be <= 14: ${cfg.sampling_precision}` });
  }
});

export type ProbabilisticSamplerConfig = z.output<typeof probabilisticSamplerConfigSchema>;

/** otelcol's mode choice for traces: unset means hash_seed (the legacy behaviour). */
export function effectiveMode(cfg: ProbabilisticSamplerConfig): SamplerMode {
  return cfg.mode === '' ? 'hash_seed' : cfg.mode;
}
