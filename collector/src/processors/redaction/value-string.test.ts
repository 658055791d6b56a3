/** pdata's Value.AsString as Go writes it (the string redact_all_types checks). */
import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../../pdata/model.ts';
import { anyValueAsString, compareUtf8, eachNestedString, jsonWithMaskedStrings } from './value-string.ts';

const s = (v: string): AnyValue => ({ stringValue: v });

describe('anyValueAsString', () => {
  it('scalars as pcommon writes them', () => {
    expect(anyValueAsString({ intValue: -5n })).toBe('-5');
    expect(anyValueAsString({ intValue: -(1n << 63n) })).toBe('-9223372036854775808');
    expect(anyValueAsString({ boolValue: false })).toBe('false');
    expect(anyValueAsString({ bytesValue: Buffer.from([0, 1, 255]) })).toBe('AAH/');
    expect(anyValueAsString({})).toBe('');
    expect(anyValueAsString(s('x'))).toBe('x');
  });

  it('doubles as ES6 numbers (Go float64AsString), -0 and non-finite as Go writes them', () => {
    const cases: [number, string][] = [
      [0.1, '0.1'],
      [123456789012, '123456789012'],
      [1e21, '1e+21'],
      [1.5e-7, '1.5e-7'],
      [1e-6, '0.000001'],
      [4111111111111111, '4111111111111111'],
      [-0, '-0'],
      [NaN, 'json: unsupported value: NaN'],
      [Infinity, 'json: unsupported value: +Inf'],
      [-Infinity, 'json: unsupported value: -Inf'],
    ];
    for (const [d, want] of cases) expect(anyValueAsString({ doubleValue: d })).toBe(want);
  });

  it('arrays and kvlists as Go encoding/json writes their raw form', () => {
    const arr: AnyValue = {
      arrayValue: [s('a<b>&"\\\n\t\b\f\u0001\u2028\u2029é'), { intValue: 1n }, { doubleValue: 2.5 }, { boolValue: true }, {}, { bytesValue: Buffer.from([0, 1, 255]) }],
    };
    expect(anyValueAsString(arr)).toBe('["a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\b\\f\\u0001\\u2028\\u2029é",1,2.5,true,null,"AAH/"]');
    const kv: AnyValue = {
      kvlistValue: [
        { key: 'z', value: s('1') },
        { key: 'é', value: s('2') },
        { key: 'a', value: { kvlistValue: [{ key: 'n', value: { arrayValue: [] } }] } },
        { key: 'z', value: s('last wins') },
      ],
    };
    expect(anyValueAsString(kv)).toBe('{"a":{"n":[]},"z":"last wins","é":"2"}');
  });

  it('a NaN or infinity anywhere makes the JSON form empty (Marshal fails)', () => {
    expect(anyValueAsString({ arrayValue: [s('4111111111111111'), { doubleValue: NaN }] })).toBe('');
  });
});

describe('helpers beyond otelcol', () => {
  it('eachNestedString visits string elements and kvlist keys at any depth', () => {
    const seen: string[] = [];
    eachNestedString({ arrayValue: [s('a'), { kvlistValue: [{ key: 'k', value: { arrayValue: [s('b'), { intValue: 1n }] } }] }] }, (x) => {
      seen.push(x);
      return false;
    });
    expect(seen).toEqual(['a', 'k', 'b']);
  });

  it('jsonWithMaskedStrings masks parts and writes non-finite numbers', () => {
    const v: AnyValue = { kvlistValue: [{ key: 'secret-key', value: { arrayValue: [s('secret'), { doubleValue: NaN }] } }] };
    expect(jsonWithMaskedStrings(v, (x) => x.replace('secret', '****'))).toBe('{"****-key":["****",NaN]}');
  });

  it('compareUtf8 orders by code point, as Go orders strings', () => {
    expect(['\u{10000}', '\uffff', 'z', 'é'].sort(compareUtf8)).toEqual(['z', 'é', '\uffff', '\u{10000}']);
    expect(compareUtf8('ab', 'abc')).toBeLessThan(0);
    expect(compareUtf8('x', 'x')).toBe(0);
  });
});
