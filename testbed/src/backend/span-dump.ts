/**
 * The binary form of GET /spans: a little-endian header, the tenant names as JSON, then the four
 * columns, each starting at a multiple of 4 bytes.
 *
 *   "TBSP" | version u32 = 1 | count u32 | epochMs f64 | tenantsJsonLength u32 | tenantsJson
 *   | pad to 4 | traceIds (16 x count) | spanIds (8 x count) | arrivalMs (u32 x count)
 *   | tenant (u16 x count)
 */
import type { ReceivedSpans } from './span-store.ts';

const MAGIC = 0x50534254; // "TBSP" read as a little-endian u32
const VERSION = 1;

const align4 = (n: number): number => (n + 3) & ~3;

export function encodeSpanDump(s: ReceivedSpans): Buffer {
  const tenants = Buffer.from(JSON.stringify(s.tenantNames), 'utf8');
  const header = 4 + 4 + 4 + 8 + 4;
  const tenantsEnd = align4(header + tenants.length);
  const total = tenantsEnd + s.count * (16 + 8 + 4) + align4(s.count * 2);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(VERSION, 4);
  out.writeUInt32LE(s.count, 8);
  out.writeDoubleLE(s.epochMs, 12);
  out.writeUInt32LE(tenants.length, 20);
  tenants.copy(out, header);
  let pos = tenantsEnd;
  out.set(s.traceIds, pos);
  pos += s.count * 16;
  out.set(s.spanIds, pos);
  pos += s.count * 8;
  out.set(new Uint8Array(s.arrivalMs.buffer, s.arrivalMs.byteOffset, s.count * 4), pos);
  pos += s.count * 4;
  out.set(new Uint8Array(s.tenant.buffer, s.tenant.byteOffset, s.count * 2), pos);
  return out;
}

export function decodeSpanDump(buf: Uint8Array): ReceivedSpans {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 24 || b.readUInt32LE(0) !== MAGIC) throw new Error('not a span dump');
  if (b.readUInt32LE(4) !== VERSION) throw new Error(`unsupported span dump version ${b.readUInt32LE(4)}`);
  const count = b.readUInt32LE(8);
  const epochMs = b.readDoubleLE(12);
  const tenantsLength = b.readUInt32LE(20);
  const tenantNames = JSON.parse(b.subarray(24, 24 + tenantsLength).toString('utf8')) as string[];
  let pos = align4(24 + tenantsLength);
  if (b.length < pos + count * 30) throw new Error('truncated span dump');
  // Copies, so the columns are aligned and independent of the response buffer.
  const traceIds = b.subarray(pos, pos + count * 16).slice();
  pos += count * 16;
  const spanIds = b.subarray(pos, pos + count * 8).slice();
  pos += count * 8;
  const arrivalMs = new Uint32Array(count);
  new Uint8Array(arrivalMs.buffer).set(b.subarray(pos, pos + count * 4));
  pos += count * 4;
  const tenant = new Uint16Array(count);
  new Uint8Array(tenant.buffer).set(b.subarray(pos, pos + count * 2));
  return {
    count,
    traceIds: new Uint8Array(traceIds),
    spanIds: new Uint8Array(spanIds),
    arrivalMs,
    tenant,
    tenantNames,
    epochMs,
  };
}
