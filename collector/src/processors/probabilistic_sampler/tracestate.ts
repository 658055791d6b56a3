/**
 * The W3C tracestate with its OpenTelemetry `ot` entry, parsed and serialized as otelcol's
 * pkg/sampling (W3CTraceState / OpenTelemetryTraceState) does. Slow path: only for spans that
 * arrive with a tracestate.
 *
 * Parsing (errors make the whole tracestate unusable, as in otelcol):
 * - at most 1024 bytes; members split on ',', trimmed of spaces / tabs, empty members skipped;
 *   32 or more list segments is an error (pkg/sampling counts every segment, empty ones too);
 * - key: lcalpha [a-z0-9_*\/-]* or tenant@system (tenant <= 241, system <= 14 bytes, key <=
 *   256); value: 1..256 printable ASCII except ',' and '=', not ending in a space;
 * - `ot` value: at most 256 bytes, `key:value` pairs separated by ';' (key [a-z][a-z0-9]*,
 *   value [A-Za-z0-9._-]*, no empty pair, no trailing ';'); `rv` must be 14 hex digits, `th`
 *   1..14 hex digits.
 * Serializing puts `ot=` first (rv, th, then the other ot pairs in order), then the other
 * members in their order: `ot=rv:...;th:...,vendor=x`.
 */
import { parseRValue, parseTValue, rValue, tValue } from './threshold.ts';

export class TraceStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceStateError';
  }
}

interface KV {
  key: string;
  value: string;
}

export class W3CTraceState {
  rv: bigint | null = null;
  th: bigint | null = null;
  /** The th value as it was written (kept when serialized unchanged). */
  tv = '';
  /** Other `ot` pairs, in order. */
  readonly otExtra: KV[] = [];
  /** Other W3C members, in order. */
  readonly members: KV[] = [];

  hasAnyOt(): boolean {
    return this.rv !== null || this.th !== null || this.otExtra.length > 0;
  }

  setRValue(r: bigint): void {
    this.rv = r;
  }

  clearTValue(): void {
    this.th = null;
    this.tv = '';
  }

  /**
   * Go's UpdateTValueWithSampling: refuses (returns false) to lower an existing threshold, i.e.
   * to raise the sampling probability; otherwise sets th.
   */
  updateTValue(t: bigint): boolean {
    if (this.th !== null && this.th > t) return false;
    this.th = t;
    this.tv = tValue(t);
    if (this.tv === '') this.th = null; // never-sample has no th value
    return true;
  }

  serialize(): string {
    const parts: string[] = [];
    if (this.hasAnyOt()) {
      const ot: string[] = [];
      if (this.rv !== null) ot.push(`rv:${rValue(this.rv)}`);
      if (this.th !== null) ot.push(`th:${this.tv}`);
      for (const kv of this.otExtra) ot.push(`${kv.key}:${kv.value}`);
      parts.push(`ot=${ot.join(';')}`);
    }
    for (const kv of this.members) parts.push(`${kv.key}=${kv.value}`);
    return parts.join(',');
  }
}

const MAX_W3C_LENGTH = 1024;
const MAX_PAIRS = 32;
const MAX_KEY_LENGTH = 256;
const MAX_TENANT_LENGTH = 241;
const MAX_SYSTEM_LENGTH = 14;
const MAX_OT_LENGTH = 256;

function isLcAlpha(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

function isLcAlphaNum(c: number): boolean {
  return isLcAlpha(c) || (c >= 0x30 && c <= 0x39);
}

function isKeyChars(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isLcAlphaNum(c) && c !== 0x5f && c !== 0x2d && c !== 0x2a && c !== 0x2f) return false;
  }
  return true;
}

function isValidKey(key: string): boolean {
  if (key === '') return false;
  const at = key.indexOf('@');
  if (at >= 0) {
    const tenant = key.slice(0, at);
    const system = key.slice(at + 1);
    if (tenant === '' || system === '') return false;
    return isLcAlphaNum(tenant.charCodeAt(0)) && isLcAlpha(system.charCodeAt(0)) && isKeyChars(tenant, 1) && isKeyChars(system, 1);
  }
  return isLcAlpha(key.charCodeAt(0)) && isKeyChars(key, 1);
}

function isNonBlank(c: number): boolean {
  return (c >= 0x21 && c <= 0x2b) || (c >= 0x2d && c <= 0x3c) || (c >= 0x3e && c <= 0x7e);
}

