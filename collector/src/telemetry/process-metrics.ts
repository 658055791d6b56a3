/**
 * otelcol's process metrics (service/internal/proctelemetry), with the same names and types, read
 * when Prometheus scrapes (prom-client `collect` callbacks) instead of on a timer: no work at all
 * between scrapes, and the value is as fresh as the scrape.
 *
 * Node has no exact equivalent of two Go runtime figures; see the notes on
 * otelcol_process_runtime_total_alloc_bytes and otelcol_process_runtime_total_sys_memory_bytes.
 */
import { Counter, Gauge } from 'prom-client';
import type { SelfTelemetry } from './self-telemetry.ts';

export interface ProcessMetricsOptions {
  /** When the collector started (ms since epoch); uptime counts from here. Default: now. */
  startTimeMs?: number;
  /** Clock and process readers, replaceable in tests. */
  now?: () => number;
  cpuUsage?: () => NodeJS.CpuUsage;
  memoryUsage?: () => NodeJS.MemoryUsage;
}

/** Registers the process metrics on the collector's registry. Call once per SelfTelemetry. */
export function registerProcessMetrics(telemetry: SelfTelemetry, options: ProcessMetricsOptions = {}): void {
  const now = options.now ?? Date.now;
  const startTimeMs = options.startTimeMs ?? now();
  const cpuUsage = options.cpuUsage ?? (() => process.cpuUsage());
  const memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
  const registers = [telemetry.registry];

  // otelcol reports uptime and CPU time as monotonic sums (Prometheus counters). prom-client
  // counters only go up by inc(), so collect() resets and sets the cumulative value each scrape.
  new Counter({
    name: 'otelcol_process_uptime',
    help: 'Uptime of the process (seconds).',
    registers,
    collect() {
      this.reset();
      this.inc(Math.max(0, now() - startTimeMs) / 1000);
    },
  });

  new Counter({
    name: 'otelcol_process_cpu_seconds',
    help: 'Total CPU user and system time in seconds.',
    registers,
    collect() {
      const u = cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });

  new Gauge({
    name: 'otelcol_process_memory_rss',
    help: 'Total physical memory (resident set size) (bytes).',
    registers,
    collect() {
      this.set(memoryUsage().rss);
    },
  });

  new Gauge({
    name: 'otelcol_process_runtime_heap_alloc_bytes',
    help: 'Bytes of allocated heap objects (V8 heapUsed).',
    registers,
    collect() {
      this.set(memoryUsage().heapUsed);
    },
  });

  // Go's TotalAlloc counts every byte ever allocated. V8 does not expose that, so this is a lower
  // bound: the sum of heap growth seen between consecutive scrapes (what was allocated and freed
  // between two scrapes is not seen). It is monotonic, as a counter must be.
  let lastHeapUsed = 0;
  let totalAlloc = 0;
  new Counter({
    name: 'otelcol_process_runtime_total_alloc_bytes',
    help: 'Cumulative bytes allocated for heap objects (approximate: lower bound from heap growth between scrapes).',
    registers,
    collect() {
      const heapUsed = memoryUsage().heapUsed;
      if (heapUsed > lastHeapUsed) totalAlloc += heapUsed - lastHeapUsed;
      lastHeapUsed = heapUsed;
      this.reset();
      this.inc(totalAlloc);
    },
  });

  // Go's Sys is memory obtained from the OS by the runtime; the closest Node figure is the V8
  // heap reserved (heapTotal) plus memory held outside it for Buffers and other C++ objects.
  new Gauge({
    name: 'otelcol_process_runtime_total_sys_memory_bytes',
    help: 'Total bytes of memory obtained from the OS (V8 heapTotal + external).',
    registers,
    collect() {
      const m = memoryUsage();
      this.set(m.heapTotal + m.external);
    },
  });
}
