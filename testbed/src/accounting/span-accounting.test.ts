import { describe, expect, it } from 'vitest';
import { startLoad } from '../loadgen/load-run.ts';
import type { LoadReport } from '../loadgen/load-report.ts';
import { CapturingTransport, type CapturedRequest } from '../testing/capturing-transport.ts';
import { SpanStore } from '../backend/span-store.ts';
import { scanExportTraceRequest } from '../proto/otlp-span-scanner.ts';
import { accountSpans } from './span-accounting.ts';
import { parsePrometheusText } from './prometheus-text.ts';
import { readU32 } from '../loadgen/trace-ids.ts';

const N = 5; // spans per trace

async function capturedRun(): Promise<{ report: LoadReport; requests: CapturedRequest[] }> {
  const requests: CapturedRequest[] = [];
  const run = startLoad(
    {
      endpoint: 'unused:1',
      rate: 100_000,
      traces: 200,
      max_queue_size: 10_000,
      max_export_batch_size: 50,
      flush_interval: 2,
      tenants: ['a', 'b'],
      shape: { spans_per_trace: N, depth: 3, services: 3, endpoints: 6, error_rate: 0.2, slow_share: 0.2, emit_at_span_end: false },
    },
    { inThread: true, transportFactory: (w) => new CapturingTransport(w, requests) },
  );
  return { report: await run.done, requests };
}

/** Replays captured requests into a backend store, letting the test drop, repeat or relabel spans. */
function replay(report: LoadReport, requests: CapturedRequest[], edit: (t: number, j: number) => number, tenantOf = (r: CapturedRequest) => report.config.tenants[r.tenant]!): SpanStore {
  const store = new SpanStore();
  for (const r of requests) {
    store.beginRequest(tenantOf(r));
    scanExportTraceRequest(r.body, {
      addSpan(buf, ti, si) {
        const t = readU32(buf, ti + 4);
        const j = (buf[si + 4]! << 8) | buf[si + 5]!;
        for (let k = edit(t, j); k > 0; k--) store.addSpan(buf, ti, si);
      },
    });
  }
  return store;
}

describe('span accounting', () => {
  it('accounts for every span: missing, duplicates, foreign, tenant mismatches, counted drops, sampling', async () => {
    const { report, requests } = await capturedRun();
    const all = accountSpans({ load: report, received: replay(report, requests, () => 1).snapshot() });
    expect(all.spans).toMatchObject({ generated: 1000, sent: 1000, receivedUnique: 1000, missing: 0, unexplained: 0, duplicates: 0, foreign: 0, tenantMismatches: 0 });
    expect(all.traces).toMatchObject({ total: 200, kept: 200, keptComplete: 200 });
    expect(all.traces.endpointsKept).toBe(all.traces.endpoints);

    // Lose trace 10 entirely and two spans of trace 20; receive three spans of trace 30 twice.
    const store = replay(report, requests, (t, j) => (t === 10 || (t === 20 && j < 2) ? 0 : t === 30 && j < 3 ? 2 : 1));
    // Two spans of another run, and a copy of one of this run's spans with a forged trace id salt.
    const foreign = Buffer.alloc(24, 7);
    store.beginRequest('a');
    store.addSpan(foreign, 0, 16);
    store.addSpan(foreign, 0, 16);
    const real = store.snapshot();
    const forged = Buffer.concat([real.traceIds.subarray(0, 16), real.spanIds.subarray(0, 8)]);
    forged[15] ^= 0xff;
    store.addSpan(forged, 0, 16);
    const metrics = parsePrometheusText(
      'otelcol_exporter_send_failed_spans{exporter="otlp"} 3\notelcol_exporter_enqueue_failed_spans_total{exporter="otlp"} 1\notelcol_receiver_refused_spans{receiver="otlp"} 40\n',
    );
    const r = accountSpans({ load: report, received: store.snapshot(), collectorMetrics: [metrics] });
    expect(r.spans).toMatchObject({
      sent: 1000,
      receivedTotal: 1000 - 7 + 3 + 3,
      receivedUnique: 993,
      missing: 7,
      duplicates: 3,
      duplicatedSpans: 3,
      foreign: 3,
      countedDrops: 4,
      countedRefusals: 40,
      unexplained: 3,
      unexplainedClamped: 3,
      overExplained: false,
      sampledOut: 0,
    });
    expect(r.spans.countedByMetric).toMatchObject({ otelcol_exporter_send_failed_spans: 3, otelcol_exporter_enqueue_failed_spans: 1, otelcol_receiver_refused_spans: 40 });
    expect(r.traces).toMatchObject({ kept: 199, keptComplete: 198, keptIncomplete: 1, incompleteExamples: [20] });

    // As a sampling run, trace 10 was sampled out: now more is counted than is missing.
    const s = accountSpans({ load: report, received: store.snapshot(), collectorMetrics: [metrics], sampling: true });
    expect(s.spans).toMatchObject({ sampledOut: 5, unexplained: 7 - 4 - 5, unexplainedClamped: 0, overExplained: true });
  });

  it('counts error, slow and endpoint coverage of the kept traces', async () => {
    const { report, requests } = await capturedRun();
    const keep = (t: number) => report.truth.isError(t) || t % 4 === 0;
    const r = accountSpans({ load: report, received: replay(report, requests, (t) => (keep(t) ? 1 : 0)).snapshot(), sampling: true });
    let errors = 0;
    let slow = 0;
    let slowKept = 0;
    const endpointsKept = new Set<number>();
    for (let t = 0; t < 200; t++) {
      if (report.truth.isError(t)) errors++;
      if (report.truth.isSlow(t)) slow++;
      if (report.truth.isSlow(t) && keep(t)) slowKept++;
      if (keep(t)) endpointsKept.add(report.truth.endpoint[t]!);
    }
    expect(errors).toBeGreaterThan(0);
    expect(r.traces).toMatchObject({ errorTraces: errors, errorTracesKept: errors, slowTraces: slow, slowTracesKept: slowKept, endpointsKept: endpointsKept.size });
    expect(r.spans.unexplained).toBe(0);
  });

  it('flags spans received under the wrong tenant', async () => {
    const { report, requests } = await capturedRun();
    const swapped = replay(report, requests, () => 1, (req) => report.config.tenants[1 - req.tenant]!);
    expect(accountSpans({ load: report, received: swapped.snapshot() }).spans.tenantMismatches).toBe(1000);
  });
});
