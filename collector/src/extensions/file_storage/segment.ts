/**
 * One segment of a queue log: its data file, its ack file, and the counts that say when it can
 * be deleted (sealed, and every intact record acknowledged). Records point at their segment, so
 * an acknowledgement needs no lookup table.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { QueueRecord } from '../../exporters/exporterhelper/persistent-storage.ts';

export class Segment {
  readonly firstSeq: number;
  readonly path: string;
  readonly ackPath: string;
  /** Intact records in the file. */
  records = 0;
  /** Of those, acknowledged. */
  settled = 0;
  /** Bytes in the file (the next record's offset while active). */
  size: number;
  /** No more appends: rotated away, or left by a previous run. */
  sealed: boolean;
  deleted = false;
  /** Open while this is the active segment. */
  writer: FileHandle | null = null;
  /** Opened when a record must be read back (cold records). */
  private reader: Promise<FileHandle> | null = null;
  /** Opened on the first acknowledgement, append mode. */
  ackWriter: FileHandle | null = null;
  /** Ack entries not yet written: kind, seq, kind, seq, ... */
  pendingAcks: number[] = [];

  constructor(firstSeq: number, path: string, ackPath: string, size: number, sealed: boolean) {
    this.firstSeq = firstSeq;
    this.path = path;
    this.ackPath = ackPath;
    this.size = size;
    this.sealed = sealed;
  }

  get deletable(): boolean {
    return this.sealed && !this.deleted && this.settled >= this.records;
  }

  readHandle(): Promise<FileHandle> {
    this.reader ??= open(this.path, 'r');
    return this.reader;
  }

  /** Closes every handle (errors ignored: the files are going away or the log is closing). */
  async closeHandles(): Promise<void> {
    const handles: (FileHandle | null)[] = [this.writer, this.ackWriter];
    this.writer = null;
    this.ackWriter = null;
    if (this.reader !== null) {
      handles.push(await this.reader.catch(() => null));
      this.reader = null;
    }
    await Promise.all(handles.map((h) => h?.close().catch(() => {})));
  }
}

/** A record in the log: what the queue holds and hands back to read() and ack(). */
export class LogRecord implements QueueRecord {
  readonly seq: number;
  readonly items: number;
  readonly bytes: number;
  readonly segment: Segment;
  /** Offset of the record header in the segment file. */
  readonly offset: number;
  acked = false;

  constructor(seq: number, items: number, bytes: number, segment: Segment, offset: number) {
    this.seq = seq;
    this.items = items;
    this.bytes = bytes;
    this.segment = segment;
    this.offset = offset;
  }
}

export class RecoveredLogRecord extends LogRecord {
  readonly wasDispatched: boolean;
  constructor(seq: number, items: number, bytes: number, segment: Segment, offset: number, wasDispatched: boolean) {
    super(seq, items, bytes, segment, offset);
    this.wasDispatched = wasDispatched;
  }
}
