/**
 * Attribute values and timestamps written as otelcol's pdata writes them (pcommon.Value.AsString,
 * Value.Type().String(), Timestamp.String()), so debug output reads like otelcol's.
 */
import { anyValueType, type AnyValue, type KeyValue } from '../../pdata/model.ts';

const TYPE_NAMES = { string: 'Str', bool: 'Bool', int: 'Int', double: 'Double', array: 'Slice', kvlist: 'Map', bytes: 'Bytes', empty: 'Empty' } as const;

/** `Str(value)`, `Int(5)`, `Map({"a":1})`: the detailed output's attribute form. */
export function typedValueString(v: AnyValue): string {
  return `${TYPE_NAMES[anyValueType(v)]}(${valueAsString(v)})`;
}

/** pcommon.Value.AsString: strings raw, numbers as ES6 prints them, maps/slices as JSON. */
export function valueAsString(v: AnyValue): string {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return v.intValue.toString();
  if (v.boolValue !== undefined) return v.boolValue ? 'true' : 'false';
  if (v.doubleValue !== undefined) return doubleAsString(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue.toString('base64');
  if (v.arrayValue !== undefined) return arrayJson(v.arrayValue);
  if (v.kvlistValue !== undefined) return mapJson(v.kvlistValue);
  return '';
}

function doubleAsString(d: number): string {
  if (Number.isFinite(d)) return String(d);
  // Go's json encoder refuses these; pdata returns the error text.
  return `json: unsupported value: ${Number.isNaN(d) ? 'NaN' : d > 0 ? '+Inf' : '-Inf'}`;
}

// Go's json.Marshal of Value.AsRaw(): map keys sorted, bytes base64, empty values null.
function rawJson(v: AnyValue): string {
  if (v.stringValue !== undefined) return JSON.stringify(v.stringValue);
  if (v.intValue !== undefined) return v.intValue.toString();
  if (v.boolValue !== undefined) return v.boolValue ? 'true' : 'false';
  if (v.doubleValue !== undefined) return Number.isFinite(v.doubleValue) ? String(v.doubleValue) : 'null';
  if (v.bytesValue !== undefined) return JSON.stringify(v.bytesValue.toString('base64'));
  if (v.arrayValue !== undefined) return arrayJson(v.arrayValue);
  if (v.kvlistValue !== undefined) return mapJson(v.kvlistValue);
  return 'null';
}

function arrayJson(items: readonly AnyValue[]): string {
  return `[${items.map(rawJson).join(',')}]`;
}

function mapJson(kvs: readonly KeyValue[]): string {
  // A Go map keeps the last value of a repeated key.
  const byKey = new Map<string, AnyValue>();
  for (const kv of kvs) byKey.set(kv.key, kv.value);
  const keys = [...byKey.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${rawJson(byKey.get(k)!)}`).join(',')}}`;
}

/** pcommon.Timestamp.String(): `2020-02-11 20:26:12.000000321 +0000 UTC` (fraction trimmed). */
export function timestampString(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z
  let out = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (frac !== 0n) out += `.${frac.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${out} +0000 UTC`;
}

const KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_NAMES = ['Unset', 'Ok', 'Error'];

/** ptrace.SpanKind.String(); an unknown value prints as its number, as Go's enum Stringer. */
export function spanKindString(kind: number): string {
  return KIND_NAMES[kind] ?? String(kind);
}

export function statusCodeString(code: number): string {
  return STATUS_NAMES[code] ?? String(code);
}
