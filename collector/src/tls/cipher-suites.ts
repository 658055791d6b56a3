/**
 * otelcol spells cipher suites and curves as Go's crypto/tls names them; Node (OpenSSL) has its
 * own names. These tables translate, and say which names Go knows but this OpenSSL cannot use,
 * so a config is refused at load time instead of failing at the first handshake.
 */
import { getCiphers } from 'node:tls';

/** Go's tls.CipherSuites() and tls.InsecureCipherSuites() names -> OpenSSL names. */
export const GO_TO_OPENSSL_CIPHER: Readonly<Record<string, string>> = {
  // TLS 1.3 (Go does not let you choose these; Node does, see openSslCipherList).
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  // TLS 1.0-1.2, secure list.
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  // Go's older constant names for the two above.
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  // Go's insecure list (RC4 and 3DES are usually compiled out of OpenSSL 3: refused below).
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
};

const TLS13_SUITES = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']);
/** Node's TLS 1.3 defaults, in its order. */
const DEFAULT_TLS13 = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/** Go curve names (tls.CurveID.String(), as configtls reads curve_preferences) -> OpenSSL group names. */
export const GO_TO_OPENSSL_CURVE: Readonly<Record<string, string>> = {
  X25519: 'X25519',
  P256: 'P-256',
  P384: 'P-384',
  P521: 'P-521',
  X25519MLKEM768: 'X25519MLKEM768',
};

/** Curves OpenSSL 3.0 (Node 20) has; the post-quantum hybrid needs OpenSSL 3.5. */
const AVAILABLE_CURVES = new Set(['X25519', 'P-256', 'P-384', 'P-521']);

let available: Set<string> | undefined;
function availableCiphers(): Set<string> {
  // tls.getCiphers() lists lower-case OpenSSL names; TLS 1.3 suites appear as tls_aes_...
  available ??= new Set(getCiphers());
  return available;
}

/** Why a Go cipher suite name cannot be used, or undefined when it can. */
export function cipherSuiteProblem(goName: string): string | undefined {
  const openssl = GO_TO_OPENSSL_CIPHER[goName];
  if (openssl === undefined) return `invalid TLS cipher suite: "${goName}"`;
  if (!availableCiphers().has(openssl.toLowerCase())) {
    return `TLS cipher suite "${goName}" (OpenSSL "${openssl}") is not available in this Node.js build's OpenSSL`;
  }
  return undefined;
}

/** Why a Go curve name cannot be used, or undefined when it can. */
export function curveProblem(goName: string): string | undefined {
  const openssl = GO_TO_OPENSSL_CURVE[goName];
  if (openssl === undefined) return `invalid curve type: "${goName}"`;
  if (!AVAILABLE_CURVES.has(openssl)) return `curve "${goName}" is not available in this Node.js build's OpenSSL`;
  return undefined;
}

/**
 * The `ciphers` string for Node from validated Go names, or undefined for Node's default.
 * Go applies cipher_suites to TLS 1.0-1.2 only and always offers its TLS 1.3 suites; Node would
 * switch TLS 1.3 off when the list has no TLS 1.3 suite, so Node's TLS 1.3 defaults are added
 * unless the list names TLS 1.3 suites itself.
 */
export function openSslCipherList(goNames: readonly string[]): string | undefined {
  if (goNames.length === 0) return undefined;
  const names = goNames.map((n) => GO_TO_OPENSSL_CIPHER[n]!);
  const has13 = goNames.some((n) => TLS13_SUITES.has(n));
  const unique = [...new Set(names)];
  return has13 ? unique.join(':') : `${DEFAULT_TLS13}:${unique.join(':')}`;
}

/** The `ecdhCurve` string for Node, or undefined for Node's default. */
export function openSslCurveList(goNames: readonly string[]): string | undefined {
  if (goNames.length === 0) return undefined;
  return goNames.map((n) => GO_TO_OPENSSL_CURVE[n]!).join(':');
}
