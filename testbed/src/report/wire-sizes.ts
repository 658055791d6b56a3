/**
 * What this run's spans weigh on the wire: the load generator encodes a few batches with the run's
 * own shape, protocol, tenants and batch size into a capturing transport (in this thread, no
 * sockets), and each request is gzip-compressed to measure the ratio a compressing exporter or a
 * backend would see. The cost model (cost-model.ts) multiplies these by the run's rates.
 */
import { gzipSync } from 'node:zlib';
import type { LoadgenConfigInput } from '../loadgen/config.ts';
import { startLoad } from '../loadgen/load-run.ts';
import { result, type SpanTransport } from '../loadgen/transports/span-transport.ts';
import type { RunExtension } from '../run/run-extension.ts';
import type { RunResult, WireSizes } from '../run/run-result.ts';

/** Keeps the size of every request (uncompressed and gzip) and answers OK. */
class SizingTransport implements SpanTransport {
  rawBytes = 0;
  gzipBytes = 0;
  requests = 0;

  async send(body: Buffer): Promise<ReturnType<typeof result>> {
    this.requests++;
    this.rawBytes += body.length;
    this.gzipBytes += gzipSync(body).length;
    return result('ok', 'sizing:ok');
  }

  async close(): Promise<void> {}
}

export interface WireSampleOptions {
  /** Requests' worth of spans to encode (default 8 full batches). */
  batches?: number;
  /** Give up after this long (the generator runs on the real clock: spans leave when they end). */
  timeoutMs?: number;
}

/** Encodes sample requests of this load (without its endpoint) and measures them. */
export async function measureWireSizes(load: Omit<LoadgenConfigInput, 'endpoint'>, o: WireSampleOptions = {}): Promise<WireSizes> {
  const protocol = load.protocol ?? 'grpc';
  const batch = load.max_export_batch_size ?? 512;
  const spansPerTrace = load.shape?.spans_per_trace ?? (load.shape?.preset === 'otelcol-testbed' ? 1 : 10);
  const traces = Math.max(1, Math.ceil(((o.batches ?? 8) * batch) / spansPerTrace));
  const transports: SizingTransport[] = [];
  const run = startLoad(
    {
      ...load,
      endpoint: protocol === 'grpc' ? '127.0.0.1:1' : 'http://127.0.0.1:1',
      compression: 'none',
      // Fast enough that the batches fill at once; the shape (and so the bytes) is the run's own.
      rate: 1_000_000,
      traces,
      workers: 1,
      max_queue_size: Math.max(load.max_queue_size ?? 100, traces * spansPerTrace),
      retry: { enabled: false },
      run_tag: 1,
    },
    {
      inThread: true,
      transportFactory: () => {
        const t = new SizingTransport();
        transports.push(t);
        return t;
      },
    },
  );
  const timeout = setTimeout(() => void run.stop().catch(() => {}), o.timeoutMs ?? 10_000);
  let report;
  try {
    report = await run.done;
  } finally {
    clearTimeout(timeout);
  }
  const requests = transports.reduce((a, t) => a + t.requests, 0);
  const rawBytes = transports.reduce((a, t) => a + t.rawBytes, 0);
  const gzipBytes = transports.reduce((a, t) => a + t.gzipBytes, 0);
  const spans = report.counters.spansAccepted;
  if (requests === 0 || spans === 0) throw new Error('the sample load produced no request');
  return {
    protocol,
    sampleRequests: requests,
    sampleSpans: spans,
    rawBytes,
    gzipBytes,
    bytesPerSpan: Math.round((rawBytes / spans) * 10) / 10,
    gzipRatio: Math.round((gzipBytes / rawBytes) * 10_000) / 10_000,
  };
}

/** The run's own counters: average request size and spans per request, as sent. */
export function measuredRequestFigures(run: RunResult): Pick<WireSizes, 'measuredRequestBytes' | 'measuredSpansPerRequest'> {
  let bytes = 0;
  let requests = 0;
  let okRequests = 0;
  let spans = 0;
  for (const l of run.loads) {
    bytes += l.counters.bytesSent;
    requests += l.counters.requests;
    okRequests += l.counters.requestsOk;
    spans += l.counters.spansAccepted;
  }
  return {
    measuredRequestBytes: requests > 0 ? Math.round(bytes / requests) : undefined,
    measuredSpansPerRequest: okRequests > 0 ? Math.round((spans / okRequests) * 10) / 10 : undefined,
  };
}

/** Adds `wire` to every run that generated load. */
export function wireSizeExtension(o: WireSampleOptions = {}): RunExtension {
  return {
    name: 'wire sizes',
    async afterRun(run, plan) {
      if (run.loads.length === 0) return;
      run.wire = { ...(await measureWireSizes(plan.load, o)), ...measuredRequestFigures(run) };
    },
  };
}
