/**
 * What a persistent sending queue needs from a storage extension (`sending_queue.storage: <id>`).
 * otelcol's storage extensions offer a key-value client; ours offer a durable record log, which
 * is what a queue is: append (acknowledged only once written), read back, mark dispatched,
 * acknowledge, recover after a restart. `file_storage` implements it
 * (collector/src/extensions/file_storage/).
 */
import type { Extension } from '../../component/types.ts';

/** Who opens the log; the extension derives a directory name from it, as otelcol names its files. */
export interface QueueLogOwner {
  readonly kind: 'exporter';
  /** Component type and name, e.g. `otlp` and `tempo` for `otlp/tempo`. */
  readonly type: string;
  readonly name: string;
  readonly signal: 'traces';
}

/** A record's place in the log. Opaque to the queue apart from the fields below. */
export interface QueueRecord {
  readonly seq: number;
  /** Spans in the record. */
  readonly items: number;
  /** Payload bytes (the encoded ExportTraceServiceRequest). */
  readonly bytes: number;
}

export interface RecoveredRecord extends QueueRecord {
  /** The previous run handed it to a sender without acknowledging it: it may have been delivered. */
  readonly wasDispatched: boolean;
}

/** A record found damaged while recovering or reading back. */
export interface CorruptRecordReport {
  readonly file: string;
  readonly offset: number;
  readonly reason: string;
  /** Spans it held, when its header was still intact; undefined when unknown. */
  readonly items: number | undefined;
}

export class CorruptRecordError extends Error {
  readonly report: CorruptRecordReport;
  constructor(report: CorruptRecordReport) {
    super(`corrupt queue record in ${report.file} at offset ${report.offset}: ${report.reason}`);
    this.name = 'CorruptRecordError';
    this.report = report;
  }
}

export interface QueueLog {
  /** Unacknowledged records found on disk at open, oldest first. */
  readonly recovered: readonly RecoveredRecord[];
  /** Damaged records skipped while recovering (already excluded from `recovered`). */
  readonly corrupt: readonly CorruptRecordReport[];
  /**
   * Appends one record; resolves once it is written (and fsynced when the extension is so
   * configured), so the caller may acknowledge the data. Concurrent appends are written together.
   */
  append(payload: Buffer, items: number): Promise<QueueRecord>;
  /** The record's payload, checksum verified; rejects with CorruptRecordError when damaged. */
  read(record: QueueRecord): Promise<Buffer>;
  /** Notes that the record is being sent (so a crash now is reported as possible duplicates). */
  markDispatched(record: QueueRecord): void;
  /** The record is done with (sent, or dropped and counted): it will not be replayed. */
  ack(record: QueueRecord): void;
  /** Flushes acknowledgements, closes files, releases the directory lock. Idempotent. */
  close(): Promise<void>;
}

export interface QueueStorage {
  /** Opens (and recovers) the owner's queue log; fails when it is locked by another process. */
  openQueueLog(owner: QueueLogOwner): Promise<QueueLog>;
}

export function isQueueStorage(ext: Extension | undefined): ext is Extension & QueueStorage {
  return ext !== undefined && typeof (ext as Partial<QueueStorage>).openQueueLog === 'function';
}
