/**
 * The probabilistic_sampler processor (head sampling, otelcol-contrib's
 * probabilisticsamplerprocessor for traces): decides every span on its own (sampler.ts), keeps
 * the sampled ones (select(): rows move, bytes do not), and rewrites the tracestate of kept
 * spans whose sampling information changed (only that field of only those spans:
 * rewrite-trace-state.ts + replaceSpan). A batch with nothing dropped and nothing rewritten is
 * passed on as it came (still pristine: encoding stays a concatenation).
 *
 * Counted: otelcol_processor_probabilistic_sampler_count_traces_sampled{policy, sampled} (one
 * per span, as otelcol counts it despite the name), otelcol_processor_incoming_items /
 * outgoing_items. A batch with every span dropped is not passed on (otelcol's
 * ErrSkipProcessingData) and resolves: dropping by sampling is the job, not a failure.
 */
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { Consumer, CreateSettings, Host, Processor } from '../../component/types.ts';
import { replaceSpan } from '../../pdata/rewrite.ts';
import { SPAN_STRIDE, S_END, S_START, type SpanBatch } from '../../pdata/span-batch.ts';
import { ProcessorObs } from '../../telemetry/obsreport.ts';
import type { ProbabilisticSamplerConfig } from './config.ts';
import { TraceStateRewriter } from './rewrite-trace-state.ts';
import { POLICIES, SpanSampler, type SamplerErrorKind } from './sampler.ts';

type BoundCounter = ReturnType<Counter<string>['labels']>;

const ERROR_LOG_INTERVAL_MS = 10_000;

export class ProbabilisticSamplerProcessor implements Processor {
  readonly sampler: SpanSampler;
  private readonly next: Consumer;
  private readonly logger: Logger;
  private readonly obs: ProcessorObs;
  /** [policy * 2 + (sampled ? 1 : 0)] -> bound counter, created once. */
  private readonly sampledCounters: BoundCounter[] = [];
  /** Per-batch tallies, flushed once per batch (a prom-client inc per span would cost more). */
  private readonly tally = new Float64Array(POLICIES.length * 2);
  private readonly rewriter = new TraceStateRewriter();
  private kept = new Uint32Array(1024);
  private lastErrorLogMs = -Infinity;

  constructor(settings: CreateSettings, config: ProbabilisticSamplerConfig, next: Consumer) {
    this.next = next;
    this.logger = settings.logger;
    this.sampler = new SpanSampler(config);
    this.obs = new ProcessorObs(settings.telemetry, settings.id.id);
    const counter = settings.telemetry.counter(
      'otelcol_processor_probabilistic_sampler_count_traces_sampled',
      'Count of spans that were sampled or not',
      ['processor', 'policy', 'sampled'],
    );
    for (const policy of POLICIES) {
      for (const sampled of ['false', 'true']) this.sampledCounters.push(counter.labels({ processor: settings.id.id, policy, sampled }));
    }
    this.logger.info(
      { mode: this.sampler.mode, sampling_percentage: config.sampling_percentage, fail_closed: config.fail_closed },
      'probabilistic sampler configured',
    );
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {}

  consume(batch: SpanBatch): Promise<void> {
    const n = batch.spanCount;
    this.obs.onIncoming(n);
    if (this.kept.length < n) this.kept = new Uint32Array(Math.max(n, this.kept.length * 2));
    const kept = this.kept;
    const tally = this.tally;
    const sampler = this.sampler;
    let k = 0;
    let rewrites: { at: number; traceState: string }[] | null = null;
    let errors = 0;
    let firstError: SamplerErrorKind = null;
    let firstErrorDetail = '';
    try {
      for (let i = 0; i < n; i++) {
        sampler.decide(batch, i);
        if (sampler.error !== null) {
          if (errors++ === 0) {
            firstError = sampler.error;
            firstErrorDetail = sampler.errorDetail;
          }
        }
        tally[sampler.policy * 2 + (sampler.sampled ? 1 : 0)]!++;
        if (!sampler.sampled) continue;
        if (sampler.newTraceState !== null) (rewrites ??= []).push({ at: k, traceState: sampler.newTraceState });
        kept[k++] = i;
      }
    } catch (err) {
      tally.fill(0);
      return Promise.reject(err);
    }
    this.flushTally();
    if (errors > 0) this.logErrors(errors, firstError, firstErrorDetail);
    if (k < n) this.logger.debug({ spans: n, kept: k, dropped: n - k }, 'spans not sampled');
    if (k === 0) return Promise.resolve();

    const out = k === n ? batch : batch.select(kept, k);
    if (rewrites !== null) {
      const s = out.spans;
      for (const r of rewrites) {
        const o = r.at * SPAN_STRIDE;
        replaceSpan(out, r.at, this.rewriter.rewrite(out.spanBuffer(r.at), s[o + S_START]!, s[o + S_END]!, r.traceState));
      }
    }
    this.obs.onOutgoing(k);
    try {
      return this.next.consume(out);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private flushTally(): void {
    const tally = this.tally;
    for (let j = 0; j < tally.length; j++) {
      if (tally[j]! > 0) {
        this.sampledCounters[j]!.inc(tally[j]!);
        tally[j] = 0;
      }
    }
  }

  /**
   * otelcol logs sampler errors per span (debug, or info for a malformed tracestate); here one
   * line per batch, and malformed tracestates at info at most every 10 s.
   */
  private logErrors(count: number, kind: SamplerErrorKind, detail: string): void {
    const fields = { spans: count, reason: kind, detail: detail === '' ? undefined : detail };
    const now = Date.now();
    if (kind === 'tracestate' && now - this.lastErrorLogMs >= ERROR_LOG_INTERVAL_MS) {
      this.lastErrorLogMs = now;
      this.logger.info(fields, 'spans with sampling errors (fail_closed decides them)');
    } else {
      this.logger.debug(fields, 'spans with sampling errors (fail_closed decides them)');
    }
  }
}
