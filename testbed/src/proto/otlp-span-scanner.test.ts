import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExportTraceServiceRequest } from '../testing/reference-otlp.ts';
import { scanExportTraceRequest, type SpanIdSink } from './otlp-span-scanner.ts';
import { WireFormatError } from './wire-reader.ts';

class Collect implements SpanIdSink {
  ids: string[] = [];
  addSpan(buf: Uint8Array, t: number, s: number): void {
    this.ids.push(t < 0 || s < 0 ? 'invalid' : `${Buffer.from(buf.subarray(t, t + 16)).toString('hex')}/${Buffer.from(buf.subarray(s, s + 8)).toString('hex')}`);
  }
}

const id = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const span = fc.record({
  traceId: id(16),
  spanId: id(8),
  name: fc.string(),
  parentSpanId: fc.option(id(8), { nil: undefined }),
  startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String),
  attributes: fc.array(fc.record({ key: fc.string(), value: fc.record({ stringValue: fc.string() }) }), { maxLength: 3 }),
});
const request = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource: fc.record({ attributes: fc.array(fc.record({ key: fc.string(), value: fc.record({ intValue: fc.integer().map(String) }) }), { maxLength: 2 }) }),
      scopeSpans: fc.array(fc.record({ scope: fc.record({ name: fc.string() }), spans: fc.array(span, { maxLength: 5 }) }), { maxLength: 3 }),
      schemaUrl: fc.string(),
    }),
    { maxLength: 3 },
  ),
});

describe('scanExportTraceRequest', () => {
  it('finds the ids of every span the reference encoder wrote (differential)', () => {
    fc.assert(
      fc.property(request, (req) => {
        const bytes = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(req)).finish();
        const sink = new Collect();
        const n = scanExportTraceRequest(bytes, sink);
        const expected = req.resourceSpans.flatMap((rs) =>
          rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => `${Buffer.from(s.traceId).toString('hex')}/${Buffer.from(s.spanId).toString('hex')}`)),
        );
        expect(n).toBe(expected.length);
        expect(sink.ids).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('reports spans whose ids have the wrong length as invalid', () => {
    const bytes = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: new Uint8Array(3), spanId: new Uint8Array(8) }] }] }] }),
    ).finish();
    const sink = new Collect();
    expect(scanExportTraceRequest(bytes, sink)).toBe(1);
    expect(sink.ids).toEqual(['invalid']);
  });

  it('throws on truncated input and never reads past it', () => {
    const bytes = ExportTraceServiceRequest.encode(
      ExportTraceServiceRequest.fromObject({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: new Uint8Array(16).fill(1), spanId: new Uint8Array(8).fill(2), name: 'x'.repeat(40) }] }] }],
      }),
    ).finish();
    let threw = 0;
    for (let cut = 1; cut < bytes.length; cut++) {
      try {
        scanExportTraceRequest(bytes.subarray(0, cut), new Collect());
      } catch (e) {
        expect(e).toBeInstanceOf(WireFormatError);
        threw++;
      }
    }
    expect(threw).toBe(bytes.length - 1);
  });
});
