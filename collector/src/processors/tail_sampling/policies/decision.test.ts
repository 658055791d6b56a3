import { describe, expect, it } from 'vitest';
import { combineDecisions, isSampled } from './index.ts';
import { Decision } from './policy.ts';

const S = Decision.Sampled;
const N = Decision.NotSampled;
const D = Decision.Dropped;
const IS = Decision.InvertSampled;
const INS = Decision.InvertNotSampled;
const E = Decision.Error;
const P = Decision.Pending;
const U = Decision.Unspecified;

describe('combineDecisions (otelcol precedence)', () => {
  it.each([
    ['nothing', [], N],
    ['drop wins over sampled', [S, D], D],
    ['drop wins over inverted not-sampled', [INS, D, IS], D],
    ['inverted not-sampled wins over sampled', [S, INS], N],
    ['sampled wins over not sampled', [N, S, N], S],
    ['sampled wins over inverted sampled + not sampled', [IS, N, S], S],
    ['inverted sampled alone samples', [IS], S],
    ['inverted sampled with a not sampled does not', [IS, N], N],
    ['an error does not block inverted sampled', [IS, E], S],
    ['errors alone are not sampled', [E, E], N],
    ['pending / unspecified count for nothing', [P, U, IS], S],
    ['all not sampled', [N, N], N],
  ] as const)('%s', (_name, decisions, want) => {
    expect(combineDecisions([...decisions])).toBe(want);
  });

  it('isSampled is true for Sampled and InvertSampled only', () => {
    expect([S, IS, N, INS, D, E, P, U].map(isSampled)).toEqual([true, true, false, false, false, false, false, false]);
  });
});
