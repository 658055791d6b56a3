/**
 * The queue log of one owner (an exporter's persistent sending queue) in its own directory:
 * append-only segment files with checksummed records (record-format.ts), an ack file per segment,
 * a LOCK file. Implements exporterhelper's QueueLog.
 *
 * Writes are group commits: appends made while a write is in progress (or in the same tick) go
 * out together in one writev (and one fdatasync with `fsync: true`), and each append resolves
 * only when its bytes are written. So many concurrent senders cost one system call, not one each.
 * Acknowledgements and dispatch marks are written the same way, on setImmediate, and are never
 * fsynced: losing one costs a resend (at-least-once), never data.
 *
 * A segment is rotated once it holds `segmentBytes`; a sealed segment whose records are all
 * acknowledged is deleted with its ack file. The disk used is therefore the unacknowledged
 * records plus the acknowledged ones that share a segment with an unacknowledged one.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  CorruptRecordError,
  type CorruptRecordReport,
  type QueueLog,
  type QueueRecord,
  type RecoveredRecord,
} from '../../exporters/exporterhelper/persistent-storage.ts';
import { DirLock } from './dir-lock.ts';
import {
  ACK_DISPATCHED,
  ACK_DONE,
  ACK_ENTRY_BYTES,
  ackFileName,
  crc32,
  FILE_HEADER_BYTES,
  fileHeader,
  parseRecordHeader,
  RECORD_HEADER_BYTES,
  recordHeader,
  segmentFileName,
  writeAckEntry,
} from './record-format.ts';
import { recoverDirectory } from './recovery.ts';
import { LogRecord, Segment } from './segment.ts';

export const DEFAULT_SEGMENT_BYTES = 8 * 1024 * 1024;

export interface SegmentLogOptions {
  readonly fsync: boolean;
  /** How long to wait for another process's LOCK. */
  readonly lockTimeoutMs: number;
  /** Rotate after this many bytes (default 8 MiB). */
  readonly segmentBytes?: number;
  readonly logger: Logger;
  /** Called once close() has released everything. */
  readonly onClose?: () => void;
}

interface PendingAppend {
  readonly header: Buffer;
  readonly payload: Buffer;
  readonly seq: number;
  readonly items: number;
  resolve(record: QueueRecord): void;
  reject(err: unknown): void;
}

export class SegmentLog implements QueueLog {
  readonly dir: string;
  readonly recovered: readonly RecoveredRecord[];
  readonly corrupt: readonly CorruptRecordReport[];
  private readonly options: SegmentLogOptions;
  private readonly segmentBytes: number;
  private readonly lock: DirLock;
  /** Live segments, oldest first; the last one is active when not sealed. */
  private readonly segments: Segment[];
  private nextSeq: number;
  private pending: PendingAppend[] = [];
  private writing: Promise<void> | null = null;
  private writeScheduled = false;
  private readonly ackDirty = new Set<Segment>();
  private ackFlushScheduled = false;
  private ackFlushing: Promise<void> | null = null;
  private closed = false;
  /** close() has released everything. */
  private finished = false;
  private closePromise: Promise<void> | null = null;

  private constructor(dir: string, lock: DirLock, options: SegmentLogOptions, segments: Segment[], recovered: RecoveredRecord[], corrupt: CorruptRecordReport[], maxSeq: number) {
    this.dir = dir;
    this.lock = lock;
    this.options = options;
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.segments = segments;
    this.recovered = recovered;
    this.corrupt = corrupt;
    this.nextSeq = maxSeq + 1;
  }

