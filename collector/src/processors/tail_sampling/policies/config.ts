/**
 * tail_sampling `policies` config, with otelcol-contrib's YAML shape: each entry has `name`,
 * `type`, and its settings in a section named after the type:
 *
 *   - name: errors
 *     type: status_code
 *     status_code: { status_codes: [ERROR] }
 *
 * As in otelcol (mapstructure squashes every section into each entry), an entry may also carry
 * sections of other types; they are validated and ignored. Sections a level cannot have are
 * unknown keys (and_sub_policy entries have no `and`, `composite` or `drop`). Every problem is
 * reported at its path (`policies[3].string_attribute.values[1]`), including regexes that RE2
 * would refuse and OTTL conditions outside the supported subset.
 */
import { z } from 'zod';
import { zStrictObject } from '../../../config/schema-helpers.ts';
import { compileRe2 } from './re2.ts';
import { compileCondition, compileValue } from './ottl/evaluate.ts';

const INT_MESSAGE = 'expected a whole number';
const BOOL_MESSAGE = 'expected true or false';
const STRING_MESSAGE = 'expected a string';

function zInt(defaultValue: number, min = -Number.MAX_SAFE_INTEGER, message = INT_MESSAGE) {
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).default(defaultValue);
}

const zOptionalInt = z.number({ error: INT_MESSAGE }).int({ error: INT_MESSAGE }).optional();
const zBool = (d = false) => z.boolean({ error: BOOL_MESSAGE }).default(d);
const zString = (d = '') => z.string({ error: STRING_MESSAGE }).default(d);
const zStringList = (what: string) =>
  z.preprocess((v) => v ?? [], z.array(z.string({ error: `expected a ${what} (string)` }), { error: `expected a list of ${what}s` }));

export const STATUS_CODES = ['OK', 'ERROR', 'UNSET'] as const;
export const ERROR_MODES = ['propagate', 'ignore', 'silent'] as const;
export const DEFAULT_ENDPOINT_FLOOR_KEY = ['resource.attributes["service.name"]', 'name'];

// ---- per-type sections ----

const latencySchema = zStrictObject({
  threshold_ms: zInt(0),
  upper_threshold_ms: zInt(0),
});

const numericAttributeSchema = zStrictObject({
  key: zString(),
  min_value: zOptionalInt,
  max_value: zOptionalInt,
  invert_match: zBool(),
}).superRefine((c, ctx) => {
  if (c.min_value === undefined && c.max_value === undefined) {
    ctx.addIssue({ code: 'custom', path: [], message: 'at least one of min_value or max_value must be set' });
  }
});

const probabilisticSchema = zStrictObject({
  hash_salt: zString(),
  sampling_percentage: z
    .number({ error: 'expected a percentage (a number)' })
    .refine((n) => Number.isFinite(n), { error: 'expected a finite percentage' })
    .default(0),
});

const statusCodeSchema = zStrictObject({
  status_codes: zStringList('status code'),
}).superRefine((c, ctx) => {
  if (c.status_codes.length === 0) ctx.addIssue({ code: 'custom', path: ['status_codes'], message: 'expected at least one status code to filter on' });
  c.status_codes.forEach((s, i) => {
    if (!(STATUS_CODES as readonly string[]).includes(s)) {
      ctx.addIssue({ code: 'custom', path: ['status_codes', i], message: `unknown status code "${s}", supported: OK, ERROR, UNSET` });
    }
  });
});

const stringAttributeSchema = zStrictObject({
  key: zString(),
  values: zStringList('value'),
  enabled_regex_matching: zBool(),
  cache_max_size: zInt(0),
  invert_match: zBool(),
}).superRefine((c, ctx) => {
  if (!c.enabled_regex_matching) return;
  c.values.forEach((v, i) => {
    try {
      compileRe2(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['values', i], message: (err as Error).message });
    }
  });
});

const rateLimitingSchema = zStrictObject({
  spans_per_second: zInt(0),
});

const bytesLimitingSchema = zStrictObject({
  bytes_per_second: zInt(0),
  burst_capacity: zInt(0),
});

const spanCountSchema = zStrictObject({
  min_spans: zInt(0),
  max_spans: zInt(0),
});

const traceStateSchema = zStrictObject({
  key: zString(),
  values: zStringList('value'),
});

