/**
 * Server-side TLS handshake failures in words an operator can act on. Node reports a refused
 * client certificate as a bare "socket hang up" (the verdict is on socket.authorizationError)
 * and a client that distrusts our certificate as the same hang-up, so the reason is rebuilt from
 * the socket. A misconfigured client retries forever: lines are rate limited per reason.
 */
import type { Logger } from 'pino';
import type { TLSSocket } from 'node:tls';

/** OpenSSL verify codes a client certificate can fail with, explained. */
const VERIFY_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the client certificate has expired',
  CERT_NOT_YET_VALID: 'the client certificate is not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the client certificate is not signed by a CA in client_ca_file',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the client certificate is not signed by a CA in client_ca_file',
  UNABLE_TO_GET_ISSUER_CERT: 'the client certificate is not signed by a CA in client_ca_file',
  SELF_SIGNED_CERT_IN_CHAIN: 'the client certificate chains to a CA that is not in client_ca_file',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the client certificate is self-signed and not in client_ca_file',
  CERT_SIGNATURE_FAILURE: 'the client certificate signature does not verify',
  CERT_REVOKED: 'the client certificate is revoked',
  INVALID_PURPOSE: 'the client certificate is not for client authentication (extendedKeyUsage)',
};

export interface HandshakeFailure {
  /** Short, stable reason (also the rate-limit key). */
  readonly reason: string;
  readonly detail: string;
}

/** What went wrong in a failed server-side handshake, from the error and the socket. */
export function explainHandshakeFailure(err: Error, socket: TLSSocket | undefined, coversName: (name: string) => boolean): HandshakeFailure {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const authError = socket?.authorizationError;
  const servername = socket === undefined ? undefined : (socket as TLSSocket & { servername?: string | false }).servername;
  if (typeof authError === 'string' && authError !== '') {
    return { reason: 'client certificate refused', detail: `${VERIFY_REASONS[authError] ?? 'the client certificate does not verify'} (${authError})` };
  }
  if (authError instanceof Error) {
    return { reason: 'client certificate refused', detail: authError.message };
  }
  if (code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') {
    return { reason: 'client certificate missing', detail: 'the client sent no certificate; client_ca_file requires one' };
  }
  if (typeof servername === 'string' && servername !== '' && !coversName(servername)) {
    return {
      reason: 'server name mismatch',
      detail: `the client asked for server name "${servername}", which this server's certificate does not cover; the client refuses it`,
    };
  }
  if (code === 'ECONNRESET') {
    return {
      reason: 'client aborted handshake',
      detail: "the client closed the connection during the TLS handshake: it probably does not trust this server's certificate (check the client's ca_file)",
    };
  }
  if (/wrong version number|http request|unknown protocol/i.test(err.message)) {
    return { reason: 'not TLS', detail: 'the client did not speak TLS (plaintext sent to a TLS endpoint?)' };
  }
  if (/version|protocol/i.test(err.message)) {
    return { reason: 'protocol mismatch', detail: `no common TLS version or cipher suite (${opensslReason(err.message)})` };
  }
  return { reason: 'handshake failed', detail: opensslReason(err.message) };
}

/** "…:SSL routines:fn:peer did not return a certificate:../deps/…" -> "peer did not return a certificate". */
export function opensslReason(message: string): string {
  const m = /:SSL routines:[^:]*:([^:]+)(?::|$)/.exec(message);
  return m?.[1] ?? message;
}

/** At most `perWindow` lines per reason per window; the suppressed count rides on the next line. */
export class HandshakeLog {
  private readonly logger: Logger;
  private readonly windowMs: number;
  private readonly perWindow: number;
  private readonly windows = new Map<string, { start: number; logged: number; suppressed: number }>();

  constructor(logger: Logger, windowMs = 10_000, perWindow = 5) {
    this.logger = logger;
    this.windowMs = windowMs;
    this.perWindow = perWindow;
  }

  failed(failure: HandshakeFailure, remote: string | undefined, transport: string): void {
    const now = Date.now();
    let w = this.windows.get(failure.reason);
    if (w === undefined || now - w.start >= this.windowMs) {
      const suppressed = w?.suppressed ?? 0;
      w = { start: now, logged: 0, suppressed: 0 };
      this.windows.set(failure.reason, w);
      if (suppressed > 0) this.logger.warn({ transport, reason: failure.reason, suppressed }, 'TLS handshake failures not logged in the last window');
    }
    if (w.logged >= this.perWindow) {
      w.suppressed++;
      return;
    }
    w.logged++;
    this.logger.warn({ transport, remote, reason: failure.reason }, `TLS handshake failed: ${failure.detail}`);
  }
}
