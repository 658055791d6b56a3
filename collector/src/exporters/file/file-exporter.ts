/**
 * file exporter: writes every batch to a file, as otelcol-contrib's fileexporter does.
 * format json: one OTLP/JSON ExportTraceServiceRequest per line. format proto: each request as
 * protobuf preceded by its length as a 4-byte big-endian unsigned integer. Either can be read
 * back with readFileExport() (used by tests and the testbed).
 *
 * Writes are buffered and flushed every flush_interval, when 64 KiB are waiting, and at
 * shutdown. otelcol_exporter_sent_spans counts spans once they are written to the file; a failed
 * write counts them in otelcol_exporter_send_failed_spans and logs an error.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { CreateSettings, Exporter, Host } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { protobufToOtlpJson } from '../../pdata/otlp-json.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { ExporterObs } from '../../telemetry/obsreport.ts';
import type { FileConfig } from './config.ts';
import { BufferedFileWriter } from './file-writer.ts';

/** Flush early when this much is waiting, so memory stays bounded between ticks. */
const FLUSH_BYTES = 64 * 1024;

const NEWLINE = Buffer.from('\n');

export class FileExporter implements Exporter {
  private readonly config: FileConfig;
  private readonly logger: Logger;
  private readonly obs: ExporterObs;
  private handle: FileHandle | null = null;
  private writer: BufferedFileWriter | null = null;
  private timer: NodeJS.Timeout | null = null;
  private state: 'created' | 'started' | 'stopped' = 'created';

  constructor(settings: CreateSettings, config: FileConfig) {
    this.config = config;
    this.logger = settings.logger;
    this.obs = new ExporterObs(settings.telemetry, settings.id.id);
  }

  async start(_host: Host): Promise<void> {
    if (this.state !== 'created') return;
    const { path } = this.config;
    if (this.config.create_directory) {
      const mode = parseInt(this.config.directory_permissions ?? '0755', 8);
      await mkdir(dirname(path), { recursive: true, mode });
    }
    try {
      this.handle = await open(path, this.config.append ? 'a' : 'w', 0o644);
    } catch (err) {
      throw new Error(`file exporter: cannot open "${path}": ${(err as Error).message}`, { cause: err });
    }
    this.writer = new BufferedFileWriter(this.handle, (spans, err) => {
      if (err === null) {
        this.obs.onSent(spans);
      } else {
        this.obs.onSendFailed(spans);
        this.logger.error({ err, path, spans }, 'writing to the file failed; spans dropped');
      }
    });
    // unref: a pending tick must not keep the process alive; shutdown flushes anyway.
    this.timer = setInterval(() => void this.writer?.flush(), this.config.flush_interval).unref();
    if (this.config.rotation !== undefined) {
      this.logger.warn({ path }, 'rotation is accepted but not implemented: the file grows without limit');
    }
    this.state = 'started';
  }

  async consume(batch: SpanBatch): Promise<void> {
    const spans = batch.spanCount;
    const writer = this.writer;
    if (this.state !== 'started' || writer === null) {
      this.obs.onSendFailed(spans);
      if (this.state === 'stopped') throw new CollectorError('TP_SHUTTING_DOWN', 'file exporter is shut down');
      throw new CollectorError('TP_INTERNAL', 'file exporter used before start()');
    }
    const request = encodeExportRequest(batch);
    if (this.config.format === 'proto') {
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32BE(request.length, 0);
      writer.add([length, request], spans);
    } else {
      let json: string;
      try {
        json = protobufToOtlpJson(request);
      } catch (err) {
        // The receiver validated these bytes; failing here is a bug. Count, log and refuse.
        this.obs.onSendFailed(spans);
        this.logger.error({ err, spans }, 'file exporter could not convert the batch to JSON; spans dropped');
        throw new CollectorError('TP_EXPORT_PERMANENT', 'could not convert the batch to OTLP/JSON', { cause: err });
      }
      writer.add([Buffer.from(json), NEWLINE], spans);
    }
    // Backpressure: past the threshold the caller waits for the write, so memory stays bounded.
    if (writer.pendingBytes >= FLUSH_BYTES) await writer.flush();
  }

  /** Writes what is buffered now. */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  /** Resolves when writes already started (by a tick, the size threshold or flush()) are done. */
  async idle(): Promise<void> {
    await this.writer?.idle();
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.writer !== null) await this.writer.flush();
    this.writer = null;
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) await handle.close();
  }
}