function isValidValue(v: string): boolean {
  if (v === '' || v.length > 256) return false;
  if (!isNonBlank(v.charCodeAt(v.length - 1))) return false;
  for (let i = 0; i < v.length - 1; i++) {
    const c = v.charCodeAt(i);
    if (c !== 0x20 && !isNonBlank(c)) return false;
  }
  return true;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s[a] === ' ' || s[a] === '\t')) a++;
  while (b > a && (s[b - 1] === ' ' || s[b - 1] === '\t')) b--;
  return s.slice(a, b);
}

function isOtValueChar(c: number): boolean {
  return isLcAlphaNum(c) || (c >= 0x41 && c <= 0x5a) || c === 0x2e || c === 0x5f || c === 0x2d;
}

function parseOt(value: string, out: W3CTraceState): void {
  if (value.length > MAX_OT_LENGTH) throw new TraceStateError('ot value exceeds 256 bytes');
  if (value === '' || value.endsWith(';')) throw new TraceStateError('invalid ot value syntax');
  const pairs = value.split(';');
  for (const p of pairs) {
    const colon = p.indexOf(':');
    if (colon < 1) throw new TraceStateError('invalid ot value syntax');
    const k = p.slice(0, colon);
    const v = p.slice(colon + 1);
    if (!isLcAlpha(k.charCodeAt(0))) throw new TraceStateError('invalid ot key');
    for (let i = 1; i < k.length; i++) if (!isLcAlphaNum(k.charCodeAt(i))) throw new TraceStateError('invalid ot key');
    for (let i = 0; i < v.length; i++) if (!isOtValueChar(v.charCodeAt(i))) throw new TraceStateError('invalid ot value');
  }
  let error: string | null = null;
  for (const p of pairs) {
    const colon = p.indexOf(':');
    const k = p.slice(0, colon);
    const v = p.slice(colon + 1);
    if (k === 'rv') {
      const r = parseRValue(v);
      if (r === undefined) {
        out.rv = null;
        error ??= `rv must have 14 hex digits, got ${JSON.stringify(v)}`;
      } else out.rv = r;
    } else if (k === 'th') {
      const t = parseTValue(v);
      if (t === undefined) {
        out.clearTValue();
        error ??= `th must have 1 to 14 hex digits, got ${JSON.stringify(v)}`;
      } else {
        out.th = t;
        out.tv = v;
      }
    } else {
      out.otExtra.push({ key: k, value: v });
    }
  }
  if (error !== null) throw new TraceStateError(error);
}

/** Parses a span's tracestate; throws TraceStateError when otelcol's parser would fail. */
export function parseW3CTraceState(input: string): W3CTraceState {
  const out = new W3CTraceState();
  if (input === '') return out;
  if (input.length > MAX_W3C_LENGTH) throw new TraceStateError('tracestate exceeds 1024 bytes');
  const segments = input.split(',');
  // Syntax first (isValidW3CTraceState), as a whole.
  for (const seg of segments) {
    const m = trimOws(seg);
    if (m === '') continue;
    const eq = m.indexOf('=');
    if (eq < 1 || !isValidKey(m.slice(0, eq)) || !isValidValue(m.slice(eq + 1))) throw new TraceStateError(`invalid tracestate member ${JSON.stringify(m)}`);
  }
  // Then the scan, which also counts segments (a trailing ',' ends the input: not a segment).
  const count = input.endsWith(',') ? segments.length - 1 : segments.length;
  if (count >= MAX_PAIRS) throw new TraceStateError('tracestate has 32 or more list-members');
  let error: TraceStateError | null = null;
  for (const seg of segments) {
    const m = trimOws(seg);
    if (m === '') continue;
    const eq = m.indexOf('=');
    const key = m.slice(0, eq);
    const value = m.slice(eq + 1);
    if (key.length > MAX_KEY_LENGTH) throw new TraceStateError('tracestate key exceeds 256 bytes');
    const at = key.indexOf('@');
    if (at >= 0 && (at > MAX_TENANT_LENGTH || key.length - at - 1 > MAX_SYSTEM_LENGTH)) throw new TraceStateError('tracestate tenant or system id too long');
    if (key === 'ot') {
      try {
        parseOt(value, out);
      } catch (err) {
        error ??= err as TraceStateError;
      }
    } else {
      out.members.push({ key, value });
    }
  }
  if (error !== null) throw error;
  return out;
}
