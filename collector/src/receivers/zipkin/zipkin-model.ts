/**
 * The decoded form of Zipkin spans, shared by the v2 JSON, v2 protobuf and v1 JSON decoders, so
 * one translator maps them all to OTLP (translate.ts). It is Zipkin's v2 model (zipkin2.Span);
 * v1 spans are converted to it (json-v1.ts). Ids are Buffers of exactly 16 (trace, left-padded
 * with zeros when 64-bit) and 8 (span) bytes.
 */

/** The one error type the Zipkin decoders throw for bad input (the receiver answers 400). */
export class ZipkinDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipkinDecodeError';
  }
}

// zipkin2 Span.Kind (the protobuf numbering; 0 = absent).
export const KIND_NONE = 0;
export const KIND_CLIENT = 1;
export const KIND_SERVER = 2;
export const KIND_PRODUCER = 3;
export const KIND_CONSUMER = 4;

export class ZipkinEndpoint {
  serviceName: string;
  /** Dotted-quad text, '' when absent. */
  ipv4: string;
  /** RFC 5952 text, '' when absent. */
  ipv6: string;
  /** 0 when absent. */
  port: number;
  constructor(serviceName: string, ipv4: string, ipv6: string, port: number) {
    this.serviceName = serviceName;
    this.ipv4 = ipv4;
    this.ipv6 = ipv6;
    this.port = port;
  }
}

export class ZipkinAnnotation {
  timestampUs: number;
  value: string;
  constructor(timestampUs: number, value: string) {
    this.timestampUs = timestampUs;
    this.value = value;
  }
}

export class ZipkinSpan {
  traceId: Buffer;
  id: Buffer;
  parentId: Buffer | null;
  kind: number;
  name: string;
  /** Microseconds since the epoch; 0 when absent. */
  timestampUs: number;
  durationUs: number;
  localEndpoint: ZipkinEndpoint | null;
  remoteEndpoint: ZipkinEndpoint | null;
  annotations: ZipkinAnnotation[];
  /** Insertion-ordered; the translator removes the tags it maps to other fields. */
  tags: Map<string, string>;
  debug: boolean;
  shared: boolean;
  constructor(traceId: Buffer, id: Buffer) {
    this.traceId = traceId;
    this.id = id;
    this.parentId = null;
    this.kind = KIND_NONE;
    this.name = '';
    this.timestampUs = 0;
    this.durationUs = 0;
    this.localEndpoint = null;
    this.remoteEndpoint = null;
    this.annotations = [];
    this.tags = new Map();
    this.debug = false;
    this.shared = false;
  }
}

const HEX = /^[0-9a-fA-F]+$/;

/**
 * A hex id of up to `bytes` bytes, left-padded with zeros (zipkin-go accepts 1..16 / 1..32
 * digits). Throws ZipkinDecodeError naming the field.
 */
export function hexId(value: unknown, bytes: number, field: string): Buffer {
  if (typeof value !== 'string') throw new ZipkinDecodeError(`${field}: expected a hex string, got ${describe(value)}`);
  if (value.length === 0 || value.length > bytes * 2 || !HEX.test(value)) {
    throw new ZipkinDecodeError(`${field}: expected 1 to ${bytes * 2} hex digits, got "${clip(value)}"`);
  }
  return Buffer.from(value.length === bytes * 2 ? value : value.padStart(bytes * 2, '0'), 'hex');
}

export function isZero(id: Buffer): boolean {
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/** An IPv6 address (16 bytes) as Go's net.IP.String() writes it: IPv4-mapped as dotted, else RFC 5952. */
export function ipv6Text(b: Buffer): string {
  let mapped = b[10] === 0xff && b[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (b[i] !== 0) mapped = false;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  // Longest run of zero groups (two or more) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let g = 0; g < 8; ) {
    if (b.readUInt16BE(g * 2) !== 0) {
      g++;
      continue;
    }
    let e = g;
    while (e < 8 && b.readUInt16BE(e * 2) === 0) e++;
    if (e - g > bestLen) {
      bestStart = g;
      bestLen = e - g;
    }
    g = e;
  }
  if (bestLen < 2) bestStart = -1;
  let out = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += '::';
      g += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += b.readUInt16BE(g * 2).toString(16);
  }
  return out;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v;
}

export function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}
