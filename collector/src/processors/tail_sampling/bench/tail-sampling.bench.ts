/**
 * tail_sampling memory and decision throughput.
 *
 *   node --expose-gc --import tsx collector/src/processors/tail_sampling/bench/tail-sampling.bench.ts [traces] [spansPerTrace]
 *
 * 1. Buffer: `traces` x `spansPerTrace` spans (default 100,000 x 10 = 1,000,000) of otelcol's
 *    testbed shape (2 int attributes; encoded with pdata/encode-model.ts, indexed as a receiver
 *    does), 100 traces per request with the spans of a trace together; then again with every
 *    trace spread over `spansPerTrace` requests. Requests are made one at a time
 *    and dropped after consume(), so what stays is what the processor holds. Reports bytes per
 *    buffered span: (heapUsed + arrayBuffers) after a full GC, minus the same before, over the
 *    span count; and that over the wire size (request bytes per span).
 * 2. Decide: the clock jumps past decision_wait and one tick decides every trace with the
 *    classic policies (status_code ERROR, latency 250 ms); 1 % of traces have an error, 1 % are
 *    slow. Reports decisions (traces) per second and spans per second.
 * 3. Lookup: the trace-id -> pending-trace look-up, as TraceIdIndex (this processor) and as a
 *    Map keyed by a latin1 string of the id (the obvious alternative), ns per look-up and bytes
 *    per entry.
 * Prints one JSON object.
 */
import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { parseComponentId, type Consumer } from '../../../component/types.ts';
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { newSpan, type SpanModel } from '../../../pdata/model.ts';
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import { SelfTelemetry } from '../../../telemetry/self-telemetry.ts';
import { tailSamplingConfigSchema } from '../config.ts';
import { buildPolicies } from '../policies/index.ts';
import { TailSamplingProcessor } from '../processor.ts';
import { ID_WORDS, readIdWords, TraceIdIndex } from '../trace-id-index.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  // Re-run with --expose-gc: the memory figures need a full collection.
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const TRACES = Number(process.argv[2] ?? 100_000);
const SPANS_PER_TRACE = Number(process.argv[3] ?? 10);
const TRACES_PER_REQUEST = 100;

function fullGc(): void {
  for (let k = 0; k < 4; k++) gc!();
}

function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function id(n: number, size: number, salt: number): Buffer {
  const b = Buffer.alloc(size);
  // Random-looking but reproducible ids (SDK ids are random).
  let x = (n * 0x9e3779b1 + salt) >>> 0;
  for (let i = 0; i < size; i++) {
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
    b[i] = x & 0xff;
  }
  b[0] |= 1;
  return b;
}

const NOW_NS = 1_700_000_000_000n * 1_000_000n;

/**
 * Request `r`. Together: all spans of traces r*100 .. r*100+99. Spread: span (r % spansPerTrace)
 * of 1,000 traces, so every trace arrives in spansPerTrace requests (the SDK-per-service case).
 */
function request(r: number, spread: boolean): Buffer {
  const spans: SpanModel[] = [];
  const perRequest = spread ? TRACES_PER_REQUEST * SPANS_PER_TRACE : TRACES_PER_REQUEST;
  const group = spread ? Math.floor(r / SPANS_PER_TRACE) : r;
  const firstTrace = group * perRequest;
  for (let t = firstTrace; t < firstTrace + perRequest && t < TRACES; t++) {
    const traceId = id(t, 16, 1);
    const slow = t % 100 === 7;
    const error = t % 100 === 3;
    for (let k = spread ? r % SPANS_PER_TRACE : 0; k < (spread ? (r % SPANS_PER_TRACE) + 1 : SPANS_PER_TRACE); k++) {
      const seq = t * SPANS_PER_TRACE + k;
      const start = NOW_NS + BigInt(k) * 1000n;
      spans.push(
        newSpan({
          traceId,
          spanId: id(seq, 8, 2),
          parentSpanId: k === 0 ? Buffer.alloc(0) : id(t * SPANS_PER_TRACE, 8, 2),
          name: `span-${k}`,
          kind: 2,
          startTimeUnixNano: start,
          endTimeUnixNano: start + (k === 0 && slow ? 300_000_000n : 5_000_000n),
          attributes: [
            { key: 'load_generator.span_seq_num', value: { intValue: BigInt(seq) } },
            { key: 'load_generator.trace_seq_num', value: { intValue: BigInt(t) } },
          ],
          status: { code: error && k === SPANS_PER_TRACE - 1 ? 2 : 0, message: '' },
        }),
      );
    }
  }
  return encodeExportRequestModel({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }, { key: 'host.name', value: { stringValue: 'node-17' } }], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: { name: 'bench', version: '1.0.0', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  });
}

class CountingSink implements Consumer {
  spans = 0;
  batches = 0;
  consume(batch: SpanBatch): Promise<void> {
    this.spans += batch.spanCount;
    this.batches++;
    return Promise.resolve();
  }
}

