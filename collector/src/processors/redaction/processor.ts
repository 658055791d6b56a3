/**
 * The `redaction` processor (otelcol-contrib's redactionprocessor, traces): deletes attributes
 * whose keys are not allowed and masks blocked values, in resource, scope, span and span event
 * attributes. The rules are in rules.ts, the byte scan that leaves untouched spans as received in
 * scan.ts, the batch walk in redact-batch.ts.
 *
 * Redaction is synchronous and cannot fail on valid input (the receiver validated the bytes). If
 * it throws anyway (a bug), the batch is refused with TP_INTERNAL and logged: passing it on
 * unredacted could leak exactly what the processor is there to remove.
 */
import type { Logger } from 'pino';
import type { Consumer, CreateSettings, Host, Processor } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ProcessorObs } from '../../telemetry/obsreport.ts';
import type { RedactionConfig } from './config.ts';
import { BatchRedactor } from './redact-batch.ts';
import { RedactionRules } from './rules.ts';

/** HMAC keys shorter than this get a warning (RFC 2104: at least the hash output length). */
const MIN_HMAC_KEY_BYTES = 32;

export class RedactionProcessor implements Processor {
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ProcessorObs;
  private readonly redactor: BatchRedactor;

  constructor(settings: CreateSettings, config: RedactionConfig, next: Consumer) {
    this.next = next;
    this.logger = settings.logger;
    this.obs = new ProcessorObs(settings.telemetry, settings.id.id);
    this.redactor = new BatchRedactor(new RedactionRules(config));
    if (!config.allow_all_keys && config.allowed_keys.length === 0) {
      this.logger.warn('allowed_keys is empty and allow_all_keys is false: every attribute not in ignored_keys is deleted (as in otelcol)');
    }
    if (config.hash_function.startsWith('hmac-') && Buffer.byteLength(config.hmac_key, 'utf8') < MIN_HMAC_KEY_BYTES) {
      this.logger.warn(`hmac_key is shorter than ${MIN_HMAC_KEY_BYTES} bytes; use a random key of at least ${MIN_HMAC_KEY_BYTES} bytes`);
    }
    if (config.hash_function === 'md5' || config.hash_function === 'sha1' || config.hash_function === 'sha3') {
      this.logger.warn(
        `hash_function ${config.hash_function} is unkeyed: hashes of low-entropy values (card or phone numbers) can be reversed by enumeration; prefer hmac-sha256 with a secret hmac_key`,
      );
    }
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: SpanBatch): Promise<void> {
    const n = batch.spanCount;
    this.obs.onIncoming(n);
    try {
      this.redactor.redact(batch);
    } catch (err) {
      this.logger.error({ err, spans: n }, 'redaction failed; the batch is refused rather than passed on unredacted');
      return Promise.reject(new CollectorError('TP_INTERNAL', `redaction failed: ${(err as Error).message}`, { cause: err }));
    }
    this.obs.onOutgoing(n);
    return this.next.consume(batch);
  }
}
