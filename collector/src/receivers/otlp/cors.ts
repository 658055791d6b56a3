/**
 * CORS for the HTTP receiver, as otelcol's confighttp configures rs/cors: allowed origins with
 * `*` wildcards, credentials allowed (so the origin is echoed, never `*`), the CORS-safelisted
 * request headers plus X-Requested-With allowed unless allowed_headers says otherwise, preflight
 * answered with 204 whether or not it is allowed (a refused preflight just lacks the headers).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsConfig } from './config.ts';

// Always allowed by rs/cors (the CORS safelist).
const SAFELISTED_HEADERS = ['accept', 'accept-language', 'content-type', 'content-language'];
const ALLOWED_METHOD = 'POST';

export class CorsPolicy {
  private readonly allowAnyOrigin: boolean;
  private readonly origins: readonly RegExp[];
  private readonly allowAnyHeader: boolean;
  private readonly allowedHeaders: ReadonlySet<string>;
  private readonly maxAge: string | undefined;

  /** undefined when CORS is off (no allowed_origins): otelcol then installs no CORS handler. */
  static from(config: CorsConfig | undefined): CorsPolicy | undefined {
    if (config === undefined || config.allowed_origins.length === 0) return undefined;
    return new CorsPolicy(config);
  }

  private constructor(config: CorsConfig) {
    this.allowAnyOrigin = config.allowed_origins.includes('*');
    this.origins = config.allowed_origins.map(originPattern);
    const listed = config.allowed_headers.map((h) => h.toLowerCase());
    this.allowAnyHeader = listed.includes('*');
    this.allowedHeaders = new Set([...SAFELISTED_HEADERS, ...(listed.length === 0 ? ['x-requested-with'] : listed)]);
    this.maxAge = config.max_age > 0 ? String(config.max_age) : undefined;
  }

  originAllowed(origin: string): boolean {
    if (this.allowAnyOrigin) return true;
    for (const re of this.origins) if (re.test(origin)) return true;
    return false;
  }

  /** A preflight request: OPTIONS carrying Origin and Access-Control-Request-Method. */
  static isPreflight(req: IncomingMessage): boolean {
    return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
  }

  /** Answers a preflight (always 204, as rs/cors does; the CORS headers only when allowed). */
  answerPreflight(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    const origin = req.headers.origin!;
    const method = String(req.headers['access-control-request-method']).toUpperCase();
    const requested = parseHeaderList(req.headers['access-control-request-headers']);
    if (this.originAllowed(origin) && method === ALLOWED_METHOD && this.headersAllowed(requested)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', method);
      if (requested.length > 0) res.setHeader('Access-Control-Allow-Headers', requested.join(', '));
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      if (this.maxAge !== undefined) res.setHeader('Access-Control-Max-Age', this.maxAge);
    }
    res.statusCode = 204;
    res.end();
  }

  /** Adds the response headers for an actual (non-preflight) cross-origin request. */
  decorate(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    res.setHeader('Vary', 'Origin');
    if (!this.originAllowed(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
  }

  private headersAllowed(requested: readonly string[]): boolean {
    if (this.allowAnyHeader) return true;
    for (const h of requested) if (!this.allowedHeaders.has(h)) return false;
    return true;
  }
}

/** `https://*.example.com` -> /^https:\/\/.*\.example\.com$/i (origins compare case-insensitively). */
function originPattern(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 'i');
}

function parseHeaderList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  const out: string[] = [];
  for (const part of joined.split(',')) {
    const h = part.trim().toLowerCase();
    if (h !== '') out.push(h);
  }
  return out;
}