async function bufferAndDecide(spread: boolean) {
  let clock = 0;
  const now = () => clock;
  const totalSpans = TRACES * SPANS_PER_TRACE;
  const config = tailSamplingConfigSchema.parse({
    decision_wait: '30s',
    num_traces: TRACES,
    max_buffered_bytes: 1024 * 1024 * 1024,
    policies: [
      { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
      { name: 'slow', type: 'latency', latency: { threshold_ms: 250 } },
    ],
  });
  const settings = { id: parseComponentId('tail_sampling'), kind: 'processor' as const, logger: pino({ level: 'silent' }), telemetry: new SelfTelemetry(), pipelines: ['traces'] };
  const sink = new CountingSink();
  fullGc();
  const before = memory();
  const policies = buildPolicies(config.policies, { logger: settings.logger, telemetry: settings.telemetry, processorId: 'tail_sampling', now });
  const processor = new TailSamplingProcessor(settings, config, sink, policies, { now });
  fullGc();
  const empty = memory();

  let wireBytes = 0;
  let ingestMs = 0;
  const requests = Math.ceil(TRACES / TRACES_PER_REQUEST);
  // Requests are made in chunks, outside the timing, and the garbage of making them is
  // collected before the chunk is consumed, so the timing is the processor's own work.
  const CHUNK = 50;
  for (let r0 = 0; r0 < requests; r0 += CHUNK) {
    const chunk: SpanBatch[] = [];
    for (let r = r0; r < Math.min(requests, r0 + CHUNK); r++) {
      const buf = request(r, spread);
      wireBytes += buf.length;
      chunk.push(indexExportRequest(buf));
    }
    gc!();
    const t0 = performance.now();
    for (const batch of chunk) await processor.consume(batch);
    ingestMs += performance.now() - t0;
    chunk.length = 0; // the requests are garbage now: only what the processor copied stays
  }
  fullGc();
  const held = memory();
  const pending = processor.pendingTraces;
  const store = processor.store;
  const bufferedPerSpan = (held - empty) / totalSpans;
  const wirePerSpan = wireBytes / totalSpans;
  const stored = {
    heldBytes: store.heldBytes,
    slabBytes: store.slabBytes,
    liveSpanBytes: store.liveBytes,
    contextBytes: store.contextBytes,
    fragments: store.fragments,
    fragmentTableBytes: store.tableBytes,
    traceTableBytes: processor.table.byteSize,
  };

  clock += 31_000;
  gc!();
  const t0 = performance.now();
  processor.tick();
  const decideMs = performance.now() - t0;
  await processor.shutdown();

  return {
    layout: spread ? `each trace spread over ${SPANS_PER_TRACE} requests` : 'each trace in one request',
    traces: TRACES,
    spansPerTrace: SPANS_PER_TRACE,
    spans: totalSpans,
    pendingAfterIngest: pending,
    wireBytesPerSpan: round(wirePerSpan),
    memory: {
      bufferedBytesPerSpan: round(bufferedPerSpan),
      ratioToWire: round(bufferedPerSpan / wirePerSpan),
      fixedStructuresBytes: empty - before,
      ...stored,
    },
    ingest: { spansPerSec: Math.round(totalSpans / (ingestMs / 1000)), nsPerSpan: round((ingestMs * 1e6) / totalSpans) },
    decide: {
      tracesPerSec: Math.round(TRACES / (decideMs / 1000)),
      spansPerSec: Math.round(totalSpans / (decideMs / 1000)),
      nsPerSpan: round((decideMs * 1e6) / totalSpans),
      sampledTraces: sink.spans / SPANS_PER_TRACE,
      forwardBatches: sink.batches,
    },
  };
}

function lookupBench() {
  const n = TRACES;
  const lookups = 2_000_000;
  const ids = Buffer.alloc(n * 16);
  for (let t = 0; t < n; t++) id(t, 16, 1).copy(ids, t * 16);
  const key = new Uint32Array(ID_WORDS);

  fullGc();
  let m0 = memory();
  const keys = new Uint32Array(n * ID_WORDS);
  const index = new TraceIdIndex(keys, 1024);
  for (let t = 0; t < n; t++) {
    readIdWords(ids, t * 16, keys, t * ID_WORDS);
    index.insert(t);
  }
  fullGc();
  const indexBytes = (memory() - m0) / n;
  let sink = 0;
  let t0 = performance.now();
  for (let k = 0; k < lookups; k++) {
    const t = (k * 7919) % n;
    readIdWords(ids, t * 16, key, 0);
    sink += index.find(key, 0);
  }
  const indexNs = ((performance.now() - t0) * 1e6) / lookups;

  fullGc();
  m0 = memory();
  const map = new Map<string, number>();
  for (let t = 0; t < n; t++) map.set(ids.toString('latin1', t * 16, t * 16 + 16), t);
  fullGc();
  const mapBytes = (memory() - m0) / n;
  t0 = performance.now();
  for (let k = 0; k < lookups; k++) {
    const t = (k * 7919) % n;
    sink += map.get(ids.toString('latin1', t * 16, t * 16 + 16)) ?? 0;
  }
  const mapNs = ((performance.now() - t0) * 1e6) / lookups;
  if (sink === -1) console.log('');
  return {
    entries: n,
    traceIdIndex: { nsPerLookup: round(indexNs), bytesPerEntry: round(indexBytes) },
    mapLatin1String: { nsPerLookup: round(mapNs), bytesPerEntry: round(mapBytes) },
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const result = {
  node: process.version,
  together: await bufferAndDecide(false),
  spread: await bufferAndDecide(true),
  lookup: lookupBench(),
};
console.log(JSON.stringify(result, null, 2));