  /** Creates the directory if needed, takes its lock, recovers what is there. */
  static async open(dir: string, options: SegmentLogOptions): Promise<SegmentLog> {
    await mkdir(dir, { recursive: true, mode: 0o750 });
    const lock = await DirLock.acquire(dir, options.lockTimeoutMs);
    try {
      const r = await recoverDirectory(dir);
      if (r.damagedAckEntries > 0) {
        options.logger.info({ dir, damaged_ack_entries: r.damagedAckEntries }, 'Queue log: unreadable acknowledgements skipped (those records may be sent again)');
      }
      const log = new SegmentLog(dir, lock, options, r.segments, r.recovered, r.corrupt, r.maxSeq);
      // Fully acknowledged (or empty) segments from the previous run go now.
      for (const s of r.segments) if (s.deletable) log.scheduleDelete(s);
      return log;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  append(payload: Buffer, items: number): Promise<QueueRecord> {
    if (this.closed) return Promise.reject(new Error('the queue log is closed'));
    return new Promise<QueueRecord>((resolve, reject) => {
      const seq = this.nextSeq++;
      this.pending.push({ header: recordHeader(payload, items, seq), payload, seq, items, resolve, reject });
      if (this.writing === null && !this.writeScheduled) {
        // Wait for the rest of this tick's appends so they share the write.
        this.writeScheduled = true;
        queueMicrotask(() => {
          this.writeScheduled = false;
          if (this.writing === null) this.writing = this.writeLoop();
        });
      }
    });
  }

  async read(record: QueueRecord): Promise<Buffer> {
    const r = record as LogRecord;
    const seg = r.segment;
    const report = (reason: string): CorruptRecordError => new CorruptRecordError({ file: seg.path, offset: r.offset, reason, items: r.items });
    const fh = await seg.readHandle();
    const buf = Buffer.allocUnsafe(RECORD_HEADER_BYTES + r.bytes);
    const { bytesRead } = await fh.read(buf, 0, buf.length, r.offset);
    if (bytesRead < buf.length) throw report(`read back ${bytesRead} of ${buf.length} bytes`);
    const h = parseRecordHeader(buf, 0);
    if (h === undefined || h.seq !== r.seq || h.length !== r.bytes) throw report('record header changed on disk');
    const payload = buf.subarray(RECORD_HEADER_BYTES);
    if (crc32(payload) !== h.payloadCrc) throw report('payload checksum mismatch on read-back');
    return payload;
  }

  markDispatched(record: QueueRecord): void {
    this.noteAck(record as LogRecord, ACK_DISPATCHED);
  }

  ack(record: QueueRecord): void {
    const r = record as LogRecord;
    if (r.acked) return;
    r.acked = true;
    const seg = r.segment;
    seg.settled++;
    if (seg.deletable) {
      this.scheduleDelete(seg);
      return;
    }
    this.noteAck(r, ACK_DONE);
  }

  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  /** Bytes and files on disk, for tests and logs. */
  get stats(): { segments: number; bytes: number } {
    let bytes = 0;
    let segments = 0;
    for (const s of this.segments) {
      if (s.deleted) continue;
      segments++;
      bytes += s.size;
    }
    return { segments, bytes };
  }

  // ---- appends ----

  private async writeLoop(): Promise<void> {
    while (this.pending.length > 0) {
      const round = this.pending;
      this.pending = [];
      try {
        await this.writeRound(round);
      } catch (err) {
        for (const p of round) p.reject(err);
      }
    }
    this.writing = null;
  }

  private async writeRound(round: PendingAppend[]): Promise<void> {
    let total = 0;
    for (const p of round) total += RECORD_HEADER_BYTES + p.payload.length;
    const seg = await this.activeSegment(round[0]!.seq);
    const writer = seg.writer!;
    const buffers: Buffer[] = new Array<Buffer>(round.length * 2);
    for (let k = 0; k < round.length; k++) {
      buffers[2 * k] = round[k]!.header;
      buffers[2 * k + 1] = round[k]!.payload;
    }
    const start = seg.size;
    try {
      const { bytesWritten } = await writer.writev(buffers, start);
      if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes (disk full?)`);
      if (this.options.fsync) await writer.datasync();
    } catch (err) {
      // Leave no half record behind for the next run to report; if that fails too, start afresh.
      await writer.truncate(start).catch(() => this.seal(seg));
      throw err;
    }
    let off = start;
    for (const p of round) {
      const rec = new LogRecord(p.seq, p.items, p.payload.length, seg, off);
      off += RECORD_HEADER_BYTES + p.payload.length;
      seg.records++;
      p.resolve(rec);
    }
    seg.size = off;
    if (seg.size >= this.segmentBytes) this.seal(seg);
  }

  /** The segment to write to: the current one, or a new file starting at `firstSeq`. */
  private async activeSegment(firstSeq: number): Promise<Segment> {
    const last = this.segments.at(-1);
    if (last !== undefined && !last.sealed && last.writer !== null) return last;
    const name = segmentFileName(firstSeq);
    const seg = new Segment(firstSeq, join(this.dir, name), join(this.dir, ackFileName(firstSeq)), 0, false);
    const fh: FileHandle = await open(seg.path, 'wx', 0o640);
    try {
      const header = fileHeader();
      await fh.write(header, 0, header.length, 0);
      if (this.options.fsync) {
        await fh.datasync();
        await syncDirectory(this.dir);
      }
    } catch (err) {
      await fh.close().catch(() => {});
      await unlink(seg.path).catch(() => {});
      throw err;
    }
    seg.writer = fh;
    seg.size = FILE_HEADER_BYTES;
    this.segments.push(seg);
    return seg;
  }

  private seal(seg: Segment): void {
    if (seg.sealed) return;
    seg.sealed = true;
    const writer = seg.writer;
    seg.writer = null;
    void writer?.close().catch(() => {});
    if (seg.deletable) this.scheduleDelete(seg);
  }

  // ---- acknowledgements ----

  private noteAck(record: LogRecord, kind: number): void {
    const seg = record.segment;
    // After close() nothing is written any more: a lost mark only means a resend.
    if (seg.deleted || this.finished) return;
    seg.pendingAcks.push(kind, record.seq);
    this.ackDirty.add(seg);
    this.scheduleAckFlush();
  }

  private scheduleDelete(seg: Segment): void {
    seg.deleted = true;
    seg.pendingAcks = [];
    this.ackDirty.add(seg);
    this.scheduleAckFlush();
  }

  private scheduleAckFlush(): void {
    if (this.ackFlushScheduled) return;
    this.ackFlushScheduled = true;
    // setImmediate: acknowledgements of one event-loop turn (several consumers) share a write.
    setImmediate(() => {
      this.ackFlushScheduled = false;
      void this.flushAcks();
    });
  }

  /** Writes pending ack entries and deletes finished segments; one flush at a time. */
  private flushAcks(): Promise<void> {
    if (this.ackFlushing !== null) {
      // Run again after the current one; scheduleAckFlush keeps the pending work.
      return this.ackFlushing.then(() => this.flushAcks());
    }
    if (this.ackDirty.size === 0) return Promise.resolve();
    const run = this.flushAcksOnce().finally(() => {
      this.ackFlushing = null;
    });
    this.ackFlushing = run;
    return run;
  }

  private async flushAcksOnce(): Promise<void> {
    const dirty = [...this.ackDirty];
    this.ackDirty.clear();
    for (const seg of dirty) {
      try {
        if (seg.deleted) await this.deleteSegment(seg);
        else await this.writeAcks(seg);
      } catch (err) {
        this.options.logger.warn({ file: seg.ackPath, error: (err as Error).message }, 'Queue log: could not write acknowledgements (those records may be sent again after a restart)');
      }
    }
  }

  private async writeAcks(seg: Segment): Promise<void> {
    const entries = seg.pendingAcks;
    if (entries.length === 0) return;
    seg.pendingAcks = [];
    const buf = Buffer.allocUnsafe((entries.length / 2) * ACK_ENTRY_BYTES);
    for (let k = 0, off = 0; k < entries.length; k += 2, off += ACK_ENTRY_BYTES) writeAckEntry(buf, off, entries[k]!, entries[k + 1]!);
    seg.ackWriter ??= await open(seg.ackPath, 'a', 0o640);
    await seg.ackWriter.write(buf, 0, buf.length);
  }

  private async deleteSegment(seg: Segment): Promise<void> {
    await seg.closeHandles();
    await unlink(seg.path).catch(ignoreMissing);
    await unlink(seg.ackPath).catch(ignoreMissing);
    const i = this.segments.indexOf(seg);
    if (i !== -1) this.segments.splice(i, 1);
  }

  // ---- close ----

  private async doClose(): Promise<void> {
    this.closed = true;
    // Appends already accepted finish writing (their callers were told "not yet").
    while (this.writing !== null || this.writeScheduled) {
      if (this.writing !== null) await this.writing;
      else await new Promise<void>((r) => queueMicrotask(r));
    }
    const active = this.segments.at(-1);
    if (active !== undefined && !active.sealed) this.seal(active);
    await this.flushAcks();
    while (this.ackDirty.size > 0 || this.ackFlushing !== null) await this.flushAcks();
    this.finished = true;
    for (const s of this.segments) await s.closeHandles();
    await this.lock.release();
    this.options.onClose?.();
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

/** fsync on the directory, so a new file's name survives a power loss (fsync: true only). */
async function syncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
