/**
 * headers_setter: headers for an exporter's outgoing requests, taken from configured values or
 * from the client metadata the data arrived with (`from_context: x-tenant-id`, needing the
 * receiver's include_metadata and, after a batch processor, its metadata_keys), so a gateway
 * forwards the tenant header downstream.
 *
 * Two ways in:
 *  - `requestHeaders()` (ClientAuthenticator): the headers that do not depend on the request
 *    (`value`), for exporters that only know the auth plumbing;
 *  - `headersFor(metadata)` / `applyTo(headers, metadata)`: the per-request headers, which an
 *    exporter computes from `batch.metadata` for each send.
 *
 * A context key with no value uses `default_value` (or sets nothing); a key with several values
 * is ambiguous and sets nothing (otelcol refuses it too), counted and logged.
 */
import type { Logger } from 'pino';
import type { CreateSettings, Host } from '../../component/types.ts';
import type { ClientAuthenticator } from '../authenticator.ts';
import type { ClientMetadata } from '../../pdata/span-batch.ts';
import type { FastCounter } from '../../telemetry/self-telemetry.ts';
import type { HeadersSetterConfig } from './config.ts';

interface Rule {
  readonly key: string;
  /** Lower-cased, as header and metadata names compare. */
  readonly name: string;
  readonly action: 'insert' | 'update' | 'upsert' | 'delete';
  readonly value: string | undefined;
  readonly fromContext: string | undefined;
  readonly defaultValue: string | undefined;
}

/** What an exporter looks for (duck-typed) to set per-request headers. */
export interface PerRequestHeaders {
  headersFor(metadata: ClientMetadata | null): Readonly<Record<string, string>>;
  applyTo(headers: Map<string, string>, metadata: ClientMetadata | null): void;
}

export function hasPerRequestHeaders(ext: unknown): ext is PerRequestHeaders {
  return typeof (ext as Partial<PerRequestHeaders>)?.headersFor === 'function' && typeof (ext as Partial<PerRequestHeaders>).applyTo === 'function';
}

const LOG_INTERVAL_MS = 60_000;

export class HeadersSetterExtension implements ClientAuthenticator, PerRequestHeaders {
  private readonly rules: Rule[];
  private readonly staticHeaders: ReadonlyArray<readonly [string, string]>;
  private readonly logger: Logger;
  private readonly ambiguous: FastCounter;
  private lastLog = 0;

  constructor(settings: CreateSettings, config: HeadersSetterConfig) {
    this.logger = settings.logger;
    this.rules = config.headers.map((h) => ({
      key: h.key!,
      name: h.key!.toLowerCase(),
      action: h.action,
      value: h.value,
      fromContext: h.from_context?.toLowerCase(),
      defaultValue: h.default_value,
    }));
    this.staticHeaders = this.rules.filter((r) => r.value !== undefined && r.action !== 'delete' && r.action !== 'update').map((r) => [r.key, r.value!] as const);
    this.ambiguous = settings.telemetry.fastCounter(
      'tailpipe_extension_headers_setter_ambiguous',
      'Requests whose context key had several values, so the header was not set.',
      { extension: settings.id.id },
    );
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {}

  requestHeaders(): ReadonlyArray<readonly [string, string]> {
    return this.staticHeaders;
  }

  /** The headers to set for data carrying this metadata (insert/update/upsert rules with a value). */
  headersFor(metadata: ClientMetadata | null): Readonly<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const r of this.rules) {
      if (r.action === 'delete') continue;
      const v = this.valueOf(r, metadata);
      if (v !== undefined) out[r.key] = v;
    }
    return out;
  }

  /** Applies every rule, with its action, to lower-cased request headers. */
  applyTo(headers: Map<string, string>, metadata: ClientMetadata | null): void {
    for (const r of this.rules) {
      if (r.action === 'delete') {
        headers.delete(r.name);
        continue;
      }
      const present = headers.has(r.name);
      if ((r.action === 'insert' && present) || (r.action === 'update' && !present)) continue;
      const v = this.valueOf(r, metadata);
      if (v !== undefined) headers.set(r.name, v);
    }
  }

  private valueOf(r: Rule, metadata: ClientMetadata | null): string | undefined {
    if (r.value !== undefined) return r.value;
    const values = metadata?.get(r.fromContext!);
    if (values === undefined || values.length === 0) return r.defaultValue;
    if (values.length > 1) {
      this.ambiguous.add(1);
      const now = Date.now();
      if (now - this.lastLog >= LOG_INTERVAL_MS) {
        this.lastLog = now;
        this.logger.warn({ key: r.fromContext, values: values.length }, 'several values for a context key; header not set');
      }
      return undefined;
    }
    return values[0];
  }
}
