/**
 * The slow path: one attribute map (resource, scope, span or span event attributes) redacted on
 * the object model, exactly as otelcol's processAttrs + addMetaAttrs do. Only maps the byte scan
 * (scan.ts) found something to change in get here.
 */
import type { AnyValue, KeyValue } from '../../pdata/model.ts';
import {
  ALLOWED_COUNT,
  ALLOWED_KEYS,
  IGNORED_COUNT,
  KEY_DELETE,
  KEY_IGNORED,
  KEY_MASK,
  MASKED_COUNT,
  MASKED_KEYS,
  REDACTED_COUNT,
  REDACTED_KEYS,
  type RedactionRules,
} from './rules.ts';
import { anyValueAsString, compareUtf8 } from './value-string.ts';

/** The string otelcol checks: Str() (non-strings read as ''), or AsString() with redact_all_types. */
export function checkedString(v: AnyValue, redactAllTypes: boolean): string {
  if (v.stringValue !== undefined) return v.stringValue;
  return redactAllTypes ? anyValueAsString(v) : '';
}

/**
 * Redacts `attrs` in place (entries deleted, values replaced, summary attributes added or
 * updated). Returns whether anything changed.
 */
export function redactAttributes(attrs: KeyValue[], rules: RedactionRules): boolean {
  let redacted: string[] | null = null;
  let masked: string[] | null = null;
  let allowed: string[] | null = null;
  let ignored: string[] | null = null;
  let changed = false;
  let kept = 0;
  for (let i = 0; i < attrs.length; i++) {
    const kv = attrs[i]!;
    const cls = rules.classifyKey(kv.key);
    if (cls === KEY_IGNORED) {
      (ignored ??= []).push(kv.key);
      attrs[kept++] = kv;
      continue;
    }
    if (cls === KEY_DELETE) {
      (redacted ??= []).push(kv.key);
      changed = true;
      continue;
    }
    attrs[kept++] = kv;
    const str = checkedString(kv.value, rules.redactAllTypes);
    if (rules.allowedValues.testString(str)) {
      (allowed ??= []).push(kv.key);
      continue;
    }
    if (cls === KEY_MASK) {
      (masked ??= []).push(kv.key);
      kv.value = { stringValue: rules.maskWhole(str) };
      changed = true;
      continue;
    }
    const v = kv.value;
    if (rules.redactAllTypes && (v.arrayValue !== undefined || v.kvlistValue !== undefined) && rules.nestedBlocked(v)) {
      // Always replaced, even when the masked JSON equals `str`: the match may sit in a part the
      // JSON form leaves out (a kvlist key repeated: Go's map keeps the last value).
      (masked ??= []).push(kv.key);
      kv.value = { stringValue: rules.maskNested(v) };
      changed = true;
      continue;
    }
    const processed = rules.maskBlocked(str);
    if (processed !== str) {
      (masked ??= []).push(kv.key);
      kv.value = { stringValue: processed };
      changed = true;
    }
  }
  attrs.length = kept;
  if (rules.summaryCounts) {
    if (redacted !== null) addSummary(attrs, redacted, rules.summaryKeys ? REDACTED_KEYS : '', REDACTED_COUNT);
    if (masked !== null) addSummary(attrs, masked, rules.summaryKeys ? MASKED_KEYS : '', MASKED_COUNT);
    if (allowed !== null) addSummary(attrs, allowed, rules.summaryKeys ? ALLOWED_KEYS : '', ALLOWED_COUNT);
    if (ignored !== null) addSummary(attrs, ignored, '', IGNORED_COUNT);
    if (redacted !== null || masked !== null || allowed !== null || ignored !== null) changed = true;
  }
  return changed;
}

/**
 * otelcol's addMetaAttrs: the key list (debug) merged with a list already there (a redaction
 * processor earlier in the chain), sorted, comma-joined; the count added to a count already there.
 */
function addSummary(attrs: KeyValue[], keys: string[], keysAttr: string, countAttr: string): void {
  let count = BigInt(keys.length);
  if (keysAttr !== '') {
    const existing = find(attrs, keysAttr);
    const previous = existing?.value.stringValue;
    const all = previous !== undefined && previous !== '' ? keys.concat(previous.split(',')) : keys;
    put(attrs, keysAttr, { stringValue: all.sort(compareUtf8).join(',') });
  }
  const existingCount = find(attrs, countAttr)?.value.intValue;
  if (existingCount !== undefined) count += existingCount;
  put(attrs, countAttr, { intValue: BigInt.asIntN(64, count) });
}

/** pcommon Map.Get: the first entry with the key. */
function find(attrs: KeyValue[], key: string): KeyValue | undefined {
  for (const kv of attrs) if (kv.key === key) return kv;
  return undefined;
}

/** pcommon Map.PutStr / PutInt: replace the first entry's value, or append. */
function put(attrs: KeyValue[], key: string, value: AnyValue): void {
  const kv = find(attrs, key);
  if (kv !== undefined) kv.value = value;
  else attrs.push({ key, value });
}
