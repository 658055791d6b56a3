/**
 * Reading a queue directory back after a restart (clean or kill -9): every segment is scanned
 * record by record and checked against its checksums, its ack file says which records are done.
 *
 *  - intact and acknowledged: counted in the segment, not replayed;
 *  - intact and not acknowledged: replayed (flagged `wasDispatched` when it was being sent);
 *  - damaged (checksum mismatch, cut short, garbage): reported and skipped, never fatal. When the
 *    header is intact the report says how many spans were lost, and a damaged record that had
 *    already been acknowledged is not reported at all (nothing was lost). After garbage the scan
 *    re-synchronises on the next intact record header.
 *
 * Old segments are never appended to again (a run writes its own), so a torn tail needs no repair.
 * Ack files are cut back to whole entries so that new acknowledgements stay aligned.
 */
import { readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { CorruptRecordReport } from '../../exporters/exporterhelper/persistent-storage.ts';
import {
  ACK_DISPATCHED,
  ACK_DONE,
  ACK_ENTRY_BYTES,
  ackFileName,
  crc32,
  FILE_HEADER_BYTES,
  FILE_MAGIC,
  parseAckEntries,
  parseRecordHeader,
  parseSegmentFileName,
  RECORD_HEADER_BYTES,
  RECORD_MAGIC_BYTES,
} from './record-format.ts';
import { RecoveredLogRecord, Segment } from './segment.ts';

export interface RecoveryResult {
  readonly segments: Segment[];
  readonly recovered: RecoveredLogRecord[];
  readonly corrupt: CorruptRecordReport[];
  /** Highest sequence number seen anywhere (records, ack entries, file names); 0 when none. */
  readonly maxSeq: number;
  /** Ack entries that were unreadable (harmless: at worst a record is sent again). */
  readonly damagedAckEntries: number;
}

export async function recoverDirectory(dir: string): Promise<RecoveryResult> {
  const names = await readdir(dir);
  const firstSeqs = names
    .map(parseSegmentFileName)
    .filter((s): s is number => s !== undefined)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  const recovered: RecoveredLogRecord[] = [];
  const corrupt: CorruptRecordReport[] = [];
  let maxSeq = 0;
  let damagedAckEntries = 0;
  for (const firstSeq of firstSeqs) {
    if (firstSeq > maxSeq) maxSeq = firstSeq;
    const fileName = names.find((n) => parseSegmentFileName(n) === firstSeq)!;
    const path = join(dir, fileName);
    const ackPath = join(dir, ackFileName(firstSeq));
    const acks = new Map<number, number>();
    const ackBytes = await readFile(ackPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return Buffer.alloc(0);
      throw e;
    });
    damagedAckEntries += parseAckEntries(ackBytes, acks).damaged;
    if (ackBytes.length % ACK_ENTRY_BYTES !== 0) await truncate(ackPath, ackBytes.length - (ackBytes.length % ACK_ENTRY_BYTES));
    for (const seq of acks.keys()) if (seq > maxSeq) maxSeq = seq;

    const data = await readFile(path);
    const segment = new Segment(firstSeq, path, ackPath, (await stat(path)).size, true);
    const report = (offset: number, reason: string, items: number | undefined): void => {
      corrupt.push({ file: path, offset, reason, items });
    };
    let off = FILE_HEADER_BYTES;
    if (data.length < FILE_HEADER_BYTES) {
      // Created but cut before its header was complete: nothing was ever acknowledged from it.
      if (data.length > 0 && !FILE_MAGIC.subarray(0, data.length).equals(data)) report(0, 'damaged file header', undefined);
      off = data.length;
    } else if (!data.subarray(0, FILE_MAGIC.length).equals(FILE_MAGIC)) {
      report(0, 'damaged file header', undefined);
    }
    while (off < data.length) {
      if (data.length - off < RECORD_HEADER_BYTES) {
        report(off, `truncated record header (${data.length - off} of ${RECORD_HEADER_BYTES} bytes)`, undefined);
        break;
      }
      const h = parseRecordHeader(data, off);
      if (h === undefined) {
        const next = resync(data, off + 1);
        report(off, `damaged record header; skipped ${next - off} bytes`, undefined);
        off = next;
        continue;
      }
      if (h.seq > maxSeq) maxSeq = h.seq;
      const end = off + RECORD_HEADER_BYTES + h.length;
      const acked = acks.get(h.seq) === ACK_DONE;
      if (end > data.length) {
        if (!acked) report(off, `truncated record: payload has ${data.length - off - RECORD_HEADER_BYTES} of ${h.length} bytes`, h.items);
        break;
      }
      if (crc32(data.subarray(off + RECORD_HEADER_BYTES, end)) !== h.payloadCrc) {
        if (!acked) report(off, 'payload checksum mismatch', h.items);
        off = end;
        continue;
      }
      segment.records++;
      if (acked) segment.settled++;
      else recovered.push(new RecoveredLogRecord(h.seq, h.items, h.length, segment, off, acks.get(h.seq) === ACK_DISPATCHED));
      off = end;
    }
    segments.push(segment);
  }
  recovered.sort((a, b) => a.seq - b.seq);
  return { segments, recovered, corrupt, maxSeq, damagedAckEntries };
}

/** The offset of the next intact record header at or after `from`, or the end of the data. */
function resync(data: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const i = data.indexOf(RECORD_MAGIC_BYTES, at);
    if (i === -1 || data.length - i < RECORD_HEADER_BYTES) return data.length;
    if (parseRecordHeader(data, i) !== undefined) return i;
    at = i + 1;
  }
}
