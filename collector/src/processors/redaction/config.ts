/**
 * `redaction` processor config: otelcol-contrib's redactionprocessor keys and defaults
 * (config.go; createDefaultConfig is the zero Config). Every regular expression is compiled here,
 * at config load, with the linear-time engine the processor uses (patterns.ts), so a pattern Go's
 * regexp would refuse is reported at its path (`blocked_values[2]`) with Go's message.
 *
 * Deliberate differences, each refused with a clear message instead of being silently ignored:
 * - `summary` must be one of otelcol's values (otelcol treats an unknown value as `silent`);
 * - `url_sanitizer` and `db_sanitizer` are not implemented: accepted only while nothing in them
 *   is enabled.
 */
import { z } from 'zod';
import { zStrictObject } from '../../config/schema-helpers.ts';
import { compilePattern, PatternSyntaxError } from './patterns.ts';

export const HASH_FUNCTIONS = ['', 'md5', 'sha1', 'sha3', 'hmac-sha256', 'hmac-sha512'] as const;
export type HashFunction = (typeof HASH_FUNCTIONS)[number];

/** '' is otelcol's default: no summary attributes, the same as `silent`. */
export const SUMMARY_LEVELS = ['debug', 'info', 'silent', ''] as const;
export type SummaryLevel = (typeof SUMMARY_LEVELS)[number];

export const HMAC_KEY_REQUIRED_MESSAGE = 'hmac_key must be set when hash_function is hmac-sha256 or hmac-sha512';
export const NOT_SUPPORTED_MESSAGE = (key: string) => `${key} is not supported yet (nothing in it may be enabled)`;

const BOOL_MESSAGE = 'expected true or false';

const zBool = z.boolean({ error: BOOL_MESSAGE }).default(false);

/** A list of strings; `key:` with nothing after it is an empty list, as mapstructure reads it. */
const zStringList = (what: string) =>
  z.preprocess((v) => v ?? [], z.array(z.string({ error: `expected a ${what} (string)` }), { error: `expected a list of ${what}s` }));

const hashFunction = z
  .string({ error: 'expected a hash function name' })
  // otelcol's HashFunction.UnmarshalText lower-cases the name.
  .transform((s) => s.toLowerCase())
  .refine((s): s is HashFunction => (HASH_FUNCTIONS as readonly string[]).includes(s), {
    error: (iss) => `unknown hash_function "${String(iss.input)}", allowed: md5, sha1, sha3, hmac-sha256, hmac-sha512`,
  })
  .transform((s) => s as HashFunction)
  .default('');

const summary = z
  .enum(SUMMARY_LEVELS, { error: (iss) => `unknown summary "${String(iss.input)}", allowed: debug, info, silent` })
  .default('');

/** True when some `enabled:` inside the value is true (sanitizer sections we do not implement). */
function anyEnabled(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'enabled' && v === true) return true;
    if (anyEnabled(v)) return true;
  }
  return false;
}

const REGEX_LISTS = ['ignored_key_patterns', 'blocked_key_patterns', 'blocked_values', 'allowed_values'] as const;

export const redactionConfigSchema = zStrictObject({
  allow_all_keys: zBool,
  allowed_keys: zStringList('key'),
  ignored_keys: zStringList('key'),
  ignored_key_patterns: zStringList('regular expression'),
  blocked_key_patterns: zStringList('regular expression'),
  blocked_values: zStringList('regular expression'),
  allowed_values: zStringList('regular expression'),
  redact_all_types: zBool,
  hash_function: hashFunction,
  hmac_key: z.string({ error: 'expected a string' }).default(''),
  summary,
  url_sanitizer: z.unknown().optional(),
  db_sanitizer: z.unknown().optional(),
}).superRefine((c, ctx) => {
  for (const list of REGEX_LISTS) {
    c[list].forEach((pattern, i) => {
      try {
        compilePattern(pattern);
      } catch (err) {
        if (!(err instanceof PatternSyntaxError)) throw err;
        ctx.addIssue({ code: 'custom', path: [list, i], message: err.message });
      }
    });
  }
  if ((c.hash_function === 'hmac-sha256' || c.hash_function === 'hmac-sha512') && c.hmac_key === '') {
    ctx.addIssue({ code: 'custom', path: ['hmac_key'], message: HMAC_KEY_REQUIRED_MESSAGE });
  }
  for (const key of ['url_sanitizer', 'db_sanitizer'] as const) {
    if (anyEnabled(c[key])) ctx.addIssue({ code: 'custom', path: [key], message: NOT_SUPPORTED_MESSAGE(key) });
  }
});

export type RedactionConfig = z.output<typeof redactionConfigSchema>;
