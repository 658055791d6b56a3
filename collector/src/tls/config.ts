/**
 * otelcol's configtls keys: `ServerConfig` (a receiver's `tls:` under a protocol) and
 * `ClientConfig` (an exporter's `tls:`), with otelcol's defaults (min_version "1.2") and checks
 * that need no file access (versions, cipher and curve names, certificate/key pairing). Files are
 * read when the component starts (material.ts), as otelcol loads them in Start.
 */
import { z } from 'zod';
import { zDuration, zStrictObject } from '../config/schema-helpers.ts';
import { cipherSuiteProblem, curveProblem } from './cipher-suites.ts';

const BOOL_MESSAGE = 'expected true or false';
const optString = z.string({ error: 'expected a string' }).optional();

/** otelcol's version names -> Node's. */
export const TLS_VERSIONS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' } as const;
export type TlsVersionName = keyof typeof TLS_VERSIONS;
export type NodeTlsVersion = (typeof TLS_VERSIONS)[TlsVersionName];

const versionKey = (key: 'min_version' | 'max_version', defaultValue: string) =>
  z
    .string({ error: 'expected a TLS version like "1.2"' })
    .default(defaultValue)
    .refine((v) => v === '' || v in TLS_VERSIONS, { error: (iss) => `invalid TLS ${key}: unsupported TLS version: "${String(iss.input)}"` });

const nameList = (what: string) =>
  z
    .array(z.string({ error: `expected a ${what} name` }), { error: `expected a list of ${what} names` })
    .nullish()
    .transform((v) => v ?? []);

/** configtls.Config: what servers and clients share. */
const commonShape = {
  ca_file: optString,
  ca_pem: optString,
  include_system_ca_certs_pool: z.boolean({ error: BOOL_MESSAGE }).default(false),
  cert_file: optString,
  cert_pem: optString,
  key_file: optString,
  key_pem: optString,
  min_version: versionKey('min_version', '1.2'),
  max_version: versionKey('max_version', ''),
  cipher_suites: nameList('cipher suite'),
  curve_preferences: nameList('curve'),
  reload_interval: zDuration(0),
  // TPM-held keys need a TPM stack Node does not have.
  tpm: z.unknown().optional(),
};

type CommonConfig = {
  ca_file?: string | undefined;
  ca_pem?: string | undefined;
  cert_file?: string | undefined;
  cert_pem?: string | undefined;
  key_file?: string | undefined;
  key_pem?: string | undefined;
  min_version: string;
  max_version: string;
  cipher_suites: string[];
  curve_preferences: string[];
  tpm?: unknown;
};

const set = (v: string | undefined): boolean => v !== undefined && v !== '';

function checkCommon(cfg: CommonConfig, ctx: z.RefinementCtx): void {
  if (cfg.tpm !== undefined && cfg.tpm !== null) ctx.addIssue({ code: 'custom', path: ['tpm'], message: 'tpm is not supported' });
  const min = cfg.min_version as TlsVersionName | '';
  const max = cfg.max_version as TlsVersionName | '';
  if (min !== '' && max !== '' && min in TLS_VERSIONS && max in TLS_VERSIONS && min > max) {
    ctx.addIssue({ code: 'custom', path: ['min_version'], message: 'invalid TLS configuration: min_version cannot be greater than max_version' });
  }
  cfg.cipher_suites.forEach((name, i) => {
    const problem = cipherSuiteProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['cipher_suites', i], message: problem });
  });
  cfg.curve_preferences.forEach((name, i) => {
    const problem = curveProblem(name);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['curve_preferences', i], message: problem });
  });
  for (const [file, pem] of [
    ['ca_file', 'ca_pem'],
    ['cert_file', 'cert_pem'],
    ['key_file', 'key_pem'],
  ] as const) {
    if (set(cfg[file]) && set(cfg[pem])) {
      ctx.addIssue({ code: 'custom', path: [pem], message: `provide either ${file} or ${pem}, not both` });
    }
  }
  const hasCert = set(cfg.cert_file) || set(cfg.cert_pem);
  const hasKey = set(cfg.key_file) || set(cfg.key_pem);
  if (hasCert !== hasKey) {
    ctx.addIssue({
      code: 'custom',
      path: [hasCert ? 'key_file' : 'cert_file'],
      message: 'for auth via TLS, provide both certificate and key, or neither',
    });
  }
}

/** configtls.ServerConfig: a receiver's `tls:`. A server needs its certificate and key. */
export const serverTlsConfigSchema = zStrictObject({
  ...commonShape,
  // Require and verify client certificates signed by these CAs (mTLS).
  client_ca_file: optString,
  client_ca_file_reload: z.boolean({ error: BOOL_MESSAGE }).default(false),
}).superRefine((cfg, ctx) => {
  checkCommon(cfg, ctx);
  if (!set(cfg.cert_file) && !set(cfg.cert_pem) && !set(cfg.key_file) && !set(cfg.key_pem)) {
    ctx.addIssue({
      code: 'custom',
      path: ['cert_file'],
      message: 'a TLS server needs a certificate and its key: set cert_file and key_file (or cert_pem and key_pem)',
    });
  }
});

export type ServerTlsConfig = z.output<typeof serverTlsConfigSchema>;

/** configtls.ClientConfig: an exporter's `tls:`. */
export const clientTlsConfigSchema = zStrictObject({
  ...commonShape,
  insecure: z.boolean({ error: BOOL_MESSAGE }).default(false),
  insecure_skip_verify: z.boolean({ error: BOOL_MESSAGE }).default(false),
  server_name_override: optString,
}).superRefine(checkCommon);

export type ClientTlsConfig = z.output<typeof clientTlsConfigSchema>;

/** True when the section names certificate material (otelcol then uses TLS even with insecure: true). */
export function tlsHasCertificates(tls: ClientTlsConfig): boolean {
  return [tls.ca_file, tls.ca_pem, tls.cert_file, tls.cert_pem, tls.key_file, tls.key_pem].some(set);
}

/** Node's minVersion / maxVersion for validated otelcol version names ('' = Node's default). */
export function nodeTlsVersion(name: string): NodeTlsVersion | undefined {
  return name === '' ? undefined : TLS_VERSIONS[name as TlsVersionName];
}
