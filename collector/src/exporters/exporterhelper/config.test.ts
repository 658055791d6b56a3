import { describe, expect, it } from 'vitest';
import { queueConfigSchema, retryConfigSchema, zTimeout } from './config.ts';
import { headersSchema, tlsClientSchema, zCompression } from './client-config.ts';

function messages(r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }): string[] {
  return (r.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('sending_queue', () => {
  it('has otelcol defaults (exporterhelper.NewDefaultQueueConfig), for absent and null alike', () => {
    const expected = {
      enabled: true,
      wait_for_result: false,
      block_on_overflow: false,
      sizer: 'requests',
      queue_size: 1000,
      num_consumers: 10,
    };
    expect(queueConfigSchema.parse(undefined)).toEqual(expected);
    expect(queueConfigSchema.parse(null)).toEqual(expected);
  });

  it('accepts the deprecated `blocking` as block_on_overflow', () => {
    expect(queueConfigSchema.parse({ blocking: true }).block_on_overflow).toBe(true);
    expect(queueConfigSchema.parse({ block_on_overflow: true, blocking: false }).block_on_overflow).toBe(true);
  });

  it('fills batch defaults when `batch:` is present', () => {
    expect(queueConfigSchema.parse({ batch: null }).batch).toEqual({ flush_timeout: 200, min_size: 8192, max_size: 0, sizer: 'items' });
  });

  it('validates with otelcol messages only when enabled', () => {
    expect(messages(queueConfigSchema.safeParse({ queue_size: 0, num_consumers: -1 }))).toEqual([
      'queue_size: `queue_size` must be positive',
      'num_consumers: `num_consumers` must be positive',
    ]);
    expect(queueConfigSchema.safeParse({ enabled: false, queue_size: 0 }).success).toBe(true);
    expect(messages(queueConfigSchema.safeParse({ storage: 'file_storage', sizer: 'items' }))).toEqual([
      'sizer: persistent queue configured with `storage` only supports `requests` sizer',
    ]);
    expect(messages(queueConfigSchema.safeParse({ batch: { flush_timeout: 0, min_size: 10, max_size: 5 } }))).toEqual([
      'batch.flush_timeout: `flush_timeout` must be positive',
      'batch.max_size: `max_size` must be greater or equal to `min_size`',
    ]);
    expect(messages(queueConfigSchema.safeParse({ sizer: 'spans' }))).toEqual(['sizer: expected sizer "requests", "items" or "bytes"']);
    expect(messages(queueConfigSchema.safeParse({ queue_sze: 1 }))).toEqual([': unknown key "queue_sze"']);
  });
});

describe('retry_on_failure', () => {
  it('has otelcol defaults (configretry.NewDefaultBackOffConfig), durations in ms', () => {
    expect(retryConfigSchema.parse(undefined)).toEqual({
      enabled: true,
      initial_interval: 5000,
      randomization_factor: 0.5,
      multiplier: 1.5,
      max_interval: 30000,
      max_elapsed_time: 300000,
    });
  });

  it('validates with otelcol messages only when enabled', () => {
    expect(messages(retryConfigSchema.safeParse({ randomization_factor: 2, initial_interval: '-1s' }))).toEqual([
      "initial_interval: 'initial_interval' must be non-negative",
      "randomization_factor: 'randomization_factor' must be within [0, 1]",
    ]);
    expect(retryConfigSchema.safeParse({ enabled: false, randomization_factor: 2 }).success).toBe(true);
  });
});

describe('client settings', () => {
  it('timeout refuses negative durations', () => {
    expect(zTimeout('5s').parse(undefined)).toBe(5000);
    expect(messages(zTimeout().safeParse('-1s'))).toEqual([": 'timeout' must be non-negative"]);
  });

  it('headers: map (scalars weakly typed to text) or list of {name, value}', () => {
    expect(headersSchema.parse({ a: 'x', n: 234, b: true })).toEqual([
      ['a', 'x'],
      ['n', '234'],
      ['b', 'true'],
    ]);
    expect(headersSchema.parse([{ name: 'a', value: 'x' }])).toEqual([['a', 'x']]);
    expect(headersSchema.parse(undefined)).toEqual([]);
    expect(headersSchema.parse(null)).toEqual([]);
    expect(messages(headersSchema.safeParse([{ name: 'a', value: 'x' }, { name: 'a', value: 'y' }]))).toEqual([
      '1.name: duplicate header name "a"',
    ]);
    expect(messages(headersSchema.safeParse({ a: { nested: 1 } }))).toEqual(['a: expected a header value (string), got a map']);
  });

  it('compression: gzip / none / "" accepted, other otelcol types not yet, unknown ones refused', () => {
    const c = zCompression('gzip');
    expect(c.parse(undefined)).toBe('gzip');
    expect(c.parse('none')).toBe('none');
    expect(c.parse('')).toBe('none');
    expect(messages(c.safeParse('zstd'))).toEqual([': compression "zstd" is not supported yet; use "gzip" or "none"']);
    expect(messages(c.safeParse('snappy'))).toEqual([': compression "snappy" is not supported yet; use "gzip" or "none"']);
    expect(messages(c.safeParse('brotli'))).toEqual([': unsupported compression type "brotli"']);
  });

  it('tls: configtls keys with otelcol defaults', () => {
    expect(tlsClientSchema.parse(undefined)).toEqual({
      insecure: false,
      insecure_skip_verify: false,
      include_system_ca_certs_pool: false,
      min_version: '1.2',
      max_version: '',
      cipher_suites: [],
      curve_preferences: [],
      reload_interval: 0,
    });
    expect(messages(tlsClientSchema.safeParse({ insecure: 'yes' }))).toEqual(['insecure: expected true or false']);
  });
});