const booleanAttributeSchema = zStrictObject({
  key: zString(),
  value: zBool(),
  invert_match: zBool(),
});

const ottlConditionSchema = zStrictObject({
  error_mode: z.enum(ERROR_MODES, { error: 'expected one of propagate, ignore, silent' }).default('propagate'),
  span: zStringList('condition'),
  spanevent: zStringList('condition'),
}).superRefine((c, ctx) => {
  if (c.span.length === 0 && c.spanevent.length === 0) {
    ctx.addIssue({ code: 'custom', path: [], message: 'expected at least one OTTL condition to filter on' });
  }
  for (const [list, context] of [
    [c.span, 'span'],
    [c.spanevent, 'spanevent'],
  ] as const) {
    list.forEach((cond, i) => {
      try {
        compileCondition(cond, context);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: [context, i], message: (err as Error).message });
      }
    });
  }
});

const endpointFloorSchema = zStrictObject({
  key: z.preprocess(
    (v) => v ?? DEFAULT_ENDPOINT_FLOOR_KEY,
    z.array(z.string({ error: 'expected an OTTL path (string)' }), { error: 'expected a list of OTTL paths' }).min(1, { error: 'expected at least one key path' }),
  ),
  min_traces_per_minute: zInt(1, 1, 'expected a whole number >= 1'),
  max_keys: zInt(10_000, 1, 'expected a whole number >= 1'),
}).superRefine((c, ctx) => {
  c.key.forEach((k, i) => {
    try {
      compileValue(k);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['key', i], message: (err as Error).message });
    }
  });
});

// ---- entries ----

/** Types whose settings every level can hold (otelcol's sharedPolicyCfg). */
const SHARED_SECTIONS = {
  latency: latencySchema,
  numeric_attribute: numericAttributeSchema,
  probabilistic: probabilisticSchema,
  status_code: statusCodeSchema,
  string_attribute: stringAttributeSchema,
  rate_limiting: rateLimitingSchema,
  bytes_limiting: bytesLimitingSchema,
  span_count: spanCountSchema,
  trace_state: traceStateSchema,
  boolean_attribute: booleanAttributeSchema,
  ottl_condition: ottlConditionSchema,
};

/** Types without a settings section. */
const SECTIONLESS = ['always_sample', 'trace_flags'] as const;

type SectionMap = Record<string, z.ZodType>;

function entrySchema<S extends SectionMap>(sections: S, level: string) {
  const shape: Record<string, z.ZodType> = {
    name: z.string({ error: 'expected a policy name (string)' }),
    type: z.string({ error: 'expected a policy type (string)' }),
  };
  for (const [k, s] of Object.entries(sections)) shape[k] = s.optional();
  const known = [...SECTIONLESS, ...Object.keys(sections)].sort();
  return zStrictObject(shape)
    .superRefine((raw, ctx) => {
      const e = raw as Record<string, unknown> | undefined;
      const type = e?.['type'];
      if (e === undefined || typeof type !== 'string') return;
      if (!known.includes(type)) {
        ctx.addIssue({ code: 'custom', path: ['type'], message: `unknown ${level}policy type "${type}"; known types: ${known.join(', ')}` });
        return;
      }
      // A type whose section is absent gets its defaults, as otelcol's zero values; a section
      // with required settings reports them here.
      const schema = sections[type];
      if (schema !== undefined && e[type] === undefined) {
        const r = schema.safeParse({});
        if (!r.success) {
          for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', path: [type, ...issue.path], message: issue.message });
        }
      }
    }, { when: (payload) => typeof payload.value === 'object' && payload.value !== null })
    .transform((raw) => {
      const e = raw as Record<string, unknown>;
      const type = e['type'] as string;
      const out: Record<string, unknown> = { name: e['name'], type };
      const schema = sections[type];
      if (schema !== undefined) out[type] = e[type] ?? schema.parse({});
      return out as unknown as PolicyConfig;
    });
}

const andLevelEntry = entrySchema(SHARED_SECTIONS, 'and/drop sub-');

const andSchema = zStrictObject({
  and_sub_policy: z.preprocess((v) => v ?? [], z.array(andLevelEntry, { error: 'expected a list of sub-policies' })),
});

const dropSchema = zStrictObject({
  drop_sub_policy: z.preprocess((v) => v ?? [], z.array(andLevelEntry, { error: 'expected a list of sub-policies' })),
});

