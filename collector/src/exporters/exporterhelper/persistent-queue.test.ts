/**
 * The persistent sending queue (`sending_queue.storage`) with the real file_storage extension on a
 * temporary directory: acknowledged only once on disk, kept across a shutdown or a crash,
 * replayed on start, damaged records counted, unknown storage refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Extension, Host } from '../../component/types.ts';
import { parseComponentId } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { fileStorageConfigSchema } from '../../extensions/file_storage/config.ts';
import { FileStorageExtension } from '../../extensions/file_storage/file-storage.ts';
import { FILE_HEADER_BYTES, RECORD_HEADER_BYTES } from '../../extensions/file_storage/record-format.ts';
import { recoverDirectory } from '../../extensions/file_storage/recovery.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { queueConfigSchema, retryConfigSchema } from './config.ts';
import { TracesExporterHelper, type ExportClient, type ExporterHelperOptions } from './exporter.ts';
import type { QueueLog, QueueStorage } from './persistent-storage.ts';
import type { PushSpans } from './sender.ts';
import { ExporterPool, exporterCounts, queueCounts, testBatch, testSettings, testSpans, type TestSpan } from './test-support.ts';

const pool = new ExporterPool();
const extensions: Extension[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tp-pq-'));
});

afterEach(async () => {
  await pool.shutdownAll();
  await Promise.allSettled(extensions.splice(0).map((e) => e.shutdown()));
  rmSync(dir, { recursive: true, force: true });
});

type Mode = 'ok' | 'down' | 'hang';

/** The destination: accepts, refuses (UNAVAILABLE) or never answers; records what it accepted. */
class Destination {
  mode: Mode = 'ok';
  readonly delivered: string[] = [];
  attempts = 0;
  readonly push: PushSpans = (batch: SpanBatch, signal: AbortSignal) => {
    this.attempts++;
    const names: string[] = [];
    for (let i = 0; i < batch.spanCount; i++) names.push(batch.name(i));
    if (this.mode === 'ok') {
      this.delivered.push(...names);
      return Promise.resolve(0);
    }
    if (this.mode === 'down') return Promise.reject(new CollectorError('TP_EXPORT_RETRYABLE', 'UNAVAILABLE'));
    return new Promise<number>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  };
}

async function storage(id = 'file_storage', extra: Record<string, unknown> = {}): Promise<FileStorageExtension> {
  const t = testSettings(id);
  const ext = new FileStorageExtension({ ...t.settings, kind: 'extension' }, fileStorageConfigSchema.parse({ directory: dir, ...extra }), { segmentBytes: 4096 });
  await ext.start(hostWith({}));
  extensions.push(ext);
  return ext;
}

function hostWith(exts: Record<string, Extension>): Host {
  return { getExtension: (id) => exts[id], status: 'running' };
}

function client(push: PushSpans): ExportClient {
  return { push, start: async () => {}, shutdown: async () => {} };
}

function batchOf(k: number, size: number): SpanBatch {
  const spans: TestSpan[] = testSpans(size).map((s, i) => ({ ...s, name: `b${k}-span-${i}` }));
  return testBatch(spans);
}

/** Span names of batchOf(k, size) as encoded: testSpans puts even spans in one resource, odd in another. */
const names = (k: number, size: number) => {
  const all = Array.from({ length: size }, (_, i) => i);
  return [...all.filter((i) => i % 2 === 0), ...all.filter((i) => i % 2 === 1)].map((i) => `b${k}-span-${i}`);
};

async function exporterOn(ext: Extension | undefined, dest: Destination, queue: Record<string, unknown> = {}, options: ExporterHelperOptions = {}, id = 'otlp/pq') {
  const t = testSettings(id);
  const exporter = pool.add(
    new TracesExporterHelper(
      t.settings,
      {
        timeoutMs: 1000,
        queue: queueConfigSchema.parse({ storage: 'file_storage', ...queue }),
        retry: retryConfigSchema.parse({ initial_interval: '10ms', max_interval: '50ms', max_elapsed_time: 0 }),
        shutdownDrainTimeoutMs: 300,
      },
      client(dest.push),
      { random: () => 0, ...options },
    ),
  );
  await exporter.start(hostWith(ext === undefined ? {} : { file_storage: ext }));
  return { exporter, ...t };
}

const queueDir = () => join(dir, 'exporter_otlp_pq_traces');

