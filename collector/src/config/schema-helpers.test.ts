import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ENDPOINT_MESSAGE, PERCENTAGE_MESSAGE, SIZE_MIB_MESSAGE, splitEndpoint, zEndpoint, zPercentage, zSizeMiB, zStrictObject } from './schema-helpers.ts';

const messages = (r: { success: boolean; error?: z.ZodError }) => r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('zSizeMiB', () => {
  it('accepts whole non-negative numbers and defaults', () => {
    expect(zSizeMiB().parse(4000)).toBe(4000);
    expect(zSizeMiB(512).parse(undefined)).toBe(512);
  });
  it.each([-1, 1.5, '4000', null])('rejects %j', (v) => {
    expect(messages(zSizeMiB().safeParse(v))).toEqual([`: ${SIZE_MIB_MESSAGE}`]);
  });
});

describe('zPercentage', () => {
  it('accepts 0..100 including fractions', () => {
    expect(zPercentage().parse(0)).toBe(0);
    expect(zPercentage().parse(12.5)).toBe(12.5);
    expect(zPercentage().parse(100)).toBe(100);
    expect(zPercentage(80).parse(undefined)).toBe(80);
  });
  it.each([-0.1, 100.5, '50'])('rejects %j', (v) => {
    expect(messages(zPercentage().safeParse(v))).toEqual([`: ${PERCENTAGE_MESSAGE}`]);
  });
});

describe('zEndpoint / splitEndpoint', () => {
  it.each([
    ['localhost:4317', 'localhost', 4317],
    ['0.0.0.0:4318', '0.0.0.0', 4318],
    ['[::1]:4317', '::1', 4317],
    [':4317', '', 4317],
    ['collector.example.com:0', 'collector.example.com', 0],
  ])('%s', (s, host, port) => {
    expect(zEndpoint().parse(s)).toBe(s);
    expect(splitEndpoint(s)).toEqual({ host, port });
  });
  it.each(['localhost', '4317', 'localhost:65536', '::1:4317', 'http://localhost:4317', 'a b:1', 4317])('rejects %j', (s) => {
    expect(messages(zEndpoint().safeParse(s))).toEqual([`: ${ENDPOINT_MESSAGE}`]);
  });
  it('defaults', () => {
    expect(zEndpoint('localhost:13133').parse(undefined)).toBe('localhost:13133');
  });
});

describe('zStrictObject', () => {
  const schema = zStrictObject({
    timeout: z.number().default(5),
    nested: zStrictObject({ size: z.number().default(10) }),
  });

  it('parses null and undefined as all defaults (YAML `batch:`)', () => {
    expect(schema.parse(null)).toEqual({ timeout: 5, nested: { size: 10 } });
    expect(schema.parse(undefined)).toEqual({ timeout: 5, nested: { size: 10 } });
    expect(schema.parse({ nested: null })).toEqual({ timeout: 5, nested: { size: 10 } });
  });

  it('reports unknown keys by name with their path, along with other issues', () => {
    const r = schema.safeParse({ timeout: 'x', foo: 1, nested: { bar: 2 } });
    expect(messages(r)).toEqual([
      'timeout: Invalid input: expected number, received string',
      'nested: unknown key "bar"',
      ': unknown key "foo"',
    ]);
  });

  it('says what it got when the value is not a map', () => {
    expect(messages(schema.safeParse(5))).toEqual([': expected a map, got number 5']);
    expect(messages(schema.safeParse([1]))).toEqual([': expected a map, got a list']);
  });
});
