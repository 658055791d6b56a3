/**
 * What an auth extension offers (otelcol's extension/auth Server and Client interfaces) and how
 * components find theirs: a receiver's protocol or an exporter names one with
 * `auth: { authenticator: <extension id> }`, resolved through the host at start, with otelcol's
 * error messages. bearertokenauth implements both sides.
 */
import { z } from 'zod';
import type { Extension, Host } from '../component/types.ts';
import { zStrictObject } from '../config/schema-helpers.ts';
import { CollectorError } from '../errors/codes.ts';

/** Request headers as a server sees them; names are looked up lower-case. */
export interface RequestHeaders {
  get(name: string): string | undefined;
}

export interface ServerAuthenticator extends Extension {
  /**
   * Accepts the request or throws CollectorError TP_UNAUTHENTICATED (gRPC UNAUTHENTICATED,
   * HTTP 401). Synchronous: it runs once per request, before the body is read.
   */
  authenticate(headers: RequestHeaders): void;
}

export interface ClientAuthenticator extends Extension {
  /**
   * Headers to add to every request. The same array object until the credentials change, so a
   * client can rebuild what it derives from them only when the identity changes.
   */
  requestHeaders(): ReadonlyArray<readonly [string, string]>;
}

export function isServerAuthenticator(e: Extension): e is ServerAuthenticator {
  return typeof (e as Partial<ServerAuthenticator>).authenticate === 'function';
}

export function isClientAuthenticator(e: Extension): e is ClientAuthenticator {
  return typeof (e as Partial<ClientAuthenticator>).requestHeaders === 'function';
}

/** configauth.Config: `auth: { authenticator: <id> }` (request_params is accepted; no authenticator here reads it). */
export const authConfigSchema = zStrictObject({
  authenticator: z.string({ error: 'expected an extension id like "bearertokenauth"' }).min(1, { error: 'authenticator must not be empty' }),
  request_params: z.array(z.string({ error: 'expected a parameter name' }), { error: 'expected a list of parameter names' }).nullish(),
});

export type AuthConfig = z.output<typeof authConfigSchema>;

function findExtension(host: Host, id: string): Extension {
  const ext = host.getExtension(id);
  if (ext === undefined) {
    throw new CollectorError(
      'TP_CONFIG_INVALID',
      `failed to resolve authenticator "${id}": authenticator not found (is it defined under extensions: and listed in service.extensions?)`,
    );
  }
  return ext;
}

export function resolveServerAuthenticator(host: Host, id: string): ServerAuthenticator {
  const ext = findExtension(host, id);
  if (!isServerAuthenticator(ext)) throw new CollectorError('TP_CONFIG_INVALID', `requested authenticator "${id}" is not a server authenticator`);
  return ext;
}

export function resolveClientAuthenticator(host: Host, id: string): ClientAuthenticator {
  const ext = findExtension(host, id);
  if (!isClientAuthenticator(ext)) throw new CollectorError('TP_CONFIG_INVALID', `requested authenticator "${id}" is not a client authenticator`);
  return ext;
}

/** gRPC metadata as RequestHeaders (the first string value of a key). */
export class GrpcMetadataHeaders implements RequestHeaders {
  constructor(private readonly metadata: { get(key: string): (string | Buffer)[] }) {}

  get(name: string): string | undefined {
    const v = this.metadata.get(name)[0];
    return typeof v === 'string' ? v : undefined;
  }
}

/** node:http request headers (already lower-cased by Node) as RequestHeaders. */
export class HttpRequestHeaders implements RequestHeaders {
  constructor(private readonly headers: Readonly<Record<string, string | string[] | undefined>>) {}

  get(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }
}
