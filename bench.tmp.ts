import { pino } from 'pino';
import { parseComponentId } from './collector/src/component/types.ts';
import { encodeExportRequestModel } from './collector/src/pdata/encode-model.ts';
import { indexExportRequest } from './collector/src/pdata/index-request.ts';
import { newSpan } from './collector/src/pdata/model.ts';
import { SelfTelemetry } from './collector/src/telemetry/self-telemetry.ts';
import { probabilisticSamplerFactory } from './collector/src/processors/probabilistic_sampler/factory.ts';
import { buildPolicy, policiesSchema, type PolicyConfig } from './collector/src/processors/tail_sampling/policies/index.ts';
function batchOf(n: number, traceState = '', spansPerTrace = 1) {
  const spans = [];
  for (let i = 0; i < n; i++) {
    const t = Math.floor(i / spansPerTrace);
    const tid = Buffer.alloc(16); tid.writeUInt32BE(Math.imul(t + 1, 2654435761) >>> 0, 0); tid.writeUInt32BE(Math.imul(t + 7, 40503) >>> 0, 8); tid.writeUInt32BE(Math.imul(t + 3, 2246822519) >>> 0, 12);
    const sid = Buffer.alloc(8); sid.writeUInt32BE(i + 1, 4);
    spans.push(newSpan({ traceId: tid, spanId: sid, parentSpanId: i % spansPerTrace === 0 ? Buffer.alloc(0) : Buffer.from('0100000000000001', 'hex'), name: `GET /api/v1/items/${i % 20}`, traceState, kind: 2,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, endTimeUnixNano: 1_700_000_000_300_000_000n + BigInt(i) * 1000n, status: { code: i % 50 === 0 ? 2 : 0, message: '' },
      attributes: [{ key: 'http.method', value: { stringValue: 'GET' } }, { key: 'http.route', value: { stringValue: `/api/v1/items/${i % 20}` } }, { key: 'http.status_code', value: { intValue: BigInt(i % 50 === 0 ? 500 : 200) } }, { key: 'net.peer.name', value: { stringValue: 'db.internal.example.com' } }, { key: 'user.id', value: { stringValue: `u${i}` } }] }));
  }
  return indexExportRequest(encodeExportRequestModel({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'host.name', value: { stringValue: 'h1' } }], droppedAttributesCount: 0 }, scopeSpans: [{ scope: { name: 's', version: '1', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }], schemaUrl: '' }] }));
}
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; }; // ns
const sink = { consume: async () => {} };
async function benchProc(label: string, cfg: Record<string, unknown>, ts: string) {
  const p = probabilisticSamplerFactory.createTracesProcessor({ id: parseComponentId('probabilistic_sampler'), kind: 'processor', logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['t'] }, probabilisticSamplerFactory.configSchema.parse(cfg), sink);
  const batches = Array.from({ length: 8 }, () => batchOf(8192, ts));
  for (let w = 0; w < 15; w++) for (const b of batches) await p.consume(b.clone());
  const clones = Array.from({ length: 40 }, (_, k) => batches[k % 8]!.clone());
  const t0 = cpu();
  for (const b of clones) await p.consume(b);
  console.log(`probabilistic_sampler ${label}: ${((cpu() - t0) / (40 * 8192)).toFixed(0)} ns CPU/span`);
}
await benchProc('hash_seed 10%, no tracestate', { sampling_percentage: 10, hash_seed: 22 }, '');
await benchProc('proportional 10%, no tracestate', { sampling_percentage: 10, mode: 'proportional' }, '');
await benchProc('proportional 10%, tracestate vendor=x', { sampling_percentage: 10, mode: 'proportional' }, 'vendor=x');
await benchProc('hash_seed 100% (every span rewritten)', { sampling_percentage: 100 }, '');
await benchProc('0% (decide and drop all)', { sampling_percentage: 0 }, '');
const settings = { logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), processorId: 'ts', now: () => 0 };
const traces = Array.from({ length: 2000 }, (_, t) => { const b = batchOf(10, '', 10); return { batch: b, traceId: Buffer.alloc(16, t), byteSize: b.spanBytesTotal(), firstArrivalMs: 0, incomplete: false }; });
for (const [label, entry] of [
  ['latency', { type: 'latency', latency: { threshold_ms: 1000 } }],
  ['status_code', { type: 'status_code', status_code: { status_codes: ['ERROR'] } }],
  ['numeric_attribute', { type: 'numeric_attribute', numeric_attribute: { key: 'http.status_code', min_value: 600 } }],
  ['string_attribute exact', { type: 'string_attribute', string_attribute: { key: 'http.route', values: ['/nope', '/also-nope'] } }],
  ['string_attribute regex', { type: 'string_attribute', string_attribute: { key: 'http.route', values: ['^/health'], enabled_regex_matching: true } }],
  ['probabilistic', { type: 'probabilistic', probabilistic: { sampling_percentage: 10 } }],
  ['ottl 2 clauses', { type: 'ottl_condition', ottl_condition: { span: ['attributes["http.route"] == "/x" and end_time_unix_nano - start_time_unix_nano > 900000000'] } }],
  ['ottl IsMatch', { type: 'ottl_condition', ottl_condition: { span: ['IsMatch(attributes["http.route"], "^/health")'] } }],
  ['endpoint_floor', { type: 'endpoint_floor', endpoint_floor: {} }],
] as const) {
  const p = buildPolicy((policiesSchema.parse([{ name: 'p', ...entry }]) as PolicyConfig[])[0]!, settings);
  for (let w = 0; w < 60; w++) for (const t of traces) { p.evaluate(t, w); p.afterDecision?.(t, false, w); }
  const t0 = cpu();
  for (let r = 0; r < 60; r++) for (const t of traces) { p.evaluate(t, r * 61000); p.afterDecision?.(t, false, r * 61000); }
  console.log(`policy ${label}: ${((cpu() - t0) / (60 * traces.length)).toFixed(0)} ns CPU/trace of 10 spans`);
}
