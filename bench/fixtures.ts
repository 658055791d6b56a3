/**
 * Request fixtures for benchmarks, encoded once with the reference protobufjs code (the same
 * bytes an OTel SDK sends). Two shapes: otelcol's testbed shape (2 int attributes) and a
 * 20-attribute shape closer to instrumented HTTP services.
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const root = require('otlp-reference/build/src/generated/root.js');
export const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export type SpanShape = 'testbed-2-int' | 'http-20-attr';

function attributes(shape: SpanShape, i: number): unknown[] {
  if (shape === 'testbed-2-int') {
    return [
      { key: 'load_generator.span_seq_num', value: { intValue: i } },
      { key: 'load_generator.trace_seq_num', value: { intValue: i >> 3 } },
    ];
  }
  const out: unknown[] = [
    { key: 'http.request.method', value: { stringValue: 'GET' } },
    { key: 'http.response.status_code', value: { intValue: 200 } },
    { key: 'url.path', value: { stringValue: `/api/v1/orders/${i % 977}` } },
    { key: 'server.address', value: { stringValue: 'orders.internal.example.com' } },
    { key: 'network.protocol.version', value: { stringValue: '1.1' } },
    { key: 'user_agent.original', value: { stringValue: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' } },
    { key: 'http.route', value: { stringValue: '/api/v1/orders/:id' } },
    { key: 'client.address', value: { stringValue: '10.1.2.3' } },
    { key: 'db.system', value: { stringValue: 'postgresql' } },
    { key: 'sampled', value: { boolValue: true } },
  ];
  for (let k = out.length; k < 20; k++) out.push({ key: `app.attribute_${k}`, value: { stringValue: `value-${k}-${i % 13}` } });
  return out;
}

/** One ExportTraceServiceRequest of `spans` spans (one resource, one scope), as bytes. */
export function makeRequest(shape: SpanShape, spans: number, seed = 0): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const list = [];
  for (let i = 0; i < spans; i++) {
    const traceId = randomBytes(16);
    list.push({
      traceId,
      spanId: randomBytes(8),
      parentSpanId: i % 4 === 0 ? undefined : randomBytes(8),
      name: `span-${(seed + i) % 50}`,
      kind: 2,
      startTimeUnixNano: (now + BigInt(i) * 1000n).toString(),
      endTimeUnixNano: (now + BigInt(i) * 1000n + 5_000_000n).toString(),
      attributes: attributes(shape, seed + i),
      status: { code: i % 50 === 0 ? 2 : 0 },
    });
  }
  const msg = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'orders' } },
            { key: 'host.name', value: { stringValue: 'node-17' } },
          ],
        },
        scopeSpans: [{ scope: { name: 'bench', version: '1.0.0' }, spans: list }],
      },
    ],
  });
  return Buffer.from(ExportTraceServiceRequest.encode(msg).finish());
}
