/**
 * On-disk formats of the queue log (all integers little-endian):
 *
 * Segment file `seg-<first seq, 16 hex digits>.log`: a 16-byte file header, then records.
 *
 *   file header   0  8  "TPQSEG01"
 *                 8  4  format version (1)
 *                12  4  reserved (0)
 *
 *   record        0  4  magic 0x31515054 ("TPQ1" as bytes)
 *                 4  4  flags (0; reserved)
 *                 8  4  payload length in bytes
 *                12  4  items (spans in the payload)
 *                16  8  sequence number (u32 low, u32 high; < 2^53)
 *                24  4  CRC-32 of the payload
 *                28  4  CRC-32 of header bytes 0..28
 *                32  …  payload: one encoded ExportTraceServiceRequest
 *
 * The header has its own checksum so that a record whose payload is damaged or cut short still
 * says how many spans were lost (and whether it had been acknowledged), and so that recovery can
 * re-synchronise on the next intact header after garbage.
 *
 * Ack file `seg-<same>.ack`, beside its segment: 16-byte entries, appended.
 *
 *   entry         0  4  kind: 1 = dispatched (handed to a sender), 2 = acknowledged (done with)
 *                 4  8  sequence number (u32 low, u32 high)
 *                12  4  CRC-32 of bytes 0..12
 *
 * CRC-32 is zlib's (IEEE 802.3 polynomial), node:zlib.crc32 where it exists (Node >= 20.15 and
 * 22.2; native and fast), a table-driven fallback otherwise. Not CRC-32C: Node has no built-in
 * Castagnoli, and either detects torn and flipped bytes equally well for this purpose.
 */
import * as zlib from 'node:zlib';

export const FILE_MAGIC = Buffer.from('TPQSEG01', 'latin1');
export const FILE_HEADER_BYTES = 16;
export const FORMAT_VERSION = 1;
export const RECORD_MAGIC = 0x31515054;
export const RECORD_MAGIC_BYTES = Buffer.from([0x54, 0x50, 0x51, 0x31]);
export const RECORD_HEADER_BYTES = 32;
export const ACK_ENTRY_BYTES = 16;
export const ACK_DISPATCHED = 1;
export const ACK_DONE = 2;

const TWO_32 = 4294967296;

type Crc32 = (data: Uint8Array, initial?: number) => number;

function tableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data, initial = 0) => {
    let crc = (initial ^ 0xffffffff) >>> 0;
    for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };
}

const nativeCrc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** CRC-32 (zlib); `initial` continues a previous value. */
export const crc32: Crc32 = typeof nativeCrc32 === 'function' ? nativeCrc32 : tableCrc32();
export const crc32IsNative = typeof nativeCrc32 === 'function';
/** The JS fallback, exported so tests can check it against zlib's. */
export const crc32Fallback: Crc32 = tableCrc32();

export function fileHeader(): Buffer {
  const b = Buffer.alloc(FILE_HEADER_BYTES);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt32LE(FORMAT_VERSION, 8);
  return b;
}

/** The 32-byte header for a payload. */
export function recordHeader(payload: Buffer, items: number, seq: number): Buffer {
  const h = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  h.writeUInt32LE(RECORD_MAGIC, 0);
  h.writeUInt32LE(0, 4);
  h.writeUInt32LE(payload.length, 8);
  h.writeUInt32LE(items, 12);
  h.writeUInt32LE(seq % TWO_32, 16);
  h.writeUInt32LE(Math.floor(seq / TWO_32), 20);
  h.writeUInt32LE(crc32(payload), 24);
  h.writeUInt32LE(crc32(h.subarray(0, 28)), 28);
  return h;
}

export interface RecordHeader {
  readonly length: number;
  readonly items: number;
  readonly seq: number;
  readonly payloadCrc: number;
}

/** Parses the header at `off` (caller checked 32 bytes are there); undefined when not an intact header. */
export function parseRecordHeader(buf: Buffer, off: number): RecordHeader | undefined {
  if (buf.readUInt32LE(off) !== RECORD_MAGIC) return undefined;
  if (crc32(buf.subarray(off, off + 28)) !== buf.readUInt32LE(off + 28)) return undefined;
  return {
    length: buf.readUInt32LE(off + 8),
    items: buf.readUInt32LE(off + 12),
    seq: buf.readUInt32LE(off + 16) + buf.readUInt32LE(off + 20) * TWO_32,
    payloadCrc: buf.readUInt32LE(off + 24),
  };
}

export function ackEntry(kind: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(ACK_ENTRY_BYTES);
  writeAckEntry(b, 0, kind, seq);
  return b;
}

export function writeAckEntry(b: Buffer, off: number, kind: number, seq: number): void {
  b.writeUInt32LE(kind, off);
  b.writeUInt32LE(seq % TWO_32, off + 4);
  b.writeUInt32LE(Math.floor(seq / TWO_32), off + 8);
  b.writeUInt32LE(crc32(b.subarray(off, off + 12)), off + 12);
}

/** Reads the ack entries of an ack file: seq -> highest kind seen. Damaged entries are skipped. */
export function parseAckEntries(buf: Buffer, into: Map<number, number>): { entries: number; damaged: number } {
  let entries = 0;
  let damaged = 0;
  const whole = buf.length - (buf.length % ACK_ENTRY_BYTES);
  for (let off = 0; off < whole; off += ACK_ENTRY_BYTES) {
    if (crc32(buf.subarray(off, off + 12)) !== buf.readUInt32LE(off + 12)) {
      damaged++;
      continue;
    }
    const kind = buf.readUInt32LE(off);
    if (kind !== ACK_DISPATCHED && kind !== ACK_DONE) {
      damaged++;
      continue;
    }
    const seq = buf.readUInt32LE(off + 4) + buf.readUInt32LE(off + 8) * TWO_32;
    const prev = into.get(seq) ?? 0;
    if (kind > prev) into.set(seq, kind);
    entries++;
  }
  // A torn final entry (the process died mid-append) is expected; it only costs a resend.
  if (whole !== buf.length) damaged++;
  return { entries, damaged };
}

export function segmentFileName(firstSeq: number): string {
  return `seg-${firstSeq.toString(16).padStart(16, '0')}.log`;
}

export function ackFileName(firstSeq: number): string {
  return `seg-${firstSeq.toString(16).padStart(16, '0')}.ack`;
}

/** First sequence number of a segment file name, undefined for other files. */
export function parseSegmentFileName(name: string): number | undefined {
  const m = /^seg-([0-9a-f]{16})\.log$/.exec(name);
  return m === null ? undefined : parseInt(m[1]!, 16);
}
