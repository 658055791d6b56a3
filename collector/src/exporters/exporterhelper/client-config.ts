/**
 * Client settings both OTLP exporters share, spelled as otelcol spells them: `headers`
 * (configopaque.MapList), `tls` (configtls.ClientConfig) and `compression`
 * (configcompression.Type). They live beside the exporterhelper keys because only exporters
 * use client configs so far.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../../config/schema-helpers.ts';
import { describeType, isMap } from '../../config/path.ts';

const BOOL_MESSAGE = 'expected true or false';

/**
 * Header values as otelcol decodes them: strings, with YAML scalars weakly typed to their text
 * (`x-tenant: 234` is the header "234", as mapstructure's WeaklyTypedInput gives).
 */
function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * `headers`: a map of name -> value, or (configopaque.MapList) a list of {name, value}.
 * Output: [name, value] pairs in the order written.
 */
export const headersSchema = z
  .unknown()
  .transform((raw, ctx): [string, string][] => {
    if (raw === undefined || raw === null) return [];
    const out: [string, string][] = [];
    if (Array.isArray(raw)) {
      const seen = new Set<string>();
      raw.forEach((entry, i) => {
        const name = isMap(entry) ? entry['name'] : undefined;
        const value = isMap(entry) ? headerValue(entry['value'] ?? '') : undefined;
        const extra = isMap(entry) ? Object.keys(entry).filter((k) => k !== 'name' && k !== 'value') : [];
        if (typeof name !== 'string' || value === undefined || extra.length > 0) {
          ctx.addIssue({ code: 'custom', path: [i], message: `expected {name: ..., value: ...}, got ${describeType(entry)}` });
          return;
        }
        if (seen.has(name)) {
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate header name "${name}"` });
          return;
        }
        seen.add(name);
        out.push([name, value]);
      });
      return out;
    }
    if (!isMap(raw)) {
      ctx.addIssue({ code: 'custom', message: `expected a map of header names to values, got ${describeType(raw)}` });
      return z.NEVER;
    }
    for (const [name, v] of Object.entries(raw)) {
      const value = headerValue(v ?? '');
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: `expected a header value (string), got ${describeType(v)}` });
        continue;
      }
      out.push([name, value]);
    }
    return out;
  })
  // An absent key never reaches the transform; a fresh list each time (callers may not share it).
  .default(() => []);

export type HeaderList = z.output<typeof headersSchema>;

const optString = z.string({ error: 'expected a string' }).optional();

/** configtls.ClientConfig. Only plaintext is implemented so far; the exporters decide when TLS is needed. */
export const tlsClientSchema = zStrictObject({
  insecure: z.boolean({ error: BOOL_MESSAGE }).default(false),
  insecure_skip_verify: z.boolean({ error: BOOL_MESSAGE }).default(false),
  server_name_override: optString,
  ca_file: optString,
  ca_pem: optString,
  include_system_ca_certs_pool: z.boolean({ error: BOOL_MESSAGE }).optional(),
  cert_file: optString,
  cert_pem: optString,
  key_file: optString,
  key_pem: optString,
  min_version: optString,
  max_version: optString,
  cipher_suites: z.array(z.string({ error: 'expected a cipher suite name' })).nullish(),
  curve_preferences: z.array(z.string({ error: 'expected a curve name' })).nullish(),
  reload_interval: zDuration().optional(),
  tpm: z.unknown().optional(),
});

export type TlsClientConfig = z.output<typeof tlsClientSchema>;

/** True when the tls section names certificate material (otelcol then builds a TLS config even with insecure). */
export function tlsHasCertificates(tls: TlsClientConfig): boolean {
  return [tls.ca_file, tls.ca_pem, tls.cert_file, tls.cert_pem, tls.key_file, tls.key_pem].some((v) => v !== undefined && v !== '');
}

export const TLS_NOT_SUPPORTED =
  'TLS client is not supported yet; set tls.insecure: true (or use an http:// endpoint) to send in plaintext';

/** configcompression.Type values otelcol knows. */
const KNOWN_COMPRESSION = new Set(['gzip', 'zlib', 'deflate', 'snappy', 'zstd', 'lz4', 'x-snappy-framed', 'none', '']);

export type Compression = 'gzip' | 'none';

/** `compression`: gzip or none ("" is none, as in otelcol); otelcol's other types are refused for now. */
export function zCompression(defaultValue: Compression) {
  return z
    .string({ error: 'expected a compression type like "gzip" or "none"' })
    .transform((s, ctx): Compression => {
      if (s === 'gzip') return 'gzip';
      if (s === 'none' || s === '') return 'none';
      ctx.addIssue({
        code: 'custom',
        message: KNOWN_COMPRESSION.has(s)
          ? `compression "${s}" is not supported yet; use "gzip" or "none"`
          : `unsupported compression type "${s}"`,
      });
      return z.NEVER;
    })
    .default(defaultValue);
}

/** `auth` (configauth): accepted by the schema so the message is not "unknown key", refused when set. */
export const authSchema = z.unknown().optional();
export const middlewaresSchema = z.unknown().optional();

export const NOT_SUPPORTED_YET = (key: string) => `${key} is not supported yet`;

/** Adds a "not supported yet" issue for each key set to something other than null. */
export function refuseNotYet(value: Record<string, unknown>, keys: readonly string[], ctx: z.RefinementCtx): void {
  for (const k of keys) {
    const v = value[k];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    ctx.addIssue({ code: 'custom', message: NOT_SUPPORTED_YET(k), path: [k] });
  }
}
