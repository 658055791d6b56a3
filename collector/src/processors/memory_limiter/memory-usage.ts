/**
 * What "memory used" means for the limiter, and how to force a GC.
 *
 * otelcol compares Go's live heap (Alloc) with the limits. The Node equivalent of live memory is
 *
 *     used = heapUsed + external
 *
 * heapUsed alone would miss most of what this collector holds: spans travel as request Buffers,
 * which live outside the V8 heap and count in `external` (which already includes arrayBuffers).
 *
 * RSS is logged but deliberately not the control variable. After a load spike the allocator and
 * V8 keep freed pages for a while, so RSS stays high while live memory is low; a limiter deciding
 * on RSS keeps refusing data long after the spike although refusing cannot shrink retained pages
 * (the testbed's oom gate caught exactly that latch). Retained pages are reused for new
 * allocations, so live memory is what refusing actually controls. Leave headroom in limit_mib for
 * the runtime itself (a bare Node process is ~40 MiB RSS).
 */

export interface MemoryStats {
  rss: number;
  heapUsed: number;
  /** Memory of C++ objects bound to JS objects, Buffers included (Node's process.memoryUsage). */
  external: number;
}

export type MemoryReader = () => MemoryStats;

/** process.memoryUsage(): the resident set from /proc plus V8 heap statistics; cheap at check_interval rates. */
export const readProcessMemory: MemoryReader = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
};

export function usedBytes(s: MemoryStats): number {
  return s.heapUsed + s.external;
}

/** global.gc when node runs with --expose-gc, else null (then the limiter only refuses). */
export function exposedGc(): (() => void) | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as () => void) : null;
}

const MIB = 1024 * 1024;

export function toMiB(bytes: number): number {
  return Math.round(bytes / MIB);
}

/** Log fields of a reading, in MiB (as otelcol logs cur_mem_mib). */
export function memoryFields(s: MemoryStats): Record<string, number> {
  return { cur_mem_mib: toMiB(usedBytes(s)), rss_mib: toMiB(s.rss), heap_used_mib: toMiB(s.heapUsed), external_mib: toMiB(s.external) };
}
