/**
 * Consistent hashing of a routing key onto backends. Two rings, both reduced to one lookup
 * table so a span costs one hash, one modulo and one array read (no search on the hot path):
 *
 *  - `maglev` (default): Maglev hashing (Eisenbud et al., NSDI 2016) over a prime table of
 *    65,537 slots. Every backend owns M/N slots give or take one, so the spread is even by
 *    construction; when one backend joins or leaves about 1/N of the keys move (a little more
 *    than the minimum: the paper measures a few percent of extra churn at M >= 100 N).
 *  - `otelcol_classic`: the ring otelcol's loadbalancing exporter has shipped for years, bit for
 *    bit, so a mixed fleet (some agents otelcol, some ours) sends a trace to the same gateway:
 *    CRC32-IEEE, 36,000 positions, 100 points per backend at crc32(endpoint + byte i) % 36000,
 *    backends in sorted order, a taken position skipped; a key goes to the first point at or
 *    after crc32(key) % 36000, wrapping. Its spread is uneven (100 points per backend: a
 *    standard deviation of ~10%), which is why it is not the default.
 *
 * Both are built from the sorted, de-duplicated endpoint list, so the order a resolver returns
 * backends in does not matter. Rings are immutable: a change builds a new one, swapped in whole.
 */
import { crc32, murmur3 } from './hash.ts';

export type RingKind = 'maglev' | 'otelcol_classic';

export interface HashRing {
  readonly kind: RingKind;
  /** Sorted, unique. ownerOf() returns an index into this list. */
  readonly endpoints: readonly string[];
  /** Hash of a routing key held in buf[start, end). */
  hash(buf: Uint8Array, start: number, end: number): number;
  /** Index (into endpoints) of the backend owning the key with this hash. */
  ownerOf(hash: number): number;
}

export function buildRing(kind: RingKind, endpoints: Iterable<string>): HashRing {
  const sorted = [...new Set(endpoints)].sort();
  if (sorted.length === 0) throw new RangeError('a ring needs at least one backend');
  if (sorted.length > 0xffff) throw new RangeError('at most 65535 backends');
  return kind === 'maglev' ? new MaglevRing(sorted) : new ClassicRing(sorted);
}

// ---------------------------------------------------------------- maglev

export const MAGLEV_TABLE_SIZE = 65537;
const SEED_OFFSET = 0x9747b28c;
const SEED_SKIP = 0x5bd1e995;

export class MaglevRing implements HashRing {
  readonly kind = 'maglev' as const;
  readonly endpoints: readonly string[];
  readonly size: number;
  /** slot -> backend index. */
  readonly table: Uint16Array;

  constructor(sortedEndpoints: readonly string[]) {
    this.endpoints = sortedEndpoints;
    const n = sortedEndpoints.length;
    // M must be prime (so every skip is a full permutation) and well above N (the paper's
    // M >= 100 N keeps churn on changes close to 1/N). 65537 covers up to 655 backends.
    const m = n * 100 <= MAGLEV_TABLE_SIZE ? MAGLEV_TABLE_SIZE : nextPrime(n * 100);
    this.size = m;
    this.table = maglevTable(sortedEndpoints, m);
  }

  hash(buf: Uint8Array, start: number, end: number): number {
    return murmur3(buf, start, end);
  }

  ownerOf(hash: number): number {
    return this.table[hash % this.size]!;
  }
}

function maglevTable(endpoints: readonly string[], m: number): Uint16Array {
  const n = endpoints.length;
  const offset = new Float64Array(n);
  const skip = new Float64Array(n);
  const next = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const name = Buffer.from(endpoints[i]!, 'utf8');
    offset[i] = murmur3(name, 0, name.length, SEED_OFFSET) % m;
    skip[i] = (murmur3(name, 0, name.length, SEED_SKIP) % (m - 1)) + 1;
  }
  const table = new Uint16Array(m);
  const taken = new Uint8Array(m);
  let filled = 0;
  // Round-robin: each backend in turn takes the next free slot of its own permutation.
  for (;;) {
    for (let i = 0; i < n; i++) {
      // offset + next * skip < 2^34: exact in a double.
      let c = (offset[i]! + next[i]! * skip[i]!) % m;
      while (taken[c] === 1) {
        next[i]!++;
        c = (offset[i]! + next[i]! * skip[i]!) % m;
      }
      taken[c] = 1;
      table[c] = i;
      next[i]!++;
      if (++filled === m) return table;
    }
  }
}

function nextPrime(from: number): number {
  for (let c = from | 1; ; c += 2) {
    let prime = true;
    for (let d = 3; d * d <= c; d += 2) {
      if (c % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) return c;
  }
}

// ---------------------------------------------------------------- otelcol classic

export const CLASSIC_POSITIONS = 36000;
export const CLASSIC_POINTS_PER_BACKEND = 100;

export class ClassicRing implements HashRing {
  readonly kind = 'otelcol_classic' as const;
  readonly endpoints: readonly string[];
  /** The ring's points in position order: position and backend index. */
  readonly positions: Uint32Array;
  readonly owners: Uint16Array;
  /**
   * position (0..35999) -> owner of the first point at or after it (wrapping): the binary search
   * otelcol does per key, done once per ring (72 KB).
   */
  private readonly successor: Uint16Array;

  constructor(sortedEndpoints: readonly string[]) {
    this.endpoints = sortedEndpoints;
    const ownerAt = new Int32Array(CLASSIC_POSITIONS).fill(-1);
    let points = 0;
    for (let b = 0; b < sortedEndpoints.length; b++) {
      const name = Buffer.from(sortedEndpoints[b]!, 'utf8');
      const crcOfName = crc32(name, 0, name.length);
      const one = new Uint8Array(1);
      for (let i = 0; i < CLASSIC_POINTS_PER_BACKEND; i++) {
        one[0] = i;
        const pos = crc32(one, 0, 1, crcOfName) % CLASSIC_POSITIONS;
        if (ownerAt[pos] !== -1) continue; // taken by an earlier backend (or point): skipped
        ownerAt[pos] = b;
        points++;
      }
    }
    this.positions = new Uint32Array(points);
    this.owners = new Uint16Array(points);
    let k = 0;
    for (let pos = 0; pos < CLASSIC_POSITIONS; pos++) {
      if (ownerAt[pos] === -1) continue;
      this.positions[k] = pos;
      this.owners[k++] = ownerAt[pos]!;
    }
    this.successor = new Uint16Array(CLASSIC_POSITIONS);
    let p = 0;
    for (let pos = 0; pos < CLASSIC_POSITIONS; pos++) {
      while (p < points && this.positions[p]! < pos) p++;
      this.successor[pos] = p < points ? this.owners[p]! : this.owners[0]!;
    }
  }

  hash(buf: Uint8Array, start: number, end: number): number {
    return crc32(buf, start, end);
  }

  ownerOf(hash: number): number {
    return this.successor[hash % CLASSIC_POSITIONS]!;
  }
}
