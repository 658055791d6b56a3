import { describe, expect, it } from 'vitest';
import type { Consumer } from '../../component/types.ts';
import { decodeExportRequest } from '../../pdata/decode-model.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { probabilisticSamplerConfigSchema } from './config.ts';
import { probabilisticSamplerFactory } from './factory.ts';
import { withTraceState } from './rewrite-trace-state.ts';
import { spansBatch, testSettings } from './testdata/make-spans.ts';
import { decodeSpan } from '../../pdata/decode-model.ts';
import { encodeSpan } from '../../pdata/encode-model.ts';
import { newSpan } from '../../pdata/model.ts';

class Capture implements Consumer {
  readonly batches: SpanBatch[] = [];
  fail: Error | null = null;
  async consume(batch: SpanBatch): Promise<void> {
    if (this.fail !== null) throw this.fail;
    this.batches.push(batch);
  }
}

function make(cfg: Record<string, unknown>) {
  const t = testSettings();
  const sink = new Capture();
  const p = probabilisticSamplerFactory.createTracesProcessor(t.settings, probabilisticSamplerConfigSchema.parse(cfg), sink);
  return { p, sink, ...t };
}

async function metric(t: ReturnType<typeof testSettings>['telemetry'], name: string, labels: Record<string, string>): Promise<number> {
  const m = t.registry.getSingleMetric(name);
  if (m === undefined) return 0;
  const v = (await m.get()).values.find((x) => Object.entries(labels).every(([k, want]) => String(x.labels[k]) === want));
  return v?.value ?? 0;
}

const ID_B = '4bf92f3577b34da6a3ce929d0e0e4736'; // randomness 0.807
const ID_D = '5b8efff798038103d269b633813fc60c'; // randomness 0.413

