/**
 * record_policy: puts `tailsampling.policy = <name of the deciding policy>` on every span of a
 * sampled trace. Only those spans are rewritten (pdata/rewrite.ts replaceSpan); the rest of the
 * pipeline keeps copying bytes.
 *
 * A span without the attribute gets the KeyValue appended to its payload: repeated fields
 * concatenate in protobuf, so "payload + one more attributes field" is the span with one more
 * attribute, without decoding it. A span that already has the key (a previous tail sampler
 * tier) is decoded, changed and re-encoded (decode-model / encode-model), so the key stays
 * unique as OTLP requires.
 *
 * otelcol writes this attribute on the instrumentation scope of the trace's spans instead; see
 * the README.
 */
import { AttributeRef, findSpanAttribute } from '../../pdata/attributes.ts';
import { decodeSpan } from '../../pdata/decode-model.ts';
import { encodeKeyValue, encodeSpan } from '../../pdata/encode-model.ts';
import { replaceSpan } from '../../pdata/rewrite.ts';
import { SPAN_STRIDE, S_END, S_START, type SpanBatch } from '../../pdata/span-batch.ts';
import { WireWriter, lenFieldSize } from '../../pdata/wire-writer.ts';

export const POLICY_ATTRIBUTE = 'tailsampling.policy';
const TAG_ATTRIBUTES = (9 << 3) | 2; // Span.attributes

export class PolicyAttributeWriter {
  private readonly key = Buffer.from(POLICY_ATTRIBUTE, 'utf8');
  private readonly ref = new AttributeRef();
  /** Policy name -> the encoded `attributes` field (tag, length, KeyValue). */
  private readonly fields = new Map<string, Buffer>();

  /** Sets the attribute on spans [from, to) of `batch` (which this processor owns). */
  apply(batch: SpanBatch, from: number, to: number, policyName: string): void {
    let field = this.fields.get(policyName);
    if (field === undefined) {
      const kv = encodeKeyValue({ key: POLICY_ATTRIBUTE, value: { stringValue: policyName } });
      const w = new WireWriter(lenFieldSize(kv.length));
      w.lenHeader(9, kv.length);
      w.bytes(kv);
      field = w.finish();
      if (field[0] !== TAG_ATTRIBUTES) throw new Error('record_policy: unexpected attributes tag');
      this.fields.set(policyName, field);
    }
    for (let i = from; i < to; i++) {
      const o = i * SPAN_STRIDE;
      const buf = batch.spanBuffer(i);
      const start = batch.spans[o + S_START]!;
      const end = batch.spans[o + S_END]!;
      if (findSpanAttribute(batch, i, this.key, this.ref)) {
        const span = decodeSpan(buf, start, end);
        for (const kv of span.attributes) if (kv.key === POLICY_ATTRIBUTE) kv.value = { stringValue: policyName };
        replaceSpan(batch, i, encodeSpan(span));
      } else {
        const payload = Buffer.allocUnsafe(end - start + field.length);
        buf.copy(payload, 0, start, end);
        field.copy(payload, end - start);
        replaceSpan(batch, i, payload);
      }
    }
  }
}
