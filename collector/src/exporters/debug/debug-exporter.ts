/**
 * debug exporter: writes what reaches it to the collector's log, as otelcol's debug exporter.
 * basic: one `Traces` entry per batch with the resource-span and span counts; normal: plus one
 * entry whose text has a line per span; detailed: plus one entry with every field of every span.
 * All at info level, through a zap-like sampler (sampling_initial / sampling_thereafter).
 */
import type { Logger } from 'pino';
import type { CreateSettings, Exporter, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { SCOPE_STRIDE, SPAN_STRIDE, S_SCOPE, C_RES, type SpanBatch } from '../../pdata/span-batch.ts';
import { ExporterObs } from '../../telemetry/obsreport.ts';
import type { DebugConfig } from './config.ts';
import { LogSampler } from './log-sampler.ts';
import { detailedText, normalText } from './text-marshaler.ts';

/** Where entries go: the component logger, or plain stdout when use_internal_logger is false. */
export interface DebugOutput {
  info(fields: Record<string, unknown> | undefined, message: string): void;
}

export interface DebugExporterOptions {
  /** Overrides the output chosen by use_internal_logger (tests). */
  output?: DebugOutput;
  /** Clock for the sampler's one-second ticks. */
  now?: () => number;
}

export class DebugExporter implements Exporter {
  private readonly config: DebugConfig;
  private readonly logger: Logger;
  private readonly output: DebugOutput;
  private readonly sampler: LogSampler;
  private readonly obs: ExporterObs;
  private readonly now: () => number;
  private stopped = false;

  constructor(settings: CreateSettings, config: DebugConfig, options: DebugExporterOptions = {}) {
    this.config = config;
    this.logger = settings.logger;
    this.output = options.output ?? (config.use_internal_logger ? loggerOutput(settings.logger) : stdoutOutput());
    this.sampler = new LogSampler(config.sampling_initial, config.sampling_thereafter);
    this.obs = new ExporterObs(settings.telemetry, settings.id.id);
    this.now = options.now ?? Date.now;
  }

  async start(_host: Host): Promise<void> {}

  async shutdown(): Promise<void> {
    this.stopped = true;
  }

  /** Entries the sampler held back so far. */
  get sampledOut(): number {
    return this.sampler.dropped;
  }

  async consume(batch: SpanBatch): Promise<void> {
    const spans = batch.spanCount;
    if (this.stopped) {
      this.obs.onSendFailed(spans);
      throw new CollectorError('TP_SHUTTING_DOWN', 'debug exporter is shut down');
    }
    const now = this.now();
    if (this.sampler.allow('Traces', now)) this.output.info({ 'resource spans': resourceSpansCount(batch), spans }, 'Traces');
    if (this.config.verbosity !== 'basic' && spans > 0) {
      let text: string;
      try {
        const model = decodeExportRequest(encodeExportRequest(batch));
        text = this.config.verbosity === 'detailed' ? detailedText(model) : normalText(model);
      } catch (err) {
        // The receiver validated these bytes, so this is a bug, not bad input; say so and count it.
        this.obs.onSendFailed(spans);
        this.logger.error({ err, spans }, 'debug exporter could not decode the batch; spans dropped');
        throw new CollectorError('TP_EXPORT_PERMANENT', 'debug exporter could not decode the batch', { cause: err });
      }
      if (this.sampler.allow(text, now)) this.output.info(undefined, text);
    }
    this.obs.onSent(spans);
  }
}

/** ResourceSpans in the batch as encodeExportRequest writes it: one per run of the same resource. */
function resourceSpansCount(batch: SpanBatch): number {
  if (batch.pristine !== null) return batch.resourceCount;
  let runs = 0;
  let prev = -1;
  for (let i = 0; i < batch.spanCount; i++) {
    const res = batch.scopes[batch.spans[i * SPAN_STRIDE + S_SCOPE]! * SCOPE_STRIDE + C_RES]!;
    if (res !== prev) {
      runs++;
      prev = res;
    }
  }
  return runs;
}

function loggerOutput(logger: Logger): DebugOutput {
  return {
    info(fields, message) {
      if (fields === undefined) logger.info(message);
      else logger.info(fields, message);
    },
  };
}

/** otelcol's custom logger: no time, no level, no component fields; the message then the fields. */
export function stdoutOutput(write: (s: string) => void = (s) => void process.stdout.write(s)): DebugOutput {
  return {
    info(fields, message) {
      write(fields === undefined ? `${message}\n` : `${message}\t${JSON.stringify(fields)}\n`);
    },
  };
}
