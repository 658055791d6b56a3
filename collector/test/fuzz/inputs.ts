/**
 * What the fuzzer throws: fast-check arbitraries over bytes, built from a target's valid seed
 * encodings. Three families, as the brief of every receiver has it:
 * - random bytes (mostly garbage; sometimes short, sometimes a few KB),
 * - mutated valid encodings (byte flips, insertions, deletions, duplicated runs, a length or
 *   varint byte set to 0xff / 0x00 — the edits that reach deep into a decoder),
 * - truncated valid encodings (every prefix length is fair game),
 * plus a target's hand-made hostile inputs (deep nesting, huge declared lengths or counts).
 */
import fc from 'fast-check';

export type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'saturate'; at: number; value: 0x00 | 0x7f | 0x80 | 0xff };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('saturate' as const), at: fc.nat(), value: fc.constantFrom(0x00 as const, 0x7f as const, 0x80 as const, 0xff as const) }),
);

export function applyMutations(seed: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of mutations) {
    if (b.length === 0 && m.kind !== 'insert') continue;
    const at = m.at % Math.max(1, b.length);
    switch (m.kind) {
      case 'flip':
        b[at] = m.value;
        break;
      case 'saturate':
        b[at] = m.value;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at, at + m.length), b.subarray(at + m.length)]);
        break;
    }
  }
  return b;
}

export type InputKind = 'random' | 'mutated' | 'truncated' | 'hostile';

export interface FuzzInput {
  kind: InputKind;
  bytes: Buffer;
}

/** Inputs for one target: its valid seeds, and hand-made hostile inputs (may be empty). */
export function fuzzInputs(seeds: readonly Buffer[], hostile: readonly Buffer[]): fc.Arbitrary<FuzzInput> {
  const seedIndex = fc.nat({ max: seeds.length - 1 });
  const arbs: { weight: number; arbitrary: fc.Arbitrary<FuzzInput> }[] = [
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 4096 }))
        .map((a) => ({ kind: 'random' as const, bytes: Buffer.from(a) })),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(seedIndex, fc.array(mutation, { minLength: 1, maxLength: 6 }))
        .map(([i, ms]) => ({ kind: 'mutated' as const, bytes: applyMutations(seeds[i]!, ms) })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(seedIndex, fc.double({ min: 0, max: 1, noNaN: true })).map(([i, f]) => {
        const s = seeds[i]!;
        return { kind: 'truncated' as const, bytes: s.subarray(0, Math.floor(s.length * f)) };
      }),
    },
  ];
  if (hostile.length > 0) {
    arbs.push({ weight: 1, arbitrary: fc.constantFrom(...hostile).map((b) => ({ kind: 'hostile' as const, bytes: b })) });
  }
  return fc.oneof(...arbs);
}

/** `count` inputs, reproducible from `seed` (the long-running mode samples batch after batch). */
export function sampleInputs(arb: fc.Arbitrary<FuzzInput>, count: number, seed: number): FuzzInput[] {
  return fc.sample(arb, { numRuns: count, seed });
}
