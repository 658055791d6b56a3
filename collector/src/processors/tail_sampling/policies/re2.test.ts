import { describe, expect, it } from 'vitest';
import { compileRe2, Re2SyntaxError } from './re2.ts';

const m = (pattern: string, s: string) => compileRe2(pattern).regex.test(s);

describe('RE2 (Go regexp) patterns compiled for JS', () => {
  it.each([
    // [pattern, input, Go's MatchString]
    ['health', '/api/healthz', true], // unanchored search
    ['^/health$', '/healthz', false],
    ['(?i)GET', 'get /x', true],
    ['^a.c$', 'a\nc', false], // . excludes \n
    ['^a.c$', 'a\rc', true], // ...but not \r (JS . does)
    ['^a.c$', 'a\u2028c', true],
    ['(?s)^a.c$', 'a\nc', true],
    ['(?m)^b$', 'a\nb\nc', true],
    ['^b$', 'a\nb\nc', false],
    ['a$', 'a\n', false], // RE2 $ without m is the end of text (no final-newline exception)
    ['\\Aab\\z', 'ab', true],
    ['\\s', '\v', false], // RE2 \s has no \v
    ['\\s', '\t', true],
    ['\\w+', 'é', false], // ASCII \w
    ['^.$', '😀', true], // runes, not UTF-16 units
    ['^\\x{1F600}$', '😀', true],
    ['^\\101$', 'A', true], // octal
    ['[[:upper:]][[:digit:]]', 'x A1', true],
    ['[[:^digit:]]', '5', false],
    ['\\Qa.b\\E', 'axb', false],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\pL+', 'héllo', true],
    ['\\p{Greek}', 'λ', true],
    ['\\PL', 'abc', false],
    ['[\\p{Lu}\\d]', 'x5', true],
    ['x{', 'x{', true], // a { that is not a repeat is a literal
    ['a{2}', 'aa', true],
    ['a{2,}', 'a', false],
    ['[]a]', ']', true],
    ['[a-]', '-', true],
    ['(?U)a+', 'aaa', true],
    ['(?P<v>v\\d+)', '/v2/', true],
    ['', 'anything', true],
    ['.*(?i)ABC', 'xabc', true],
  ] as const)('%j on %j is %s', (pattern, input, want) => {
    expect(m(pattern, input)).toBe(want);
  });

  it.each([
    ['(a)\\1', 'backreference \\1'],
    ['\\8', 'backreference \\8'],
    ['(?=a)', 'lookahead'],
    ['(?!a)', 'lookahead'],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'lookbehind'],
    ['(?>a)', 'atomic groups'],
    ['\\k<n>', 'named backreferences'],
    ['(?P=n)', 'named backreferences'],
    ['a**', 'invalid nested repetition operator'],
    ['a*+', 'invalid nested repetition operator'],
    ['*a', 'missing argument to repetition operator'],
    ['a{1001}', 'invalid repeat count'],
    ['a{2,1}', 'invalid repeat count'],
    ['(a', 'missing closing )'],
    ['a)', 'unexpected )'],
    ['[a', 'missing closing ]'],
    ['[z-a]', 'invalid character class range'],
    ['[[:nope:]]', 'invalid character class range'],
    ['\\p{Nope}', 'invalid character class range'],
    ['\\Z', 'invalid escape sequence'],
    ['\\e', 'invalid escape sequence'],
    ['\\u0041', 'invalid escape sequence'],
    ['a\\', 'trailing backslash'],
    ['(?P<n>a)(?P<n>b)', 'duplicate capture group name'],
    ['a(?i)b', 'case-insensitive matching'],
  ])('rejects %j (%s)', (pattern, reason) => {
    expect(() => compileRe2(pattern)).toThrow(Re2SyntaxError);
    expect(() => compileRe2(pattern)).toThrow(reason);
  });

  it('flags nested unbounded repetition as a backtracking risk', () => {
    expect(compileRe2('(a+)+$').mayBacktrack).toBe(true);
    expect(compileRe2('(a|b)*c').mayBacktrack).toBe(false);
    expect(compileRe2('(ab+){2}').mayBacktrack).toBe(true);
  });
});
