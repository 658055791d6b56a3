import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { counterValue, testSettings } from '../../receivers/otlp/test-support.ts';
import { isClientAuthenticator } from '../authenticator.ts';
import { headersSetterConfigSchema } from './config.ts';
import { headersSetterFactory } from './factory.ts';
import { hasPerRequestHeaders, type HeadersSetterExtension } from './headers-setter.ts';

const registry = new FactoryRegistry([headersSetterFactory]);

function problems(file: string): string[] {
  const raw = YAML.parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { extensions: unknown };
  const out: ConfigProblem[] = [];
  resolveSection('extensions', 'extension', raw.extensions, registry, out);
  return out.map((p) => `${p.path}: ${p.message}`);
}

function make(headers: unknown) {
  const settings = { ...testSettings('headers_setter'), kind: 'extension' as const };
  const ext = headersSetterFactory.createExtension(settings, headersSetterConfigSchema.parse({ headers })) as HeadersSetterExtension;
  return { ext, settings };
}

const md = (o: Record<string, string[]>) => new Map(Object.entries(o));

describe('headers_setter', () => {
  it('is registered; loads the valid examples; refuses the invalid with otelcol\'s messages', () => {
    expect(builtinRegistry().get('extension', 'headers_setter')).toBe(headersSetterFactory);
    expect(problems('config.yaml')).toEqual([]);
    const p = problems('invalid.yaml');
    for (const e of [
      'extensions.headers_setter/empty.headers: missing headers configuration',
      'extensions.headers_setter/no-key.headers[0].key: missing header name',
      'extensions.headers_setter/no-value.headers[0]: missing header value',
      'extensions.headers_setter/both.headers[0]: invalid header source, must either `value` or `from_context`',
    ]) {
      expect(p).toContain(e);
    }
    expect(p.some((x) => x.startsWith('extensions.headers_setter/action.headers[0].action:'))).toBe(true);
  });

  it('computes headers from values and from the client metadata, with default_value', () => {
    const { ext } = make([
      { key: 'X-Scope-OrgID', from_context: 'X-Tenant-Id' },
      { key: 'User-ID', value: 'static-user' },
      { key: 'X-Env', from_context: 'env', default_value: 'none' },
    ]);
    expect(hasPerRequestHeaders(ext)).toBe(true);
    expect(isClientAuthenticator(ext)).toBe(true);
    expect(ext.requestHeaders()).toEqual([['User-ID', 'static-user']]);
    expect(ext.headersFor(md({ 'x-tenant-id': ['tenant-a'] }))).toEqual({ 'X-Scope-OrgID': 'tenant-a', 'User-ID': 'static-user', 'X-Env': 'none' });
    expect(ext.headersFor(null)).toEqual({ 'User-ID': 'static-user', 'X-Env': 'none' });
  });

  it('sets nothing for a key with several values, and counts it', async () => {
    const { ext, settings } = make([{ key: 'X-Scope-OrgID', from_context: 'x-tenant-id' }]);
    expect(ext.headersFor(md({ 'x-tenant-id': ['a', 'b'] }))).toEqual({});
    expect(await counterValue(settings.telemetry, 'tailpipe_extension_headers_setter_ambiguous', { extension: 'headers_setter' })).toBe(1);
  });

  it('applies insert / update / upsert / delete to existing headers', () => {
    const { ext } = make([
      { key: 'X-Insert', value: 'new', action: 'insert' },
      { key: 'X-Update', value: 'new', action: 'update' },
      { key: 'X-Upsert', from_context: 't', action: 'upsert' },
      { key: 'X-Gone', action: 'delete' },
      { key: 'X-Update-Missing', value: 'v', action: 'update' },
    ]);
    const h = new Map([
      ['x-insert', 'old'],
      ['x-update', 'old'],
      ['x-gone', 'secret'],
    ]);
    ext.applyTo(h, md({ t: ['tenant'] }));
    expect(Object.fromEntries(h)).toEqual({ 'x-insert': 'old', 'x-update': 'new', 'x-upsert': 'tenant' });
  });
});