describe('persistent sending queue (file_storage)', () => {
  it('acknowledges a batch only once it is on disk', async () => {
    const dest = new Destination();
    dest.mode = 'down';
    const { exporter } = await exporterOn(await storage(), dest);
    await exporter.consume(batchOf(0, 3));
    // Read the directory as another process would: the record is there, with its span count.
    const onDisk = await recoverDirectory(queueDir());
    expect(onDisk.recovered.map((r) => r.items)).toEqual([3]);
  });

  it('keeps what it could not send across a shutdown (not counted as failed) and sends it after the next start', async () => {
    const dest = new Destination();
    dest.mode = 'down';
    const first = await exporterOn(await storage(), dest, { num_consumers: 2 });
    for (let k = 0; k < 6; k++) await first.exporter.consume(batchOf(k, 4));
    await vi.waitFor(() => expect(dest.attempts).toBeGreaterThan(4));
    await first.exporter.shutdown();
    await extensions.pop()!.shutdown();
    expect(await exporterCounts(first.telemetry, 'otlp/pq')).toEqual({ sent: 0, failed: 0, enqueueFailed: 0 });
    expect(first.logs.some((l) => /stays in the persistent queue/.test(l.msg))).toBe(true);

    dest.mode = 'ok';
    const second = await exporterOn(await storage(), dest, { num_consumers: 1 });
    await vi.waitFor(() => expect(dest.delivered).toHaveLength(24));
    // One consumer: the order they were written.
    expect(dest.delivered).toEqual(Array.from({ length: 6 }, (_, k) => names(k, 4)).flat());
    expect(await exporterCounts(second.telemetry, 'otlp/pq')).toEqual({ sent: 24, failed: 0, enqueueFailed: 0 });
    expect(second.logs.find((l) => /recovered data from the previous run/.test(l.msg))).toMatchObject({ batches: 6, spans: 24 });
    await second.exporter.shutdown();
    // Everything acknowledged: no segment left behind.
    expect(readdirSync(queueDir()).filter((n) => n.startsWith('seg-'))).toEqual([]);
  });

  it('after a crash, replays every acknowledged batch and counts those that were being sent as possible duplicates', async () => {
    const dest = new Destination();
    dest.mode = 'hang';
    const ext = await storage();
    const crashed = await exporterOn(ext, dest, { num_consumers: 2 });
    for (let k = 0; k < 5; k++) await crashed.exporter.consume(batchOf(k, 2));
    await vi.waitFor(() => expect(dest.attempts).toBe(2));
    await new Promise((r) => setTimeout(r, 20)); // the dispatch marks are written on setImmediate
    // "kill -9": nothing is closed or flushed; the lock still names this (live) process, so remove it
    // as the death of another process would have made it stale.
    unlinkSync(join(queueDir(), 'LOCK'));

    const dest2 = new Destination();
    const restarted = await exporterOn(await storage('file_storage/2'), dest2, { num_consumers: 1 });
    await vi.waitFor(() => expect(dest2.delivered).toHaveLength(10));
    expect(dest2.delivered).toEqual(Array.from({ length: 5 }, (_, k) => names(k, 2)).flat());
    // b0 and b1 were in flight when it "died": the destination may have them already.
    expect(await queueCounts(restarted.telemetry, 'otlp/pq')).toMatchObject({ possibleDuplicates: 4, corrupt: 0 });
    expect(restarted.logs.find((l) => /recovered data/.test(l.msg))).toMatchObject({ batches: 5, possible_duplicate_spans: 4 });
    // Let the abandoned exporter go without touching the directory the new one owns.
    dest.mode = 'down';
  });

  it('counts the batch of an attempt aborted at shutdown as a possible duplicate, and keeps it', async () => {
    const dest = new Destination();
    dest.mode = 'hang';
    const first = await exporterOn(await storage(), dest, { num_consumers: 1 });
    await first.exporter.consume(batchOf(0, 3));
    await vi.waitFor(() => expect(dest.attempts).toBe(1));
    await first.exporter.shutdown();
    expect(await queueCounts(first.telemetry, 'otlp/pq')).toMatchObject({ possibleDuplicates: 3, size: 0 });
    expect(await exporterCounts(first.telemetry, 'otlp/pq')).toMatchObject({ failed: 0 });
    expect((await recoverDirectory(queueDir())).recovered.map((r) => r.items)).toEqual([3]);
  });

  it('reads batches beyond the in-memory budget back from disk; a record damaged there is skipped and counted', async () => {
    const dest = new Destination();
    dest.mode = 'hang';
    const { exporter, telemetry, logs } = await exporterOn(await storage(), dest, { num_consumers: 1 }, { hotBytes: 0 });
    for (let k = 0; k < 3; k++) await exporter.consume(batchOf(k, 5));
    // Damage the second record's payload on disk while it waits its turn.
    const seg = join(queueDir(), readdirSync(queueDir()).find((n) => n.endsWith('.log'))!);
    const bytes = readFileSync(seg);
    const onDisk = (await recoverDirectory(queueDir())).recovered;
    const secondPayload = FILE_HEADER_BYTES + RECORD_HEADER_BYTES + onDisk[0]!.bytes + RECORD_HEADER_BYTES;
    bytes[secondPayload + 20]! ^= 0xff;
    writeFileSync(seg, bytes);
    dest.mode = 'ok';
    await vi.waitFor(() => expect(dest.delivered).toHaveLength(10), { timeout: 5000 });
    expect(dest.delivered).toEqual([...names(0, 5), ...names(2, 5)]);
    expect(await exporterCounts(telemetry, 'otlp/pq')).toEqual({ sent: 10, failed: 5, enqueueFailed: 0 });
    expect(await queueCounts(telemetry, 'otlp/pq')).toMatchObject({ corrupt: 1 });
    expect(logs.find((l) => /record is corrupt/.test(l.msg))).toMatchObject({ spans: 5, reason: 'payload checksum mismatch on read-back' });
  });

  it('reports a torn record found at start (counter, failed spans, log line) and replays the rest', async () => {
    const dest = new Destination();
    dest.mode = 'down';
    const first = await exporterOn(await storage(), dest);
    for (let k = 0; k < 3; k++) await first.exporter.consume(batchOf(k, 4));
    await first.exporter.shutdown();
    await extensions.pop()!.shutdown();
    const seg = join(queueDir(), readdirSync(queueDir()).find((n) => n.endsWith('.log'))!);
    writeFileSync(seg, readFileSync(seg).subarray(0, -5));
    dest.mode = 'ok';
    const second = await exporterOn(await storage(), dest, { num_consumers: 1 });
    await vi.waitFor(() => expect(dest.delivered).toHaveLength(8));
    expect(dest.delivered).toEqual([...names(0, 4), ...names(1, 4)]);
    expect(await queueCounts(second.telemetry, 'otlp/pq')).toMatchObject({ corrupt: 1 });
    expect(await exporterCounts(second.telemetry, 'otlp/pq')).toEqual({ sent: 8, failed: 4, enqueueFailed: 0 });
    expect(second.logs.find((l) => /record is corrupt/.test(l.msg))).toMatchObject({ spans: 4, file: seg });
  });

  it('is bounded by queue_size (requests): a full persistent queue refuses with TP_QUEUE_FULL', async () => {
    const dest = new Destination();
    dest.mode = 'hang';
    const { exporter, telemetry } = await exporterOn(await storage(), dest, { queue_size: 2, num_consumers: 1 });
    await exporter.consume(batchOf(0, 1));
    await exporter.consume(batchOf(1, 1));
    const err = await exporter.consume(batchOf(2, 6)).then(
      () => undefined,
      (e: unknown) => e as CollectorError,
    );
    expect(err?.code).toBe('TP_QUEUE_FULL');
    expect(await exporterCounts(telemetry, 'otlp/pq')).toMatchObject({ enqueueFailed: 6 });
    expect((await recoverDirectory(queueDir())).recovered).toHaveLength(2);
  });

  it('refuses a batch it could not write (TP_QUEUE_FULL, counted), never acknowledging it', async () => {
    const failing: Extension & QueueStorage = {
      start: async () => {},
      shutdown: async () => {},
      openQueueLog: async (): Promise<QueueLog> => ({
        recovered: [],
        corrupt: [],
        append: () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })),
        read: () => Promise.reject(new Error('unused')),
        markDispatched: () => {},
        ack: () => {},
        close: async () => {},
      }),
    };
    const dest = new Destination();
    const { exporter, telemetry, logs } = await exporterOn(failing, dest);
    const err = await exporter.consume(batchOf(0, 3)).then(
      () => undefined,
      (e: unknown) => e as CollectorError,
    );
    expect(err).toMatchObject({ code: 'TP_QUEUE_FULL', retryable: true });
    expect(err!.message).toContain('ENOSPC');
    expect(await exporterCounts(telemetry, 'otlp/pq')).toEqual({ sent: 0, failed: 0, enqueueFailed: 3 });
    expect(await queueCounts(telemetry, 'otlp/pq')).toMatchObject({ size: 0 });
    expect(logs.some((l) => /could not write/.test(l.msg))).toBe(true);
  });

  it('fails start with a clear error for an unknown storage id or an extension that is not storage', async () => {
    const dest = new Destination();
    await expect(exporterOn(undefined, dest)).rejects.toThrow(
      'sending_queue.storage: no extension "file_storage" is running; define it under extensions: and list it in service.extensions',
    );
    const notStorage: Extension = { start: async () => {}, shutdown: async () => {} };
    await expect(exporterOn(notStorage, dest, {}, {}, 'otlp/other')).rejects.toThrow('extension "file_storage" is not a storage extension');
  });

  it('two exporters on one file_storage get separate directories', async () => {
    const ext = await storage();
    const dest = new Destination();
    dest.mode = 'down';
    const a = await exporterOn(ext, dest, {}, {}, 'otlp/a');
    const b = await exporterOn(ext, dest, {}, {}, 'otlphttp');
    await a.exporter.consume(batchOf(0, 1));
    await b.exporter.consume(batchOf(1, 2));
    expect(readdirSync(dir).sort()).toEqual(['exporter_otlp_a_traces', 'exporter_otlphttp__traces']);
    expect(parseComponentId('otlphttp').name).toBe('');
  });
});
