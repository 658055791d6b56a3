import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { HMAC_KEY_REQUIRED_MESSAGE, NOT_SUPPORTED_MESSAGE } from './config.ts';
import { redactionFactory } from './factory.ts';

function resolveYaml(file: string) {
  const raw = parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { processors: unknown };
  const problems: ConfigProblem[] = [];
  const result = resolveSection('processors', 'processor', raw.processors, new FactoryRegistry([redactionFactory]), problems);
  return { result, problems };
}

describe('redaction config', () => {
  it('has otelcol defaults for an empty section (the zero Config: fail closed, no summary)', () => {
    const expected = {
      allow_all_keys: false,
      allowed_keys: [],
      ignored_keys: [],
      ignored_key_patterns: [],
      blocked_key_patterns: [],
      blocked_values: [],
      allowed_values: [],
      redact_all_types: false,
      hash_function: '',
      hmac_key: '',
      summary: '',
    };
    expect(redactionFactory.configSchema.parse(null)).toEqual(expected);
    expect(redactionFactory.configSchema.parse({})).toEqual(expected);
  });

  it('accepts the example configs', () => {
    const { result, problems } = resolveYaml('config.yaml');
    expect(problems).toEqual([]);
    expect(result.valid.get('redaction/seed')?.config).toMatchObject({
      blocked_key_patterns: ['(?i)password|secret|token|api_key'],
      summary: 'debug',
    });
    expect(result.valid.get('redaction/mask-only')?.config).toMatchObject({ hash_function: 'hmac-sha256', redact_all_types: true });
    expect(result.valid.get('redaction/empty')?.config).toMatchObject({ allow_all_keys: false, allowed_keys: [] });
    expect(result.valid.size).toBe(5);
  });

  it('reports each invalid setting with its path and Go regexp / otelcol message', () => {
    const { result, problems } = resolveYaml('invalid.yaml');
    expect(result.valid.size).toBe(0);
    expect(problems).toEqual([
      { path: 'processors.redaction/bad-regex.blocked_values[1]', message: 'error parsing regexp: missing closing ): `(unclosed`' },
      { path: 'processors.redaction/lookahead.blocked_key_patterns[0]', message: 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`' },
      { path: 'processors.redaction/backreference.allowed_values[0]', message: 'error parsing regexp: invalid escape sequence: `\\1`' },
      { path: 'processors.redaction/repeat.ignored_key_patterns[0]', message: 'error parsing regexp: invalid repeat count: `{1001}`' },
      {
        path: 'processors.redaction/hash.hash_function',
        message: 'unknown hash_function "sha256", allowed: md5, sha1, sha3, hmac-sha256, hmac-sha512',
      },
      { path: 'processors.redaction/hmac-without-key.hmac_key', message: HMAC_KEY_REQUIRED_MESSAGE },
      { path: 'processors.redaction/summary.summary', message: 'unknown summary "verbose", allowed: debug, info, silent' },
      { path: 'processors.redaction/url-sanitizer.url_sanitizer', message: NOT_SUPPORTED_MESSAGE('url_sanitizer') },
      { path: 'processors.redaction/not-a-list.allowed_keys', message: 'expected a list of keys' },
      { path: 'processors.redaction/unknown-key.blocked_value', message: 'unknown key "blocked_value"' },
    ]);
  });

  it('lower-cases hash_function names, as otelcol does', () => {
    expect(redactionFactory.configSchema.parse({ hash_function: 'SHA3' }).hash_function).toBe('sha3');
  });

  it('is registered as the redaction processor', () => {
    expect(builtinRegistry().get('processor', 'redaction')).toBe(redactionFactory);
  });
});
