/**
 * The attributes processor: config rules with their paths, every action, from_context, and
 * include/exclude. Input is encoded and output decoded with the reference protobufjs codec;
 * spans no action touches must keep their received bytes (not re-encoded).
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { referenceDecodeToObject } from '../../pdata/test-arbitraries.ts';
import { referenceEncode, SinkConsumer, testSettings } from '../../receivers/otlp/test-support.ts';
import { attributesConfigSchema } from './config.ts';
import { attributesFactory } from './factory.ts';
import type { AttributesProcessor } from './processor.ts';

const registry = new FactoryRegistry([attributesFactory]);

function section(file: string) {
  const raw = YAML.parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { processors: unknown };
  const problems: ConfigProblem[] = [];
  resolveSection('processors', 'processor', raw.processors, registry, problems);
  return problems.map((p) => `${p.path}: ${p.message}`);
}

type Attr = { key: string; value: Record<string, unknown> };
interface SpanIn {
  name: string;
  kind?: number;
  attributes: Attr[];
}

const s = (v: string) => ({ stringValue: v });
const i = (v: number) => ({ intValue: v });

function request(service: string, spans: SpanIn[], scope = 'lib', resourceExtra: Attr[] = []): Buffer {
  return referenceEncode({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: s(service) }, ...resourceExtra] },
        scopeSpans: [
          {
            scope: { name: scope },
            spans: spans.map((sp, k) => ({
              traceId: Buffer.alloc(16, 1),
              spanId: Buffer.from([0, 0, 0, 0, 0, 0, 0, k + 1]),
              name: sp.name,
              kind: sp.kind ?? 1,
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000500000000',
              attributes: sp.attributes,
            })),
          },
        ],
      },
    ],
  });
}

async function run(config: unknown, body: Buffer, metadata?: Record<string, string[]>) {
  const sink = new SinkConsumer();
  const t = testSettings('attributes');
  const proc = attributesFactory.createTracesProcessor(t, attributesConfigSchema.parse(config), sink) as AttributesProcessor;
  const batch = indexExportRequest(body);
  if (metadata !== undefined) batch.metadata = new Map(Object.entries(metadata));
  const original = batch.buffers[0]!;
  const untouched: boolean[] = [];
  await proc.consume(batch);
  for (let k = 0; k < batch.spanCount; k++) untouched.push(batch.spanBuffer(k) === original);
  const out = referenceDecodeToObject(sink.requests[0]!) as { resourceSpans: { scopeSpans: { spans: { name: string; attributes?: Attr[] }[] }[] }[] };
  const spans = out.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
  const attrs = (name: string) => Object.fromEntries((spans.find((x) => x.name === name)!.attributes ?? []).map((a) => [a.key, a.value]));
  return { attrs, untouched, rewritten: proc.rewritten };
}

describe('attributes processor config', () => {
  it('is registered and loads every valid example', () => {
    expect(builtinRegistry().get('processor', 'attributes')).toBe(attributesFactory);
    expect(section('config.yaml')).toEqual([]);
  });

  it('gives otelcol\'s rules as errors with their paths', () => {
    const problems = section('invalid.yaml');
    const expected = [
      'processors.attributes/no-actions.actions: missing required field "actions"',
      'processors.attributes/unknown-action.actions[0].action: unsupported action "rename" (expected one of insert, update, upsert, delete, hash, extract, convert)',
      'processors.attributes/insert-no-value.actions[0]: exactly one of "value", "from_attribute" or "from_context" must be specified',
      'processors.attributes/insert-two-values.actions[0]: exactly one of "value", "from_attribute" or "from_context" must be specified',
      'processors.attributes/insert-no-key.actions[0].key: missing required field "key" for action "insert"',
      'processors.attributes/delete-nothing.actions[0]: action "delete" needs "key" or "pattern"',
      'processors.attributes/extract-no-groups.actions[0].pattern: pattern contains no named groups ((?P<name>...))',
      'processors.attributes/convert-type.actions[0].converted_type: converted_type must be one of int, double, string, got "bool"',
      'processors.attributes/context.actions[0].from_context: from_context "auth.subject" is not supported: only "metadata.<key>" (client metadata, with the receiver\'s include_metadata) is',
      'processors.attributes/match-type.include.match_type: match_type must be "strict" or "regexp"',
      'processors.attributes/match-empty.exclude: at least one of "services", "span_names", "span_kinds", "attributes", "resources" or "libraries" must be specified',
      'processors.attributes/match-logs.include.log_bodies: log_bodies should not be specified for trace spans',
    ];
    for (const e of expected) expect(problems).toContain(e);
    expect(problems.some((p) => p.startsWith('processors.attributes/bad-pattern.actions[0].pattern: invalid regular expression'))).toBe(true);
  });
});

describe('attributes processor actions', () => {
  it('insert, update, upsert, delete, hash, convert, and from_attribute', async () => {
    const body = request('svc', [
      {
        name: 'a',
        attributes: [
          { key: 'existing', value: s('old') },
          { key: 'account_email', value: s('foo') },
          { key: 'flag', value: { boolValue: true } },
          { key: 'code', value: s('404') },
          { key: 'ratio', value: s('0.25') },
          { key: 'n', value: i(7) },
          { key: 'db.table', value: s('users') },
          { key: 'src', value: s('copied') },
        ],
      },
    ]);
    const { attrs } = await run(
      {
        actions: [
          { key: 'existing', value: 'ignored', action: 'insert' },
          { key: 'new', value: 2245, action: 'insert' },
          { key: 'missing', value: 'x', action: 'update' },
          { key: 'existing', value: 'updated', action: 'update' },
          { key: 'up', value: 1.5, action: 'upsert' },
          { key: 'db.table', action: 'delete' },
          { key: 'account_email', action: 'hash' },
          { key: 'flag', action: 'hash' },
          { key: 'code', action: 'convert', converted_type: 'int' },
          { key: 'ratio', action: 'convert', converted_type: 'double' },
          { key: 'n', action: 'convert', converted_type: 'string' },
          { key: 'copy', from_attribute: 'src', action: 'upsert' },
        ],
      },
      body,
    );
    expect(attrs('a')).toEqual({
      existing: s('updated'),
      new: { intValue: '2245' },
      up: { doubleValue: 1.5 },
      // sha256("foo") and sha256(0x01), lower-case hex, as otelcol's hash action
      account_email: s('2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'),
      flag: s('4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a'),
      code: { intValue: '404' },
      ratio: { doubleValue: 0.25 },
      n: s('7'),
      src: s('copied'),
      copy: s('copied'),
    });
  });

  it('hashes an int as its 8 little-endian bytes', async () => {
    const { attrs } = await run({ actions: [{ key: 'n', action: 'hash' }] }, request('svc', [{ name: 'a', attributes: [{ key: 'n', value: i(1) }] }]));
    const le = Buffer.alloc(8);
    le[0] = 1;
    expect(attrs('a')['n']).toEqual(s(createHash('sha256').update(le).digest('hex')));
  });

  it('extract with named groups, and delete/hash by pattern', async () => {
    const { attrs } = await run(
      {
        actions: [
          { key: 'http.url', pattern: '^(?P<http_protocol>.*):\\/\\/(?P<http_domain>[^/]*)\\/(?P<http_path>.*)', action: 'extract' },
          { pattern: '^password', action: 'delete' },
          { pattern: '^user\\.', action: 'hash' },
        ],
      },
      request('svc', [
        {
          name: 'a',
          attributes: [
            { key: 'http.url', value: s('https://shop.example.com/cart/items') },
            { key: 'password', value: s('x') },
            { key: 'password_hint', value: s('y') },
            { key: 'user.email', value: s('foo') },
          ],
        },
      ]),
    );
    expect(attrs('a')).toEqual({
      'http.url': s('https://shop.example.com/cart/items'),
      http_protocol: s('https'),
      http_domain: s('shop.example.com'),
      http_path: s('cart/items'),
      'user.email': s('2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae'),
    });
  });

  it('from_context metadata.x-tenant-id: upserts the tenant header, leaves spans alone without it', async () => {
    const config = { actions: [{ key: 'tenant', from_context: 'metadata.x-tenant-id', action: 'upsert' }] };
    const body = request('svc', [{ name: 'a', attributes: [] }, { name: 'b', attributes: [{ key: 'tenant', value: s('forged') }] }]);
    const withHeader = await run(config, body, { 'x-tenant-id': ['tenant-a'] });
    expect(withHeader.attrs('a')['tenant']).toEqual(s('tenant-a'));
    expect(withHeader.attrs('b')['tenant']).toEqual(s('tenant-a'));
    const several = await run(config, body, { 'x-tenant-id': ['a', 'b'] });
    expect(several.attrs('a')['tenant']).toEqual(s('a;b'));
    const without = await run(config, body);
    expect(without.attrs('a')['tenant']).toBeUndefined();
    expect(without.attrs('b')['tenant']).toEqual(s('forged'));
    expect(without.rewritten).toBe(0);
  });

  it('rewrites only the spans that change', async () => {
    const { untouched, rewritten, attrs } = await run(
      { actions: [{ key: 'secret', action: 'delete' }] },
      request('svc', [
        { name: 'a', attributes: [{ key: 'keep', value: s('1') }] },
        { name: 'b', attributes: [{ key: 'secret', value: s('2') }] },
        { name: 'c', attributes: [] },
      ]),
    );
    expect(untouched).toEqual([true, false, true]);
    expect(rewritten).toBe(1);
    expect(attrs('b')).toEqual({});
    expect(attrs('a')).toEqual({ keep: s('1') });
  });
});

describe('attributes processor include / exclude', () => {
  const action = [{ key: 'marked', value: true, action: 'insert' }];
  const spans = (): SpanIn[] => [
    { name: 'login', kind: 2, attributes: [{ key: 'env', value: s('production') }] },
    { name: 'healthcheck', kind: 2, attributes: [{ key: 'env', value: s('production') }] },
    { name: 'query', kind: 3, attributes: [{ key: 'env', value: s('production') }] },
    { name: 'other', kind: 2, attributes: [{ key: 'env', value: s('staging') }] },
  ];

  it('include regexp on services, kinds and attributes; exclude strict on span names', async () => {
    const { attrs, untouched } = await run(
      {
        include: { match_type: 'regexp', services: ['^auth'], span_kinds: ['SPAN_KIND_SERVER'], attributes: [{ key: 'env', value: '^prod' }] },
        exclude: { match_type: 'strict', span_names: ['healthcheck'] },
        actions: action,
      },
      request('auth-service', spans()),
    );
    expect(attrs('login')['marked']).toEqual({ boolValue: true });
    for (const name of ['healthcheck', 'query', 'other']) expect(attrs(name)['marked']).toBeUndefined();
    expect(untouched).toEqual([false, true, true, true]);
  });

  it('strict services and libraries; resources with values', async () => {
    const include = { match_type: 'strict', services: ['auth'], libraries: [{ name: 'grpc' }], resources: [{ key: 'host.name', value: 'h1' }] };
    const hit = await run({ include, actions: action }, request('auth', spans(), 'grpc', [{ key: 'host.name', value: s('h1') }]));
    expect(hit.attrs('other')['marked']).toEqual({ boolValue: true });
    const wrongLib = await run({ include, actions: action }, request('auth', spans(), 'http', [{ key: 'host.name', value: s('h1') }]));
    expect(wrongLib.rewritten).toBe(0);
    const wrongService = await run({ include, actions: action }, request('auth-x', spans(), 'grpc', [{ key: 'host.name', value: s('h1') }]));
    expect(wrongService.rewritten).toBe(0);
  });
});
