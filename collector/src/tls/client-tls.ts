/**
 * TLS for a client (otelcol's configtls.ClientConfig): a SecureContext built from ca / cert / key
 * (and versions, ciphers, curves) that follows its files, plus what a connection needs besides
 * the context (server name override, whether to verify). Clients take `current()` when they open
 * a connection; on reload they switch to the new settings for new connections (see the OTLP
 * exporters: a new channel / agent per generation, the old one closed once idle).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { ClientTlsConfig } from './config.ts';
import { clientSources, filesOf, loadClientMaterial, type CertificateSummary, type ClientMaterial } from './material.ts';
import { ReloadingMaterial, type ReloadOptions } from './reloading-material.ts';

export interface ClientTlsSettings {
  readonly secureContext: SecureContext;
  /** server_name_override: the name sent as SNI and checked against the server certificate. */
  readonly servername: string | undefined;
  /** false with insecure_skip_verify. */
  readonly rejectUnauthorized: boolean;
  /** Our client certificate, when we present one (for failure hints). */
  readonly certificate: CertificateSummary | undefined;
  /** Increases with every reload that changed the material. */
  readonly generation: number;
}

export interface ClientTlsProvider {
  current(): ClientTlsSettings;
  onReload(listener: (settings: ClientTlsSettings) => void): () => void;
  reloadNow(): Promise<void>;
  readonly reloads: number;
  close(): void;
}

export async function createClientTlsProvider(config: ClientTlsConfig, logger: Logger, options?: ReloadOptions): Promise<ClientTlsProvider> {
  const sources = clientSources(config);
  const initial = await loadClientMaterial(config, sources);
  const material = new ReloadingMaterial(
    initial,
    () => loadClientMaterial(config, sources),
    filesOf([sources.ca, sources.cert, sources.key]),
    config.reload_interval,
    logger,
    (m) => (m.certificate === undefined ? {} : { subject: m.certificate.subject, not_after: m.certificate.validTo }),
    options,
  );
  if (config.insecure_skip_verify) logger.warn('tls.insecure_skip_verify is set: the server certificate is not verified');
  if (initial.certificate?.expired) {
    logger.warn({ subject: initial.certificate.subject, not_after: initial.certificate.validTo }, 'our TLS client certificate has expired; servers will refuse it');
  }
  return new ClientTls(config, material);
}

class ClientTls implements ClientTlsProvider {
  private readonly config: ClientTlsConfig;
  private readonly material: ReloadingMaterial<ClientMaterial>;
  private settings: ClientTlsSettings;

  constructor(config: ClientTlsConfig, material: ReloadingMaterial<ClientMaterial>) {
    this.config = config;
    this.material = material;
    this.settings = this.build(material.current, 0);
    // Registered first, so listeners added later see the new settings in current().
    material.onReload((m) => {
      this.settings = this.build(m, this.settings.generation + 1);
    });
  }

  get reloads(): number {
    return this.material.reloads;
  }

  current(): ClientTlsSettings {
    return this.settings;
  }

  onReload(listener: (settings: ClientTlsSettings) => void): () => void {
    return this.material.onReload(() => listener(this.settings));
  }

  reloadNow(): Promise<void> {
    return this.material.trigger();
  }

  close(): void {
    this.material.close();
  }

  private build(m: ClientMaterial, generation: number): ClientTlsSettings {
    const override = this.config.server_name_override;
    return {
      // Built once per generation and shared by every connection (parsing CA bundles per connection is slow).
      secureContext: createSecureContext(m.context),
      servername: override === undefined || override === '' ? undefined : override,
      rejectUnauthorized: !this.config.insecure_skip_verify,
      certificate: m.certificate,
      generation,
    };
  }
}

/**
 * A hint for a failed TLS connection, from the error text Node / grpc-js give: which side
 * refused what, and which key to look at. undefined when the error does not look TLS related.
 */
export function clientTlsFailureHint(message: string, settings: ClientTlsSettings): string | undefined {
  const ours = settings.certificate;
  if (/certificate required|alert handshake failure|PEER_DID_NOT_RETURN/i.test(message)) {
    return ours === undefined
      ? 'the server requires a client certificate: set tls.cert_file and tls.key_file'
      : 'the server refused our client certificate';
  }
  if (/altnames|ALTNAME|does not match certificate/i.test(message)) {
    return "the server certificate does not cover the name we connect to (the endpoint's host, or tls.server_name_override)";
  }
  if (/CERT_HAS_EXPIRED|certificate has expired/i.test(message)) return 'the server certificate has expired';
  if (/self[- ]signed|unable to verify|unable to get (local )?issuer|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/i.test(message)) {
    return 'the server certificate is not signed by a CA we trust (tls.ca_file / tls.ca_pem)';
  }
  if (/alert unknown ca|alert bad certificate|alert certificate (expired|unknown|revoked)/i.test(message)) {
    return 'the server refused our client certificate';
  }
  if (/wrong version number|packet length too long|unknown protocol/i.test(message)) {
    return 'the server does not speak TLS on this port (use an http:// endpoint or tls.insecure: true for plaintext)';
  }
  // grpc-js says "Failed to connect" when the HTTP/2 session closes before it is ready, which is
  // what a server refusing our certificate after the handshake looks like from here.
  if (/ECONNRESET|socket hang up|Socket closed|Connection dropped|Connection closed|ended by the other party|Failed to connect/i.test(message) && ours !== undefined) {
    const expired = Date.parse(ours.validTo) < Date.now() ? ` Our client certificate expired on ${ours.validTo}.` : '';
    return (
      'the server closed the connection right after the TLS handshake: it may refuse our client certificate ' +
      `(subject ${ours.subject}, issuer ${ours.issuer}): expired, or not signed by a CA in its client_ca_file.${expired}`
    );
  }
  return undefined;
}
