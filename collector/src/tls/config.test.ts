/** configtls keys: otelcol defaults, name translation to OpenSSL, and the refusals. */
import { describe, expect, it } from 'vitest';
import { getCiphers } from 'node:tls';
import { clientTlsConfigSchema, serverTlsConfigSchema } from './config.ts';
import { GO_TO_OPENSSL_CIPHER, openSslCipherList, openSslCurveList } from './cipher-suites.ts';

function problems(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string[] {
  return result.success ? [] : result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('tls config', () => {
  it('server: min_version defaults to 1.2, reload off, and a certificate is required', () => {
    const c = serverTlsConfigSchema.parse({ cert_file: 'a.crt', key_file: 'a.key' });
    expect(c).toMatchObject({ min_version: '1.2', max_version: '', reload_interval: 0, client_ca_file_reload: false, cipher_suites: [] });
    expect(problems(serverTlsConfigSchema.safeParse({}))).toEqual([
      'cert_file: a TLS server needs a certificate and its key: set cert_file and key_file (or cert_pem and key_pem)',
    ]);
  });

  it('client: everything optional, insecure false', () => {
    expect(clientTlsConfigSchema.parse(null)).toMatchObject({ insecure: false, insecure_skip_verify: false, min_version: '1.2' });
  });

  it('refuses bad versions, pairs, duplicates, names and tpm with otelcol-like messages', () => {
    expect(
      problems(
        clientTlsConfigSchema.safeParse({
          min_version: '1.1',
          max_version: '1.0',
          cert_file: 'c',
          ca_file: 'x',
          ca_pem: 'y',
          cipher_suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_NOPE'],
          curve_preferences: ['P256', 'P999'],
          tpm: { enabled: true },
        }),
      ),
    ).toEqual([
      'tpm: tpm is not supported',
      'min_version: invalid TLS configuration: min_version cannot be greater than max_version',
      'cipher_suites.1: invalid TLS cipher suite: "TLS_NOPE"',
      'curve_preferences.1: invalid curve type: "P999"',
      'ca_pem: provide either ca_file or ca_pem, not both',
      'key_file: for auth via TLS, provide both certificate and key, or neither',
    ]);
    expect(problems(clientTlsConfigSchema.safeParse({ max_version: '1.4' }))).toEqual(['max_version: invalid TLS max_version: unsupported TLS version: "1.4"']);
  });

  it('refuses Go suites this OpenSSL does not have (RC4, 3DES) instead of failing at the first handshake', () => {
    expect(problems(clientTlsConfigSchema.safeParse({ cipher_suites: ['TLS_RSA_WITH_RC4_128_SHA'] }))).toEqual([
      'cipher_suites.0: TLS cipher suite "TLS_RSA_WITH_RC4_128_SHA" (OpenSSL "RC4-SHA") is not available in this Node.js build\'s OpenSSL',
    ]);
  });

  it('maps every secure Go suite to a cipher this OpenSSL knows', () => {
    const available = new Set(getCiphers());
    const secure = Object.entries(GO_TO_OPENSSL_CIPHER).filter(([go]) => !/RC4|3DES/.test(go));
    for (const [go, openssl] of secure) expect(available.has(openssl.toLowerCase()), go).toBe(true);
  });

  it('keeps TLS 1.3 on when only TLS 1.2 suites are listed (Go semantics), and honours listed 1.3 suites', () => {
    expect(openSslCipherList(['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'])).toBe(
      'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256',
    );
    expect(openSslCipherList(['TLS_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'])).toBe(
      'TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES256-GCM-SHA384',
    );
    expect(openSslCipherList([])).toBeUndefined();
    expect(openSslCurveList(['X25519', 'P256', 'P384'])).toBe('X25519:P-256:P-384');
  });
});
