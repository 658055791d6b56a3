/**
 * A buffered, serialized writer over one open file: what otelcol's fileexporter gets from
 * bufio.Writer plus its flush ticker. Chunks are queued in memory and written in one writev()
 * per flush; flushes never overlap, so records stay whole and in order.
 */
import type { FileHandle } from 'node:fs/promises';

export class BufferedFileWriter {
  private readonly handle: FileHandle;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private items = 0;
  private tail: Promise<void> = Promise.resolve();
  /** Called after each write with the number of items it carried, and the error if it failed. */
  private readonly onWritten: (items: number, err: Error | null) => void;

  constructor(handle: FileHandle, onWritten: (items: number, err: Error | null) => void) {
    this.handle = handle;
    this.onWritten = onWritten;
  }

  /** Bytes queued and not yet handed to the file. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** Queues one record (its chunks are written contiguously); `items` is what it counts for. */
  add(chunks: readonly Buffer[], items: number): void {
    for (const c of chunks) {
      this.chunks.push(c);
      this.bytes += c.length;
    }
    this.items += items;
  }

  /** Writes what is queued now; resolves when it (and any earlier flush) is on the file. Never rejects. */
  flush(): Promise<void> {
    this.tail = this.tail.then(() => this.writeQueued());
    return this.tail;
  }

  /** Resolves when the writes already started are done (queues nothing). */
  idle(): Promise<void> {
    return this.tail;
  }

  private async writeQueued(): Promise<void> {
    if (this.chunks.length === 0) return;
    const chunks = this.chunks;
    const items = this.items;
    this.chunks = [];
    this.bytes = 0;
    this.items = 0;
    try {
      await writeAll(this.handle, chunks);
      this.onWritten(items, null);
    } catch (err) {
      this.onWritten(items, err as Error);
    }
  }
}

/** writev until every byte is written (a regular file rarely takes less, but it may). */
async function writeAll(handle: FileHandle, chunks: Buffer[]): Promise<void> {
  let total = 0;
  for (const c of chunks) total += c.length;
  const { bytesWritten } = await handle.writev(chunks);
  if (bytesWritten === total) return;
  let rest = Buffer.concat(chunks).subarray(bytesWritten);
  while (rest.length > 0) {
    const { bytesWritten: n } = await handle.write(rest);
    rest = rest.subarray(n);
  }
}
