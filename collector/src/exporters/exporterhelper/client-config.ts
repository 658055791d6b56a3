/**
 * Client settings both OTLP exporters share, spelled as otelcol spells them: `headers`
 * (configopaque.MapList), `tls` (configtls.ClientConfig), `auth` (configauth) and `compression`
 * (configcompression.Type). They live beside the exporterhelper keys because only exporters
 * use client configs so far.
 */
import { z } from 'zod';
import { describeType, isMap } from '../../config/path.ts';
import { authConfigSchema } from '../../extensions/authenticator.ts';
import { clientTlsConfigSchema, tlsHasCertificates, type ClientTlsConfig } from '../../tls/config.ts';

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

/** configtls.ClientConfig: the shared schema in collector/src/tls (TLS, mTLS, reload). */
export const tlsClientSchema = clientTlsConfigSchema;
export type TlsClientConfig = ClientTlsConfig;
export { tlsHasCertificates };

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

/** `auth` (configauth): `{ authenticator: <client auth extension id> }`, resolved at start. */
export const authSchema = authConfigSchema.nullish();
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
