/**
 * Reads the PEM material a tls section names (files or inline PEM) and turns it into Node
 * secure-context options, checked by building a SecureContext once so a bad file, a key that
 * does not match its certificate or an unreadable CA is a start-up error with the file's name,
 * not a failure at the first handshake.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates, type SecureContextOptions } from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import { CollectorError } from '../errors/codes.ts';
import { openSslCipherList, openSslCurveList } from './cipher-suites.ts';
import { nodeTlsVersion, type ClientTlsConfig, type ServerTlsConfig } from './config.ts';

/** Where one piece of PEM comes from: a file (re-read on reload) or inline PEM from the config. */
export type PemSource = { readonly file: string } | { readonly pem: string };

export function pemSource(file: string | undefined, pem: string | undefined): PemSource | undefined {
  if (file !== undefined && file !== '') return { file };
  if (pem !== undefined && pem !== '') return { pem };
  return undefined;
}

/** The files among the sources (what a reloader watches). */
export function filesOf(sources: readonly (PemSource | undefined)[]): string[] {
  const out: string[] = [];
  for (const s of sources) if (s !== undefined && 'file' in s) out.push(s.file);
  return out;
}

export async function readPem(source: PemSource, what: string): Promise<Buffer> {
  if ('pem' in source) return Buffer.from(source.pem);
  try {
    return await readFile(source.file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CollectorError('TP_CONFIG_INVALID', `failed to load TLS config: cannot read ${what} "${source.file}": ${reason}`, { cause: err });
  }
}

/** How a source is named in messages: its file, or "<key> (inline PEM)". */
export function describeSource(source: PemSource, pemKey: string): string {
  return 'file' in source ? `"${source.file}"` : `${pemKey} (inline PEM)`;
}

/** Options both sides share: versions, ciphers, curves. */
function protocolOptions(cfg: ServerTlsConfig | ClientTlsConfig): SecureContextOptions {
  const out: SecureContextOptions = {};
  const min = nodeTlsVersion(cfg.min_version);
  const max = nodeTlsVersion(cfg.max_version);
  if (min !== undefined) out.minVersion = min;
  if (max !== undefined) out.maxVersion = max;
  const ciphers = openSslCipherList(cfg.cipher_suites);
  if (ciphers !== undefined) out.ciphers = ciphers;
  const curves = openSslCurveList(cfg.curve_preferences);
  if (curves !== undefined) out.ecdhCurve = curves;
  return out;
}

/** Builds a SecureContext from the options to find problems now; the message names the inputs. */
export function checkContextOptions(options: SecureContextOptions, inputs: string): void {
  try {
    createSecureContext(options);
  } catch (err) {
    throw new CollectorError('TP_CONFIG_INVALID', `failed to load TLS config (${inputs}): ${(err as Error).message}`, { cause: err });
  }
}

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly expired: boolean;
  readonly fingerprint256: string;
}

/** The leaf certificate's identity for logs; undefined when the PEM does not parse (createSecureContext reports that). */
export function summarizeCertificate(pem: Buffer): CertificateSummary | undefined {
  try {
    const cert = new X509Certificate(pem);
    return {
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      validTo: cert.validTo,
      expired: Date.parse(cert.validTo) < Date.now(),
      fingerprint256: cert.fingerprint256,
    };
  } catch {
    return undefined;
  }
}

// ---------- server ----------

export interface ServerSources {
  readonly cert: PemSource;
  readonly key: PemSource;
  /** client_ca_file: client certificates are required and verified against it. */
  readonly clientCa: PemSource | undefined;
}

export function serverSources(cfg: ServerTlsConfig): ServerSources {
  return {
    cert: pemSource(cfg.cert_file, cfg.cert_pem)!,
    key: pemSource(cfg.key_file, cfg.key_pem)!,
    clientCa: pemSource(cfg.client_ca_file, undefined),
  };
}

export interface ServerMaterial {
  /** Secure-context options: what setSecureContext() replaces on reload. */
  readonly context: SecureContextOptions;
  readonly certificate: CertificateSummary | undefined;
  /** The raw inputs, to tell a real change from a touch. */
  readonly fingerprint: string;
}

export async function loadServerMaterial(cfg: ServerTlsConfig, sources: ServerSources): Promise<ServerMaterial> {
  const [cert, key, clientCa] = await Promise.all([
    readPem(sources.cert, 'certificate'),
    readPem(sources.key, 'key'),
    sources.clientCa === undefined ? undefined : readPem(sources.clientCa, 'client CA'),
  ]);
  const context: SecureContextOptions = { ...protocolOptions(cfg), cert, key };
  if (clientCa !== undefined) context.ca = clientCa;
  const inputs = [describeSource(sources.cert, 'cert_pem'), describeSource(sources.key, 'key_pem')];
  if (sources.clientCa !== undefined) inputs.push(describeSource(sources.clientCa, 'client_ca_file'));
  checkContextOptions(context, inputs.join(', '));
  return { context, certificate: summarizeCertificate(cert), fingerprint: fingerprintOf([cert, key, clientCa]) };
}

// ---------- client ----------

export interface ClientSources {
  readonly ca: PemSource | undefined;
  readonly cert: PemSource | undefined;
  readonly key: PemSource | undefined;
}

export function clientSources(cfg: ClientTlsConfig): ClientSources {
  return {
    ca: pemSource(cfg.ca_file, cfg.ca_pem),
    cert: pemSource(cfg.cert_file, cfg.cert_pem),
    key: pemSource(cfg.key_file, cfg.key_pem),
  };
}

export interface ClientMaterial {
  readonly context: SecureContextOptions;
  readonly certificate: CertificateSummary | undefined;
  readonly fingerprint: string;
}

export async function loadClientMaterial(cfg: ClientTlsConfig, sources: ClientSources): Promise<ClientMaterial> {
  const [ca, cert, key] = await Promise.all([
    sources.ca === undefined ? undefined : readPem(sources.ca, 'CA'),
    sources.cert === undefined ? undefined : readPem(sources.cert, 'certificate'),
    sources.key === undefined ? undefined : readPem(sources.key, 'key'),
  ]);
  const context: SecureContextOptions = protocolOptions(cfg);
  // Without ca_file/ca_pem Node trusts its bundled roots, as Go uses the system pool.
  if (ca !== undefined) context.ca = cfg.include_system_ca_certs_pool ? [...rootCertificates, ca.toString('utf8')] : ca;
  if (cert !== undefined) context.cert = cert;
  if (key !== undefined) context.key = key;
  const inputs: string[] = [];
  if (sources.ca !== undefined) inputs.push(describeSource(sources.ca, 'ca_pem'));
  if (sources.cert !== undefined) inputs.push(describeSource(sources.cert, 'cert_pem'));
  if (sources.key !== undefined) inputs.push(describeSource(sources.key, 'key_pem'));
  checkContextOptions(context, inputs.length === 0 ? 'default roots' : inputs.join(', '));
  return { context, certificate: cert === undefined ? undefined : summarizeCertificate(cert), fingerprint: fingerprintOf([ca, cert, key]) };
}

/** Identity of the inputs (a hash of every part), to tell a real change from a touched file. */
function fingerprintOf(parts: readonly (Buffer | undefined)[]): string {
  const hash = createHash('sha256');
  for (const p of parts) {
    if (p === undefined) hash.update('-');
    else hash.update(String(p.length)).update(':').update(p);
  }
  return hash.digest('hex');
}
