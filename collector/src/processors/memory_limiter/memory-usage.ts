/**
 * What "memory used" means for the limiter, and how to force a GC.
 *
 * otelcol compares Go's heap Alloc with the limits. Node has no single equivalent, and the
 * obvious one, V8's heapUsed, misses most of what this collector holds: spans travel as request
 * Buffers, which live outside the V8 heap (they count in `external`). So the limiter uses
 *
 *     used = max(rss, heapUsed + external)
 *
 *  - rss (resident set) is what the cgroup limit and the OOM killer see: V8 heap pages, Buffers,
 *    code, native allocations. It is the figure that matters for not being killed.
 *  - heapUsed + external is memory V8 and Node have handed out (external already includes
 *    arrayBuffers, i.e. every Buffer, so arrayBuffers is not added again). It can exceed rss when
 *    Buffers are allocated but not yet touched (not resident yet): refusing on it then is early
 *    rather than late.
 * The max is deliberately conservative: of two estimates of how close the process is to being
 * killed, it believes the worse one. The cost: rss shrinks slowly after a GC (the allocator may
 * keep freed pages), so recovery below the soft limit can take a check or two longer.
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
  return Math.max(s.rss, s.heapUsed + s.external);
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
