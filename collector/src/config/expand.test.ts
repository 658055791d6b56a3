import { describe, expect, it } from 'vitest';
import { expandConfig, originalStringOf, tokenize } from './expand.ts';

const env = {
  HOST: 'collector',
  PORT: '4317',
  RATIO: '0.25',
  FLAG: 'true',
  EMPTY: '',
  LIST: '[a, b]',
  WORD: 'hello',
  NESTED: '${env:HOST}',
};

function expand(value: unknown, extraEnv: Record<string, string> = {}) {
  return expandConfig(value, { env: { ...env, ...extraEnv } });
}

describe('expandConfig', () => {
  it('expands ${env:VAR} and ${VAR}', () => {
    expect(expand({ a: '${env:WORD}', b: '${WORD}' }).value).toEqual({ a: 'hello', b: 'hello' });
  });

  it('gives a value that is exactly one reference the YAML type of what it expands to', () => {
    const r = expand({ port: '${env:PORT}', ratio: '${RATIO}', flag: '${env:FLAG}', list: '${env:LIST}' });
    expect(r.value).toEqual({ port: 4317, ratio: 0.25, flag: true, list: ['a', 'b'] });
  });

  it('concatenates references embedded in a longer string, untyped', () => {
    expect(expand({ e: '${env:HOST}:${env:PORT}', f: 'x${FLAG}' }).value).toEqual({ e: 'collector:4317', f: 'xtrue' });
  });

  it('uses the :- default only when the variable is unset', () => {
    const r = expand({ a: '${env:MISSING:-fallback}', b: '${MISSING:-4318}', c: '${env:EMPTY:-fallback}', d: '${env:WORD:-fallback}' });
    expect(r.value).toEqual({ a: 'fallback', b: 4318, c: '', d: 'hello' });
    expect(r.warnings).toEqual([]);
  });

  it('expands an unset variable to an empty string, with a warning naming the path', () => {
    const r = expand({ exporters: { otlp: { headers: { key: 'k=${env:NOPE}', other: '${NOPE}' } } } });
    expect(r.value).toEqual({ exporters: { otlp: { headers: { key: 'k=', other: '' } } } });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([
      { path: 'exporters.otlp.headers.key', message: 'environment variable "NOPE" is not set; using an empty string' },
      { path: 'exporters.otlp.headers.other', message: 'environment variable "NOPE" is not set; using an empty string' },
    ]);
  });

  it('turns $${...} into a literal ${...} and $$ into $', () => {
    const r = expand({ a: '$${env:WORD}', b: 'cost: $$5', c: '$$$${WORD}', d: '$$${WORD}', e: 'a $ b' });
    expect(r.value).toEqual({ a: '${env:WORD}', b: 'cost: $5', c: '$${WORD}', d: '$hello', e: 'a $ b' });
  });

  it('does not expand what a variable expands to', () => {
    expect(expand({ a: '${env:NESTED}' }).value).toEqual({ a: '${env:HOST}' });
  });

  it('expands inside lists and leaves keys, numbers and unclosed references alone', () => {
    const r = expand({ '${WORD}': ['${WORD}', 7, null, { x: '${env:PORT}' }], u: '${env:WORD' });
    expect(r.value).toEqual({ '${WORD}': ['hello', 7, null, { x: 4317 }], u: '${env:WORD' });
  });

  it('reports an unknown provider scheme with the path, and keeps collecting', () => {
    const r = expand({ exporters: { otlp: { headers: ['${vault:secret/key}'], token: 'Bearer ${aws:x}' } } });
    expect(r.problems).toEqual([
      { path: 'exporters.otlp.headers[0]', message: 'unsupported provider scheme "vault" in "${vault:secret/key}"; supported: env, file' },
      { path: 'exporters.otlp.token', message: 'unsupported provider scheme "aws" in "${aws:x}"; supported: env, file' },
    ]);
  });

  it('rejects invalid variable names', () => {
    expect(expand({ a: '${env:1BAD}' }).problems).toEqual([{ path: 'a', message: 'environment variable "1BAD" has an invalid name in "${env:1BAD}"' }]);
  });

  it('reads ${file:...} through the injected reader', () => {
    const files: Record<string, string> = { '/secrets/port': '9999\n', '/secrets/token': 'abc' };
    const r = expandConfig(
      { port: '${file:/secrets/port}', auth: 'Bearer ${file:/secrets/token}', missing: '${file:/nope}' },
      {
        env: {},
        readFile: (p) => {
          const text = files[p];
          if (text === undefined) throw new Error('ENOENT');
          return text;
        },
      },
    );
    expect(r.value).toEqual({ port: 9999, auth: 'Bearer abc', missing: '${file:/nope}' });
    expect(r.problems).toEqual([{ path: 'missing', message: 'cannot read "/nope": ENOENT' }]);
  });

  it('remembers the text of values that became non-strings', () => {
    const r = expand({ m: { port: '${env:PORT}', host: '${env:HOST}' } });
    const m = (r.value as { m: object }).m;
    expect(originalStringOf(m, 'port')).toBe('4317');
    expect(originalStringOf(m, 'host')).toBeUndefined(); // stayed a string
  });
});

describe('tokenize', () => {
  it('splits text and references', () => {
    expect(tokenize('a${X}b${env:Y:-z}')).toEqual([{ text: 'a' }, { ref: 'X' }, { text: 'b' }, { ref: 'env:Y:-z' }]);
    expect(tokenize('${X}')).toEqual([{ ref: 'X' }]);
    expect(tokenize('')).toEqual([{ text: '' }]);
  });
});
