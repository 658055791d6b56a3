/**
 * An int attribute's value as a number without BigInt: AttributeRef.intValue() decodes the
 * varint through a BigInt (~0.3 us per call), too slow for a per-span test. Varints of up to
 * 7 bytes (< 2^49) are decoded with plain arithmetic; longer ones (large or negative int64)
 * take the exact BigInt path.
 */
import type { AttributeRef } from '../../../pdata/attributes.ts';

export function intAttributeValue(ref: AttributeRef): number {
  const buf = ref.buf;
  const end = ref.end;
  if (end - ref.start > 7) return ref.intValue();
  let v = 0;
  let mul = 1;
  for (let p = ref.start; p < end; p++) {
    v += (buf[p]! & 0x7f) * mul;
    mul *= 128;
  }
  return v;
}
