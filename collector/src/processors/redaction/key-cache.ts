/**
 * Attribute key bytes -> the key's class (ignored / delete / check value / mask), so key lists
 * and key patterns are evaluated once per distinct key rather than once per attribute: a few
 * hundred distinct keys cover almost every span. Looked up with the key's bytes in the request
 * buffer, so a hit decodes no string and allocates nothing.
 *
 * Open addressing with linear probing over fixed arrays. Bounded: when half full it is cleared,
 * so a sender inventing a new key per attribute costs pattern evaluations, never memory. Keys
 * longer than MAX_CACHED_KEY_BYTES are not cached (they are classified every time).
 */
export const MAX_CACHED_KEY_BYTES = 256;

export class KeyClassCache {
  private readonly mask: number;
  private readonly maxEntries: number;
  /** FNV-1a hash of the key; 0 marks an empty slot (a real 0 hash is stored as 1). */
  private readonly hashes: Int32Array;
  private readonly classes: Uint8Array;
  private readonly keys: (Buffer | undefined)[];
  private entries = 0;

  /** `slots` is rounded up to a power of two. */
  constructor(slots = 4096) {
    let n = 16;
    while (n < slots) n <<= 1;
    this.mask = n - 1;
    this.maxEntries = n >>> 1;
    this.hashes = new Int32Array(n);
    this.classes = new Uint8Array(n);
    this.keys = new Array<Buffer | undefined>(n).fill(undefined);
  }

  get size(): number {
    return this.entries;
  }

  /** The class stored for buf[start, end), or -1. */
  get(buf: Buffer, start: number, end: number): number {
    if (end - start > MAX_CACHED_KEY_BYTES) return -1;
    const h = hashBytes(buf, start, end);
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const stored = this.hashes[slot]!;
      if (stored === 0) return -1;
      if (stored === h && sameBytes(this.keys[slot]!, buf, start, end)) return this.classes[slot]!;
    }
  }

  set(buf: Buffer, start: number, end: number, cls: number): void {
    if (end - start > MAX_CACHED_KEY_BYTES) return;
    if (this.entries >= this.maxEntries) this.clear();
    const h = hashBytes(buf, start, end);
    const mask = this.mask;
    let slot = h & mask;
    while (this.hashes[slot] !== 0) {
      if (this.hashes[slot] === h && sameBytes(this.keys[slot]!, buf, start, end)) {
        this.classes[slot] = cls;
        return;
      }
      slot = (slot + 1) & mask;
    }
    this.hashes[slot] = h;
    this.classes[slot] = cls;
    // A copy: the request buffer must not be kept alive by the cache.
    this.keys[slot] = Buffer.from(buf.subarray(start, end));
    this.entries++;
  }

  clear(): void {
    this.hashes.fill(0);
    this.keys.fill(undefined);
    this.entries = 0;
  }
}

function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h === 0 ? 1 : h;
}

function sameBytes(key: Buffer, buf: Buffer, start: number, end: number): boolean {
  const n = key.length;
  if (n !== end - start) return false;
  for (let i = 0; i < n; i++) if (key[i] !== buf[start + i]) return false;
  return true;
}