const compositeLevelEntry = entrySchema({ ...SHARED_SECTIONS, and: andSchema }, 'composite sub-');

const compositeSchema = zStrictObject({
  max_total_spans_per_second: zInt(0),
  policy_order: zStringList('policy name'),
  composite_sub_policy: z.preprocess((v) => v ?? [], z.array(compositeLevelEntry, { error: 'expected a list of sub-policies' })),
  rate_allocation: z.preprocess(
    (v) => v ?? [],
    z.array(zStrictObject({ policy: zString(), percent: zInt(0) }), { error: 'expected a list of {policy, percent}' }),
  ),
});

const topLevelEntry = entrySchema(
  { ...SHARED_SECTIONS, and: andSchema, drop: dropSchema, composite: compositeSchema, endpoint_floor: endpointFloorSchema },
  '',
);

/**
 * The `policies` list of the tail_sampling processor. Names must be non-empty and unique (as
 * otelcol's loadSamplingPolicy); the error is at `policies[i].name`.
 */
export const policiesSchema = z
  .preprocess((v) => v ?? [], z.array(topLevelEntry, { error: 'expected a list of policies' }))
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    (list as unknown[]).forEach((p, i) => {
      const name = typeof p === 'object' && p !== null ? (p as { name?: unknown }).name : undefined;
      if (typeof name !== 'string') return;
      if (name === '') ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'policy name cannot be empty' });
      else if (seen.has(name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate policy name "${name}"` });
      seen.add(name);
    });
    // Run even when some entries have other problems: every problem is reported in one pass.
  }, { when: () => true });

// ---- output types ----

export type LatencyConfig = z.output<typeof latencySchema>;
export type NumericAttributeConfig = z.output<typeof numericAttributeSchema>;
export type ProbabilisticConfig = z.output<typeof probabilisticSchema>;
export type StatusCodeConfig = z.output<typeof statusCodeSchema>;
export type StringAttributeConfig = z.output<typeof stringAttributeSchema>;
export type RateLimitingConfig = z.output<typeof rateLimitingSchema>;
export type BytesLimitingConfig = z.output<typeof bytesLimitingSchema>;
export type SpanCountConfig = z.output<typeof spanCountSchema>;
export type TraceStateConfig = z.output<typeof traceStateSchema>;
export type BooleanAttributeConfig = z.output<typeof booleanAttributeSchema>;
export type OttlConditionConfig = z.output<typeof ottlConditionSchema>;
export type EndpointFloorConfig = z.output<typeof endpointFloorSchema>;

export interface AndConfig {
  and_sub_policy: PolicyConfig[];
}
export interface DropConfig {
  drop_sub_policy: PolicyConfig[];
}
export interface CompositeConfig {
  max_total_spans_per_second: number;
  policy_order: string[];
  composite_sub_policy: PolicyConfig[];
  rate_allocation: { policy: string; percent: number }[];
}

/** One policy as validated: name, type and the settings section of that type. */
export type PolicyConfig =
  | { name: string; type: 'always_sample' }
  | { name: string; type: 'trace_flags' }
  | { name: string; type: 'latency'; latency: LatencyConfig }
  | { name: string; type: 'numeric_attribute'; numeric_attribute: NumericAttributeConfig }
  | { name: string; type: 'probabilistic'; probabilistic: ProbabilisticConfig }
  | { name: string; type: 'status_code'; status_code: StatusCodeConfig }
  | { name: string; type: 'string_attribute'; string_attribute: StringAttributeConfig }
  | { name: string; type: 'rate_limiting'; rate_limiting: RateLimitingConfig }
  | { name: string; type: 'bytes_limiting'; bytes_limiting: BytesLimitingConfig }
  | { name: string; type: 'span_count'; span_count: SpanCountConfig }
  | { name: string; type: 'trace_state'; trace_state: TraceStateConfig }
  | { name: string; type: 'boolean_attribute'; boolean_attribute: BooleanAttributeConfig }
  | { name: string; type: 'ottl_condition'; ottl_condition: OttlConditionConfig }
  | { name: string; type: 'and'; and: AndConfig }
  | { name: string; type: 'drop'; drop: DropConfig }
  | { name: string; type: 'composite'; composite: CompositeConfig }
  | { name: string; type: 'endpoint_floor'; endpoint_floor: EndpointFloorConfig };

export type PolicyType = PolicyConfig['type'];
