import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DURATION_MESSAGE, durationToMs, parseGoDuration, zDuration } from './duration.ts';

describe('parseGoDuration', () => {
  it.each([
    ['200ms', 200],
    ['5s', 5000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['1.1s', 1100],
    ['0s', 0],
    ['0', 0],
    ['300us', 0.3],
    ['300µs', 0.3],
    ['10ns', 0.00001],
    ['2h45m30.5s', 9_930_500],
    ['.5s', 500],
    ['1.s', 1000],
    ['-1.5s', -1500],
    ['+2s', 2000],
  ])('%s -> %d ms', (input, ms) => {
    expect(parseGoDuration(input)).toBe(ms);
  });

  it.each(['', '5', '1.5', 's', '.s', '5 s', '5S', '5sec', '1d', 'ms', '-', '1s2', 'soon'])('rejects %j', (input) => {
    expect(parseGoDuration(input)).toBeUndefined();
  });
});

describe('durationToMs', () => {
  it('reads integers as nanoseconds, like time.Duration', () => {
    expect(durationToMs(5_000_000_000)).toBe(5000);
    expect(durationToMs(0)).toBe(0);
  });
  it('rejects fractions, booleans and maps', () => {
    expect(durationToMs(1.5)).toBeUndefined();
    expect(durationToMs(true)).toBeUndefined();
    expect(durationToMs({})).toBeUndefined();
  });
});

describe('zDuration', () => {
  const schema = z.strictObject({ timeout: zDuration('200ms'), interval: zDuration(1000), required: zDuration() });

  it('outputs milliseconds and applies defaults', () => {
    expect(schema.parse({ required: '1m' })).toEqual({ timeout: 200, interval: 1000, required: 60_000 });
    expect(schema.parse({ timeout: '2s', interval: 0, required: 3_000_000 })).toEqual({ timeout: 2000, interval: 0, required: 3 });
  });

  it('reports bad values with the exact message and path', () => {
    const r = schema.safeParse({ timeout: 'soon' });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['timeout', DURATION_MESSAGE],
      ['required', DURATION_MESSAGE],
    ]);
    expect(DURATION_MESSAGE).toBe('expected a duration like "200ms"');
  });

  it('refuses an invalid default at definition time', () => {
    expect(() => zDuration('soon')).toThrow(/invalid default/);
  });
});
