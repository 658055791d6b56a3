/**
 * The actions (coreinternal/attraction), applied to a decoded span's attribute list in order.
 * Compiled once from the config; `mayChange` answers from the span bytes whether any action can
 * apply, so spans no action touches are never decoded or re-encoded.
 */
import { createHash } from 'node:crypto';
import type { AnyValue, KeyValue } from '../../pdata/model.ts';
import { AttributeRef, findSpanAttribute } from '../../pdata/attributes.ts';
import type { ClientMetadata, SpanBatch } from '../../pdata/span-batch.ts';
import { compileRe2 } from '../tail_sampling/policies/re2.ts';
import { captureNames } from './capture-names.ts';
import type { ActionConfig, ActionKind } from './config.ts';

export interface CompiledAction {
  readonly kind: ActionKind;
  readonly key: string | null;
  readonly keyBytes: Buffer | null;
  readonly pattern: RegExp | null;
  /** extract: capture group names in group order (null = unnamed). */
  readonly groupNames: readonly (string | null)[];
  readonly value: AnyValue | null;
  readonly fromAttribute: string | null;
  /** Client metadata key (lower-case) for from_context: metadata.<key>. */
  readonly fromMetadata: string | null;
  readonly convertTo: 'int' | 'double' | 'string' | null;
}

export function compileActions(actions: readonly ActionConfig[]): CompiledAction[] {
  return actions.map((a) => {
    const kind = a.action!.toLowerCase() as ActionKind;
    const key = a.key !== undefined && a.key !== '' ? a.key : null;
    const pattern = a.pattern !== undefined && a.pattern !== '' ? compileRe2(a.pattern).regex : null;
    return {
      kind,
      key,
      keyBytes: key === null ? null : Buffer.from(key, 'utf8'),
      pattern,
      groupNames: kind === 'extract' && a.pattern !== undefined ? captureNames(a.pattern) : [],
      value: a.value === undefined || a.value === null ? null : literal(a.value),
      fromAttribute: a.from_attribute ?? null,
      fromMetadata: a.from_context !== undefined ? a.from_context.slice('metadata.'.length).toLowerCase() : null,
      convertTo: (a.converted_type as CompiledAction['convertTo']) ?? null,
    };
  });
}

/** YAML literal -> AnyValue, as mapstructure types it: whole numbers are ints, others doubles. */
function literal(v: string | number | boolean): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: BigInt(v) } : { doubleValue: v };
}

/** Per-batch inputs: from_context values, looked up once per batch (null = absent). */
export function contextValues(actions: readonly CompiledAction[], metadata: ClientMetadata | null): (string | null)[] {
  return actions.map((a) => {
    if (a.fromMetadata === null) return null;
    const values = metadata?.get(a.fromMetadata);
    if (values === undefined || values.length === 0) return null;
    // otelcol joins several values of one key with ';'.
    return values.join(';');
  });
}

/** Can any action change span i? (No action applying to the original span means none ever will.) */
export function mayChange(actions: readonly CompiledAction[], batch: SpanBatch, i: number, ref: AttributeRef): boolean {
  for (const a of actions) {
    if (a.kind === 'upsert' || a.keyBytes === null) return true; // upsert always; pattern-only actions need the keys
    const present = findSpanAttribute(batch, i, a.keyBytes, ref);
    if (a.kind === 'insert' ? !present : present) return true;
    if ((a.kind === 'delete' || a.kind === 'hash') && a.pattern !== null) return true;
  }
  return false;
}

/** Applies the actions to `attrs` in place; true when anything changed. */
export function applyActions(actions: readonly CompiledAction[], context: readonly (string | null)[], attrs: KeyValue[]): boolean {
  let changed = false;
  for (let k = 0; k < actions.length; k++) {
    const a = actions[k]!;
    switch (a.kind) {
      case 'insert':
      case 'update':
      case 'upsert': {
        const value = sourceValue(a, context[k]!, attrs);
        if (value === null) break;
        const at = indexOf(attrs, a.key!);
        if (at === -1 && a.kind !== 'update') {
          attrs.push({ key: a.key!, value });
          changed = true;
        } else if (at !== -1 && a.kind !== 'insert') {
          attrs[at] = { key: a.key!, value };
          changed = true;
        }
        break;
      }
      case 'delete':
        for (let j = attrs.length - 1; j >= 0; j--) {
          if (selects(a, attrs[j]!.key)) {
            attrs.splice(j, 1);
            changed = true;
          }
        }
        break;
      case 'hash':
        for (let j = 0; j < attrs.length; j++) {
          if (selects(a, attrs[j]!.key)) {
            attrs[j] = { key: attrs[j]!.key, value: { stringValue: sha256Hex(attrs[j]!.value) } };
            changed = true;
          }
        }
        break;
      case 'extract': {
        const at = indexOf(attrs, a.key!);
        const v = at === -1 ? undefined : attrs[at]!.value.stringValue;
        if (v === undefined) break;
        a.pattern!.lastIndex = 0;
        const m = a.pattern!.exec(v);
        if (m === null) break;
        for (let g = 0; g < a.groupNames.length; g++) {
          const name = a.groupNames[g];
          if (name === null || name === undefined) continue;
          // A group that did not take part is "" (Go's FindStringSubmatch).
          const value: AnyValue = { stringValue: m[g + 1] ?? '' };
          const j = indexOf(attrs, name);
          if (j === -1) attrs.push({ key: name, value });
          else attrs[j] = { key: name, value };
          changed = true;
        }
        break;
      }
      case 'convert': {
        const at = indexOf(attrs, a.key!);
        if (at === -1) break;
        const converted = convert(attrs[at]!.value, a.convertTo!);
        if (converted !== null) {
          attrs[at] = { key: a.key!, value: converted };
          changed = true;
        }
        break;
      }
    }
  }
  return changed;
}

