/**
 * The fast path: decide from the bytes, without decoding anything, whether redacting a map of
 * attributes would change it. Most spans of a typical config change nothing, and those are never
 * decoded or re-serialized: they leave the collector as the bytes that came in.
 *
 * Per attribute: the key's class comes from the per-key cache (rules.classifyKeyBytes); a string
 * value is tested in place (its UTF-8 bytes in the request buffer) against allowed_values and
 * blocked_values, each list one automaton (patterns.ts). Only a non-string value under
 * redact_all_types is decoded, to build its string form.
 *
 * The answer must never be "no change" where redact-attributes.ts would change something (that
 * would let a blocked value through); a "change" that turns out to be none only costs a decode.
 * Input was validated by the indexer, so the structure is trusted here.
 */
import { decodeKeyValue } from '../../pdata/decode-model.ts';
import { WIRE_LEN, WireReader } from '../../pdata/wire-reader.ts';
import { KEY_DELETE, KEY_IGNORED, KEY_MASK, type RedactionRules } from './rules.ts';
import { anyValueAsString } from './value-string.ts';

const TAG_KV_KEY = (1 << 3) | WIRE_LEN;
const TAG_KV_VALUE = (2 << 3) | WIRE_LEN;
const TAG_ANY_STRING = (1 << 3) | WIRE_LEN;

const SPAN_ATTRIBUTES = 9;
const SPAN_EVENTS = 11;
const EVENT_ATTRIBUTES = 3;

const EMPTY: Buffer = Buffer.alloc(0);

export class AttributeScanner {
  private readonly rules: RedactionRules;
  // Two readers, reused across calls: one walks a message's fields, one a KeyValue inside it.
  private readonly outer = new WireReader(EMPTY, 0);
  private readonly inner = new WireReader(EMPTY, 0);

  constructor(rules: RedactionRules) {
    this.rules = rules;
  }

  /** Would redaction change the span payload buf[start, end) (its attributes or its events')? */
  spanWouldChange(buf: Buffer, start: number, end: number): boolean {
    const r = this.outer;
    r.buf = buf;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.varint(end);
      const field = tag >>> 3;
      if (field === SPAN_ATTRIBUTES && (tag & 7) === WIRE_LEN) {
        const kvEnd = r.lenEnd(end);
        if (this.keyValueWouldChange(buf, r.pos, kvEnd)) return true;
        r.pos = kvEnd;
      } else if (field === SPAN_EVENTS && (tag & 7) === WIRE_LEN) {
        const evEnd = r.lenEnd(end);
        const evStart = r.pos;
        if (this.mapWouldChange(buf, evStart, evEnd, EVENT_ATTRIBUTES)) return true;
        // mapWouldChange moved the shared reader through the event; continue after it.
        r.buf = buf;
        r.pos = evEnd;
      } else {
        r.skip(tag & 7, end, field);
      }
    }
    return false;
  }

  /** Would redaction change the KeyValue fields numbered `field` of the message buf[start, end)? */
  mapWouldChange(buf: Buffer, start: number, end: number, field: number): boolean {
    const r = this.outer;
    r.buf = buf;
    r.pos = start;
    const wantTag = (field << 3) | WIRE_LEN;
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag !== wantTag) {
        r.skip(tag & 7, end, tag >>> 3);
        continue;
      }
      const kvEnd = r.lenEnd(end);
      if (this.keyValueWouldChange(buf, r.pos, kvEnd)) return true;
      r.pos = kvEnd;
    }
    return false;
  }

  /** One KeyValue payload buf[start, end): the precedence of rules.ts, on bytes. */
  private keyValueWouldChange(buf: Buffer, start: number, end: number): boolean {
    const rules = this.rules;
    const r = this.inner;
    r.buf = buf;
    r.pos = start;
    // An absent key is '' (proto3 default); the last key field wins, as the decoder reads it.
    let keyStart = 0;
    let keyEnd = 0;
    let keyBuf: Buffer = EMPTY;
    // The value's last oneof member decides its type (protobuf merge of repeated value fields).
    let lastIsString = false;
    let sawValue = false;
    let strStart = 0;
    let strEnd = 0;
    while (r.pos < end) {
      const tag = r.varint(end);
      if (tag === TAG_KV_KEY) {
        keyEnd = r.lenEnd(end);
        keyStart = r.pos;
        keyBuf = buf;
        r.pos = keyEnd;
      } else if (tag === TAG_KV_VALUE) {
        const valueEnd = r.lenEnd(end);
        sawValue = true;
        while (r.pos < valueEnd) {
          const t = r.varint(valueEnd);
          if (t === TAG_ANY_STRING) {
            strEnd = r.lenEnd(valueEnd);
            strStart = r.pos;
            r.pos = strEnd;
            lastIsString = true;
          } else {
            const f = t >>> 3;
            // Any other known member replaces the value; unknown fields leave it as it was.
            if (f >= 2 && f <= 8) lastIsString = false;
            r.skip(t & 7, valueEnd, f);
          }
        }
      } else {
        r.skip(tag & 7, end, tag >>> 3);
      }
    }

    const cls = rules.classifyKeyBytes(keyBuf, keyStart, keyEnd);
    if (cls === KEY_DELETE) return true;
    if (cls === KEY_IGNORED) return rules.summaryCounts;

    let allowed: boolean;
    let blocked: boolean;
    if (sawValue && lastIsString) {
      // Tested in place, in the request buffer.
      allowed = rules.allowedValues.testRange(buf, strStart, strEnd);
      blocked = !allowed && cls !== KEY_MASK && rules.blockedValues.testRange(buf, strStart, strEnd);
    } else if (!rules.redactAllTypes) {
      // otelcol reads a non-string value's Str() as ''.
      allowed = rules.allowedValues.matchesEmpty;
      blocked = rules.blockedValues.matchesEmpty;
    } else {
      const value = decodeKeyValue(buf, start, end).value;
      const str = anyValueAsString(value);
      allowed = rules.allowedValues.testString(str);
      blocked =
        !allowed &&
        cls !== KEY_MASK &&
        (rules.blockedValues.testString(str) || ((value.arrayValue !== undefined || value.kvlistValue !== undefined) && rules.nestedBlocked(value)));
    }
    if (allowed) return rules.summaryCounts;
    return cls === KEY_MASK || blocked;
  }
}
