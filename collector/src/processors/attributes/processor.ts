/**
 * The `attributes` processor (otelcol-contrib's attributesprocessor, traces): applies the
 * actions to the attributes of the spans include/exclude select. Only spans an action can change
 * are decoded (decodeSpan), changed and re-encoded (encodeSpan -> replaceSpan); every other span
 * keeps its received bytes. from_context values come from the batch's client metadata
 * (`metadata.<key>`, with the receiver's include_metadata), looked up once per batch.
 */
import type { Logger } from 'pino';
import type { Consumer, CreateSettings, Host, Processor } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { AttributeRef } from '../../pdata/attributes.ts';
import { decodeSpan } from '../../pdata/decode-model.ts';
import { encodeSpan } from '../../pdata/encode-model.ts';
import { replaceSpan } from '../../pdata/rewrite.ts';
import { S_END, S_START, SPAN_STRIDE, type SpanBatch } from '../../pdata/span-batch.ts';
import { ProcessorObs } from '../../telemetry/obsreport.ts';
import { applyActions, compileActions, contextValues, mayChange, type CompiledAction } from './actions.ts';
import type { AttributesConfig } from './config.ts';
import { SpanMatcher } from './match.ts';

export class AttributesProcessor implements Processor {
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ProcessorObs;
  private readonly actions: CompiledAction[];
  private readonly include: SpanMatcher | null;
  private readonly exclude: SpanMatcher | null;
  private readonly ref = new AttributeRef();
  /** Spans re-encoded so far (for tests and debugging). */
  rewritten = 0;

  constructor(settings: CreateSettings, config: AttributesConfig, next: Consumer) {
    this.next = next;
    this.logger = settings.logger;
    this.obs = new ProcessorObs(settings.telemetry, settings.id.id);
    this.actions = compileActions(config.actions);
    this.include = config.include === undefined ? null : new SpanMatcher(config.include);
    this.exclude = config.exclude === undefined ? null : new SpanMatcher(config.exclude);
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: SpanBatch): Promise<void> {
    const n = batch.spanCount;
    this.obs.onIncoming(n);
    try {
      this.process(batch);
    } catch (err) {
      // The receiver validated the bytes, so this is a bug; refuse rather than pass on half-changed data.
      this.logger.error({ err, spans: n }, 'applying attribute actions failed; the batch is refused');
      return Promise.reject(new CollectorError('TP_INTERNAL', `attributes processor failed: ${(err as Error).message}`, { cause: err }));
    }
    this.obs.onOutgoing(n);
    return this.next.consume(batch);
  }

  private process(batch: SpanBatch): void {
    const actions = this.actions;
    const context = contextValues(actions, batch.metadata);
    const s = batch.spans;
    for (let i = 0; i < batch.spanCount; i++) {
      if (this.include !== null && !this.include.matches(batch, i)) continue;
      if (this.exclude !== null && this.exclude.matches(batch, i)) continue;
      if (!mayChange(actions, batch, i, this.ref)) continue;
      const o = i * SPAN_STRIDE;
      const span = decodeSpan(batch.spanBuffer(i), s[o + S_START]!, s[o + S_END]!);
      if (!applyActions(actions, context, span.attributes)) continue;
      replaceSpan(batch, i, encodeSpan(span));
      this.rewritten++;
    }
  }
}
