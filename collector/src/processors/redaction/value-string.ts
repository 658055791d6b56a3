/**
 * pdata's Value.AsString, which otelcol's redaction processor checks and masks when
 * redact_all_types is on: ints in decimal, doubles as ES6 numbers print them, bools as
 * true/false, bytes in standard base64, and arrays / kvlists as the JSON that Go's
 * encoding/json writes for their raw form (map keys sorted by bytes, `<`, `>`, `&`, U+2028 and
 * U+2029 escaped, a NaN or infinity anywhere makes the whole string empty, as Marshal fails).
 *
 * So a blocked value inside a nested array or kvlist is found (and the whole value becomes the
 * masked JSON string), as in otelcol. Two ways the JSON form hides what its parts hold are closed
 * here (rules.ts uses them): an escape glued to a match (`"a\n4111..."`: the `n` of `\n` is a word
 * character, so `\b` no longer matches before the digits; the same with `\u003c` for `<`), and a
 * NaN or infinity anywhere, which makes Go's whole JSON string empty. So the string elements and
 * keys inside are also checked one by one (eachNestedString), and a value with a match among them
 * is written with those parts masked (jsonWithMaskedStrings).
 */
import { anyValueType, type AnyValue, type KeyValue } from '../../pdata/model.ts';

/** Value.AsString. */
export function anyValueAsString(v: AnyValue): string {
  switch (anyValueType(v)) {
    case 'string':
      return v.stringValue!;
    case 'int':
      return v.intValue!.toString();
    case 'bool':
      return v.boolValue! ? 'true' : 'false';
    case 'double':
      return float64AsString(v.doubleValue!);
    case 'bytes':
      return v.bytesValue!.toString('base64');
    case 'array':
    case 'kvlist': {
      const json = new GoJson(null);
      return json.value(v) ? json.out : '';
    }
    case 'empty':
      return '';
  }
}

/** Whether `test` holds for some string element or kvlist key anywhere inside an array / kvlist. */
export function eachNestedString(v: AnyValue, test: (s: string) => boolean): boolean {
  if (v.stringValue !== undefined) return test(v.stringValue);
  if (v.arrayValue !== undefined) {
    for (const e of v.arrayValue) if (eachNestedString(e, test)) return true;
    return false;
  }
  if (v.kvlistValue !== undefined) {
    for (const kv of v.kvlistValue) if (test(kv.key) || eachNestedString(kv.value, test)) return true;
  }
  return false;
}

/**
 * The JSON form of an array / kvlist with every string element and key passed through `mask`
 * first. NaN and infinities are written as NaN, +Inf, -Inf (Go's Marshal would fail and give '').
 */
export function jsonWithMaskedStrings(v: AnyValue, mask: (s: string) => string): string {
  const json = new GoJson(mask);
  json.value(v);
  return json.out;
}

/**
 * pdata's float64AsString: like fmt %g with ES6's exponent cut-offs (1e-6, 1e21), which is what
 * JS's Number#toString prints, except that Go writes negative zero as "-0".
 */
export function float64AsString(f: number): string {
  if (!Number.isFinite(f)) return `json: unsupported value: ${Number.isNaN(f) ? 'NaN' : f > 0 ? '+Inf' : '-Inf'}`;
  return Object.is(f, -0) ? '-0' : String(f);
}

const HEX = '0123456789abcdef';

/** encoding/json's Marshal for pcommon's raw values, with Go's HTML-safe string escaping. */
class GoJson {
  out = '';
  /** Non-null: strings are masked before they are written, and non-finite numbers are written. */
  private readonly mask: ((s: string) => string) | null;

  constructor(mask: ((s: string) => string) | null) {
    this.mask = mask;
  }

  /** Appends v; false when Go's Marshal would fail (NaN or infinity). */
  value(v: AnyValue): boolean {
    switch (anyValueType(v)) {
      case 'string':
        this.string(this.mask === null ? v.stringValue! : this.mask(v.stringValue!));
        return true;
      case 'int':
        this.out += v.intValue!.toString();
        return true;
      case 'bool':
        this.out += v.boolValue! ? 'true' : 'false';
        return true;
      case 'double': {
        const d = v.doubleValue!;
        if (!Number.isFinite(d)) {
          if (this.mask === null) return false;
          this.out += Number.isNaN(d) ? 'NaN' : d > 0 ? '+Inf' : '-Inf';
          return true;
        }
        this.out += float64AsString(d);
        return true;
      }
      case 'bytes':
        this.string(v.bytesValue!.toString('base64'));
        return true;
      case 'empty':
        this.out += 'null';
        return true;
      case 'array': {
        this.out += '[';
        const items = v.arrayValue!;
        for (let i = 0; i < items.length; i++) {
          if (i > 0) this.out += ',';
          if (!this.value(items[i]!)) return false;
        }
        this.out += ']';
        return true;
      }
      case 'kvlist':
        return this.map(v.kvlistValue!);
    }
  }

  /** AsRaw builds a Go map: a repeated key keeps its last value; Marshal sorts keys by bytes. */
  private map(kvs: readonly KeyValue[]): boolean {
    const byKey = new Map<string, AnyValue>();
    for (const kv of kvs) byKey.set(kv.key, kv.value);
    const keys = [...byKey.keys()].sort(compareUtf8);
    this.out += '{';
    for (let i = 0; i < keys.length; i++) {
      if (i > 0) this.out += ',';
      this.string(this.mask === null ? keys[i]! : this.mask(keys[i]!));
      this.out += ':';
      if (!this.value(byKey.get(keys[i]!)!)) return false;
    }
    this.out += '}';
    return true;
  }

  private string(s: string): void {
    let out = '"';
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      let esc: string | undefined;
      if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
        switch (c) {
          case 0x22:
            esc = '\\"';
            break;
          case 0x5c:
            esc = '\\\\';
            break;
          case 0x08:
            esc = '\\b';
            break;
          case 0x0c:
            esc = '\\f';
            break;
          case 0x0a:
            esc = '\\n';
            break;
          case 0x0d:
            esc = '\\r';
            break;
          case 0x09:
            esc = '\\t';
            break;
          default:
            esc = `\\u${HEX[c >> 12]}${HEX[(c >> 8) & 15]}${HEX[(c >> 4) & 15]}${HEX[c & 15]}`;
        }
        out += s.slice(from, i) + esc;
        from = i + 1;
      }
    }
    this.out += `${out}${s.slice(from)}"`;
  }
}

/** Go's string order: by UTF-8 bytes, i.e. by code point (UTF-16 order differs above U+D7FF). */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++; // both are the same surrogate pair
  }
  return a.length - b.length;
}