describe('probabilistic_sampler processor', () => {
  it('keeps the sampled spans, writes their tracestate, leaves every other byte alone', async () => {
    const { p, sink, telemetry } = make({ mode: 'proportional', sampling_percentage: 50 });
    const batch = spansBatch([
      { traceId: ID_B, name: 'kept-1', traceState: 'vendor=a' },
      { traceId: ID_D, name: 'dropped' },
      { traceId: ID_B, name: 'kept-2' },
    ]);
    await p.consume(batch);
    expect(sink.batches).toHaveLength(1);
    const out = decodeExportRequest(encodeExportRequest(sink.batches[0]!));
    const spans = out.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.map((s) => [s.name, s.traceState])).toEqual([
      ['kept-1', 'ot=th:8,vendor=a'],
      ['kept-2', 'ot=th:8'],
    ]);
    // Everything but the tracestate is as it came in.
    const original = decodeExportRequest(encodeExportRequest(batch)).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect({ ...spans[0]!, traceState: '' }).toEqual({ ...original[0]!, traceState: '' });
    expect(out.resourceSpans[0]!.resource).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 0 });
    const labels = { processor: 'probabilistic_sampler', policy: 'trace_id_w3c' };
    expect(await metric(telemetry, 'otelcol_processor_probabilistic_sampler_count_traces_sampled', { ...labels, sampled: 'true' })).toBe(2);
    expect(await metric(telemetry, 'otelcol_processor_probabilistic_sampler_count_traces_sampled', { ...labels, sampled: 'false' })).toBe(1);
    expect(await metric(telemetry, 'otelcol_processor_incoming_items', { processor: 'probabilistic_sampler' })).toBe(3);
    expect(await metric(telemetry, 'otelcol_processor_outgoing_items', { processor: 'probabilistic_sampler' })).toBe(2);
  });

  it('passes a batch on untouched (still pristine) when nothing is dropped or rewritten', async () => {
    const { p, sink } = make({ mode: 'equalizing', sampling_percentage: 100 });
    const batch = spansBatch([
      { traceId: ID_B, traceState: 'ot=th:0' },
      { traceId: ID_D, traceState: 'ot=th:0' },
    ]);
    await p.consume(batch);
    expect(sink.batches[0]).toBe(batch);
    expect(sink.batches[0]!.pristine).not.toBeNull();
  });

  it('forwards nothing (and resolves) when every span is dropped, with a log line and counts', async () => {
    const { p, sink, logs, telemetry } = make({ sampling_percentage: 0 });
    await p.consume(spansBatch([{ traceId: ID_B }, { traceId: ID_D }]));
    expect(sink.batches).toHaveLength(0);
    expect(logs.some((l) => l.msg === 'spans not sampled' && l['dropped'] === 2)).toBe(true);
    expect(await metric(telemetry, 'otelcol_processor_probabilistic_sampler_count_traces_sampled', { policy: 'sampling_priority', sampled: 'false' })).toBe(2);
  });

  it('fail_closed drops spans with a malformed tracestate and logs the reason once per batch', async () => {
    const { p, sink, logs } = make({ mode: 'proportional', sampling_percentage: 100 });
    await p.consume(spansBatch([{ traceId: ID_B, traceState: 'ot=th:zz' }, { traceId: ID_B, traceState: 'Bad=1' }, { traceId: ID_B }]));
    const out = decodeExportRequest(encodeExportRequest(sink.batches[0]!)).resourceSpans[0]!.scopeSpans[0]!.spans;
    expect(out.map((s) => s.traceState)).toEqual(['ot=th:0']);
    const errLogs = logs.filter((l) => l.msg.startsWith('spans with sampling errors'));
    expect(errLogs).toHaveLength(1);
    expect(errLogs[0]).toMatchObject({ spans: 2, reason: 'tracestate' });
  });

  it('sampling.priority keeps a span at 0% and drops one at 100%', async () => {
    const { p, sink } = make({ sampling_percentage: 0 });
    await p.consume(spansBatch([{ traceId: ID_B, name: 'forced', priority: { intValue: 1n } }, { traceId: ID_D, name: 'not' }]));
    expect(decodeExportRequest(encodeExportRequest(sink.batches[0]!)).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => [s.name, s.traceState])).toEqual([['forced', 'ot=th:0']]);
    const all = make({ sampling_percentage: 100 });
    await all.p.consume(spansBatch([{ traceId: ID_B, name: 'vetoed', priority: { stringValue: '0' } }, { traceId: ID_D, name: 'kept' }]));
    expect(decodeExportRequest(encodeExportRequest(all.sink.batches[0]!)).resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.name)).toEqual(['kept']);
  });

  it('rejects when the next consumer rejects', async () => {
    const { p, sink } = make({ sampling_percentage: 100 });
    sink.fail = new Error('downstream');
    await expect(p.consume(spansBatch([{ traceId: ID_B }]))).rejects.toThrow('downstream');
  });

  it('shutdown works without start and twice', async () => {
    const { p } = make({ sampling_percentage: 10 });
    await p.shutdown();
    await p.shutdown();
  });
});

describe('withTraceState', () => {
  it('replaces, inserts in canonical position, and removes duplicates', () => {
    const span = newSpan({ traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, 2), name: 'n', traceState: 'a=1', attributes: [{ key: 'k', value: { stringValue: 'v' } }] });
    const bytes = encodeSpan(span);
    expect(decodeSpan(withTraceState(bytes, 'ot=th:8')).traceState).toBe('ot=th:8');
    expect({ ...decodeSpan(withTraceState(bytes, 'ot=th:8')), traceState: 'a=1' }).toEqual(span);
    // No tracestate before: the new field lands before field 4+ (here: name), as an encoder would put it.
    const plain = encodeSpan({ ...span, traceState: '' });
    expect(withTraceState(plain, 'a=1').equals(bytes)).toBe(true);
    // Two trace_state fields (protobuf: the last wins) become one.
    const doubled = Buffer.concat([bytes, Buffer.from([0x1a, 3, 0x62, 0x3d, 0x32])]);
    expect(decodeSpan(doubled).traceState).toBe('b=2');
    const fixed = withTraceState(doubled, 'c=3');
    expect(decodeSpan(fixed).traceState).toBe('c=3');
    expect(fixed.length).toBe(bytes.length);
  });
});
