/** The per-key class cache: answers like a Map would, stays bounded under unique keys. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyClassCache, MAX_CACHED_KEY_BYTES } from './key-cache.ts';

describe('KeyClassCache', () => {
  it('returns what was stored for the same bytes, wherever they sit in a buffer', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 3 })), { maxLength: 200 }), (entries) => {
        const cache = new KeyClassCache(64);
        const model = new Map<string, number>();
        for (const [key, cls] of entries) {
          // Each key inside a bigger buffer, at an offset, as keys sit in a request.
          const buf = Buffer.concat([Buffer.from([0xaa, 0xbb]), key, Buffer.from([0xcc])]);
          const hex = Buffer.from(key).toString('hex');
          const got = cache.get(buf, 2, 2 + key.length);
          // A miss is always allowed (the cache may have been cleared); a hit must be right.
          if (got !== -1) expect(got).toBe(model.get(hex));
          cache.set(buf, 2, 2 + key.length, cls);
          model.set(hex, cls);
          expect(cache.get(buf, 2, 2 + key.length)).toBe(cls);
          expect(cache.size).toBeLessThanOrEqual(32);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stays bounded when every key is new, and does not cache very long keys', () => {
    const cache = new KeyClassCache(1024);
    for (let i = 0; i < 100_000; i++) {
      const k = Buffer.from(`key-${i}`);
      cache.set(k, 0, k.length, i & 3);
      expect(cache.size).toBeLessThanOrEqual(512);
    }
    const long = Buffer.alloc(MAX_CACHED_KEY_BYTES + 1, 0x61);
    cache.set(long, 0, long.length, 2);
    expect(cache.get(long, 0, long.length)).toBe(-1);
  });
});
