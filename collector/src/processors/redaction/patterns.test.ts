/** The regex layer: Go (RE2) semantics on re2js, on strings and on UTF-8 bytes alike. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, PatternList, PatternSyntaxError, replaceAllFunc } from './patterns.ts';

describe('PatternList', () => {
  const sources = ['\\b\\d{4}[- ]?\\d{4}[- ]?\\d{4}[- ]?\\d{4}\\b', '(?i)straße', '^é\\pL+$', '[[:upper:]]{3}', '\\x{1F600}'];

  it('answers the same for a string and for its UTF-8 bytes', () => {
    const lists = sources.map((src) => new PatternList([src]));
    const all = new PatternList(sources);
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 24 }),
      fc.constantFrom('4111 1111 1111 1111', 'STRASSE', 'Straße', 'éa', 'ABC', '😀', 'x4111111111111111'),
    );
    fc.assert(
      fc.property(text, (s) => {
        const bytes = Buffer.from(s, 'utf8');
        const each = lists.map((l) => l.testString(s));
        expect(lists.map((l) => l.testBytes(bytes))).toEqual(each);
        expect(all.testString(s)).toBe(each.some(Boolean));
        expect(all.testBytes(bytes)).toBe(each.some(Boolean));
      }),
      { numRuns: 200 },
    );
  });

  it('matches unanchored, as Go MatchString', () => {
    const l = new PatternList(['token']);
    expect(l.testString('my.tokenizer')).toBe(true);
    expect(new PatternList(['^token$']).testString('my.tokenizer')).toBe(false);
  });

  it('knows whether it matches the empty string', () => {
    expect(new PatternList(['a*']).matchesEmpty).toBe(true);
    expect(new PatternList(['a+', '^$']).matchesEmpty).toBe(true);
    expect(new PatternList(['a+']).matchesEmpty).toBe(false);
    expect(new PatternList([]).testString('')).toBe(false);
  });
});

describe('replaceAllFunc', () => {
  const dash = () => '-';
  it('replaces as Go ReplaceAllStringFunc does, empty matches included', () => {
    expect(replaceAllFunc(compilePattern('.*'), 'abc', dash)).toBe('-');
    expect(replaceAllFunc(compilePattern('.*'), 'a\n\nb', dash)).toBe('-\n-\n-');
    expect(replaceAllFunc(compilePattern('x*'), 'abc', dash)).toBe('-a-b-c-');
    expect(replaceAllFunc(compilePattern('a|ab'), 'ab', dash)).toBe('-b'); // leftmost-first
    expect(replaceAllFunc(compilePattern('\\d{4}'), '12345678 x 1234', (m) => `<${m}>`)).toBe('<1234><5678> x <1234>');
    expect(replaceAllFunc(compilePattern('é'), '😀é😀', dash)).toBe('😀-😀');
  });
});

describe('compilePattern', () => {
  it('refuses what Go refuses, with Go messages', () => {
    for (const [p, msg] of [
      ['(?=x)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'],
      ['\\Z', 'error parsing regexp: invalid escape sequence: `\\Z`'],
      ['x**', 'error parsing regexp: invalid nested repetition operator: `**`'],
    ]) {
      expect(() => compilePattern(p!)).toThrow(new PatternSyntaxError(msg!, p!));
    }
    expect(() => compilePattern('(?P<name>a)|\\Qa.b\\E|[[:alpha:]]|\\pL|(?i)x(?-i)y')).not.toThrow();
  });
});
