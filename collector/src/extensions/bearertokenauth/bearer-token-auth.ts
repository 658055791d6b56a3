/**
 * The bearertokenauth extension: as a server authenticator it accepts a request whose header
 * (default `Authorization`) is `<scheme> <token>` for one of the configured tokens; as a client
 * authenticator it adds that header, with the first token, to every request. With `filename` the
 * tokens come from a file (one per line) that is re-read when it changes, so a rotated token takes
 * effect without a restart.
 */
import { readFile } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { CreateSettings, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { ReloadingMaterial } from '../../tls/reloading-material.ts';
import type { ClientAuthenticator, RequestHeaders, ServerAuthenticator } from '../authenticator.ts';
import type { BearerTokenAuthConfig } from './config.ts';

interface Tokens {
  readonly tokens: readonly string[];
  readonly fingerprint: string;
}

/** Reads the token file: one token per line, blank lines and surrounding whitespace ignored. */
export async function readTokenFile(filename: string): Promise<Tokens> {
  let text: string;
  try {
    text = await readFile(filename, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new CollectorError('TP_CONFIG_INVALID', `bearertokenauth: cannot read token file "${filename}": ${reason}`, { cause: err });
  }
  const tokens = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (tokens.length === 0) throw new CollectorError('TP_CONFIG_INVALID', `bearertokenauth: token file "${filename}" is empty`);
  return { tokens, fingerprint: tokens.join('\n') };
}

export class BearerTokenAuth implements ServerAuthenticator, ClientAuthenticator {
  private readonly config: BearerTokenAuthConfig;
  private readonly logger: Logger;
  /** Header name as looked up in lower-cased request headers. */
  private readonly lookupName: string;
  /** Accepted header values, as bytes for the constant-time comparison. */
  private accepted: Buffer[] = [];
  private headers: ReadonlyArray<readonly [string, string]> = [];
  private file: ReloadingMaterial<Tokens> | undefined;
  private started: Promise<void> | undefined;
  private stopped = false;

  constructor(settings: CreateSettings, config: BearerTokenAuthConfig) {
    this.config = config;
    this.logger = settings.logger;
    this.lookupName = config.header.toLowerCase();
    // Inline tokens work before start(); a file is read in start(), as otelcol does.
    if (config.filename === '') this.use(config.token !== '' ? [config.token] : config.tokens);
  }

  start(_host: Host): Promise<void> {
    if (this.stopped) return Promise.reject(new CollectorError('TP_SHUTTING_DOWN', 'bearertokenauth: start() after shutdown()'));
    this.started ??= this.load();
    return this.started;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.started !== undefined) await this.started.catch(() => {});
    this.file?.close();
    this.file = undefined;
  }

  authenticate(headers: RequestHeaders): void {
    const value = headers.get(this.lookupName);
    if (value === undefined || value === '') throw new CollectorError('TP_UNAUTHENTICATED', `missing or empty ${this.config.header} header`);
    const got = Buffer.from(value);
    for (const want of this.accepted) {
      // Lengths differ for most wrong tokens; equal lengths are compared in constant time.
      if (want.length === got.length && timingSafeEqual(want, got)) return;
    }
    throw new CollectorError('TP_UNAUTHENTICATED', 'scheme or token does not match');
  }

  requestHeaders(): ReadonlyArray<readonly [string, string]> {
    return this.headers;
  }

  private async load(): Promise<void> {
    const filename = this.config.filename;
    if (filename === '') return;
    const initial = await readTokenFile(filename);
    this.use(initial.tokens);
    if (this.stopped) return;
    this.file = new ReloadingMaterial(initial, () => readTokenFile(filename), [filename], 0, this.logger, (t) => ({ tokens: t.tokens.length, filename }), {
      what: 'bearer tokens',
    });
    this.file.onReload((t) => this.use(t.tokens));
  }

  private use(tokens: readonly string[]): void {
    const scheme = this.config.scheme;
    const values = tokens.map((t) => (scheme === '' ? t : `${scheme} ${t}`));
    this.accepted = values.map((v) => Buffer.from(v));
    // A new array object: clients rebuild their headers when the identity changes.
    this.headers = values.length === 0 ? [] : [[this.config.header, values[0]!]];
  }
}
