/** Test-only: small OTLP requests with known ids, encoded by the reference encoder or as JSON. */
import { ExportTraceServiceRequest } from './reference-otlp.ts';

export interface SampleSpanIds {
  traceId: string;
  spanId: string;
}

/** `count` spans of one trace; ids derived from `seed`. */
export function sampleIds(count: number, seed = 1): SampleSpanIds[] {
  const traceId = Buffer.alloc(16, seed & 0xff);
  traceId.writeUInt32BE(seed, 0);
  return Array.from({ length: count }, (_, i) => {
    const spanId = Buffer.alloc(8, 0x11);
    spanId.writeUInt32BE(i + 1, 4);
    return { traceId: traceId.toString('hex'), spanId: spanId.toString('hex') };
  });
}

export function sampleProtobufRequest(ids: SampleSpanIds[]): Buffer {
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'sample' } }] },
        scopeSpans: [
          {
            scope: { name: 'sample' },
            spans: ids.map((s, i) => ({
              traceId: Buffer.from(s.traceId, 'hex'),
              spanId: Buffer.from(s.spanId, 'hex'),
              name: `span-${i}`,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000100000000',
            })),
          },
        ],
      },
    ],
  });
  return Buffer.from(ExportTraceServiceRequest.encode(message).finish());
}

export function sampleJsonRequest(ids: SampleSpanIds[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'sample' } }] },
          scopeSpans: [{ scope: { name: 'sample' }, spans: ids.map((s, i) => ({ ...s, name: `span-${i}`, kind: 1 })) }],
        },
      ],
    }),
  );
}
