/**
 * Reuses request buffers. A request body is a few hundred kilobytes; allocating one per request
 * made the garbage collector the generator's third-largest cost. A body goes back to the pool once
 * its export (retries included) has settled: by then both transports are done with it.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly maxFree: number) {}

  /** A buffer of exactly `size` bytes (a view of a pooled buffer when one is large enough). */
  acquire(size: number): Buffer {
    const free = this.free;
    for (let i = free.length - 1; i >= 0; i--) {
      const b = free[i]!;
      if (b.length >= size) {
        free[i] = free[free.length - 1]!;
        free.pop();
        return b.subarray(0, size);
      }
    }
    // Some headroom so that a slightly larger next request still fits.
    return Buffer.allocUnsafeSlow(Math.ceil(size * 1.25)).subarray(0, size);
  }

  /** Returns a buffer obtained from acquire(). */
  release(view: Buffer): void {
    if (this.free.length >= this.maxFree) return;
    this.free.push(Buffer.from(view.buffer, view.byteOffset, view.buffer.byteLength - view.byteOffset));
  }
}