function selects(a: CompiledAction, key: string): boolean {
  // With both key and pattern otelcol acts on the key and on every key the pattern matches.
  if (a.key !== null && key === a.key) return true;
  if (a.pattern === null) return false;
  a.pattern.lastIndex = 0;
  return a.pattern.test(key);
}

function indexOf(attrs: readonly KeyValue[], key: string): number {
  for (let j = 0; j < attrs.length; j++) if (attrs[j]!.key === key) return j;
  return -1;
}

function sourceValue(a: CompiledAction, context: string | null, attrs: readonly KeyValue[]): AnyValue | null {
  if (a.value !== null) return a.value;
  if (a.fromAttribute !== null) {
    const j = indexOf(attrs, a.fromAttribute);
    return j === -1 ? null : attrs[j]!.value;
  }
  return context === null ? null : { stringValue: context };
}

/**
 * otelcol's sha2Hasher: SHA-256 (the default since otelcol-contrib v0.79) in lower-case hex of
 * the string bytes, of one byte 1/0 for a bool, of the 8 little-endian bytes of an int or a
 * double; other types hash to "" (otelcol writes an empty string for them too).
 */
export function sha256Hex(v: AnyValue): string {
  let bytes: Buffer | null = null;
  if (v.stringValue !== undefined) bytes = Buffer.from(v.stringValue, 'utf8');
  else if (v.boolValue !== undefined) bytes = Buffer.from([v.boolValue ? 1 : 0]);
  else if (v.intValue !== undefined) {
    bytes = Buffer.alloc(8);
    bytes.writeBigUInt64LE(BigInt.asUintN(64, v.intValue));
  } else if (v.doubleValue !== undefined) {
    bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(v.doubleValue);
  }
  if (bytes === null || bytes.length === 0) return '';
  return createHash('sha256').update(bytes).digest('hex');
}

const INT = /^[+-]?\d+$/;

/** otelcol's convertValue: null when the value cannot be converted (it is then left as it was). */
function convert(v: AnyValue, to: 'int' | 'double' | 'string'): AnyValue | null {
  if (to === 'string') {
    if (v.stringValue !== undefined) return null;
    if (v.intValue !== undefined) return { stringValue: v.intValue.toString() };
    if (v.boolValue !== undefined) return { stringValue: String(v.boolValue) };
    if (v.doubleValue !== undefined) return { stringValue: String(v.doubleValue) };
    if (v.bytesValue !== undefined) return { stringValue: v.bytesValue.toString('base64') };
    return null;
  }
  if (to === 'int') {
    if (v.intValue !== undefined) return null;
    if (v.doubleValue !== undefined) return Number.isFinite(v.doubleValue) ? { intValue: BigInt(Math.trunc(v.doubleValue)) } : null;
    if (v.boolValue !== undefined) return { intValue: v.boolValue ? 1n : 0n };
    if (v.stringValue !== undefined && INT.test(v.stringValue)) {
      const n = BigInt(v.stringValue);
      return n >= -(2n ** 63n) && n < 2n ** 63n ? { intValue: n } : null;
    }
    return null;
  }
  if (v.doubleValue !== undefined) return null;
  if (v.intValue !== undefined) return { doubleValue: Number(v.intValue) };
  if (v.boolValue !== undefined) return { doubleValue: v.boolValue ? 1 : 0 };
  if (v.stringValue !== undefined) {
    const s = v.stringValue.trim();
    const d = s === '' ? NaN : Number(s);
    return Number.isNaN(d) && !/^nan$/i.test(s) ? null : { doubleValue: d };
  }
  return null;
}
