/**
 * The routing connector: config rules and the condition grammar (errors name what they found),
 * request / resource / span routing, first match wins, defaults, a tenant header that is
 * missing, unknown or given twice never reaching a tenant's pipeline, and drops counted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FactoryRegistry } from '../../component/registry.ts';
import { builtinRegistry } from '../../components.ts';
import { resolveSection } from '../../config/resolve-components.ts';
import type { ConfigProblem } from '../../config/types.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { counterValue, referenceEncode, SinkConsumer, testSettings, referencePlainSpans } from '../../receivers/otlp/test-support.ts';
import { routingConfigSchema } from './config.ts';
import { routingFactory } from './factory.ts';

const registry = new FactoryRegistry([routingFactory]);

function problems(file: string): string[] {
  const raw = YAML.parse(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8')) as { connectors: unknown };
  const out: ConfigProblem[] = [];
  resolveSection('connectors', 'connector', raw.connectors, registry, out);
  return out.map((p) => `${p.path}: ${p.message}`);
}

type Attr = { key: string; value: Record<string, unknown> };
const s = (v: string) => ({ stringValue: v });

/** One ResourceSpans per entry: its resource attributes and span names (each span may carry attributes). */
function request(resources: { attrs: Attr[]; spans: { name: string; attrs?: Attr[] }[] }[]): Buffer {
  let id = 0;
  return referenceEncode({
    resourceSpans: resources.map((r) => ({
      resource: { attributes: r.attrs },
      scopeSpans: [
        {
          scope: { name: 'lib' },
          spans: r.spans.map((sp) => ({
            traceId: Buffer.alloc(16, 7),
            spanId: Buffer.from([0, 0, 0, 0, 0, 0, 0, ++id]),
            name: sp.name,
            kind: 2,
            startTimeUnixNano: '1700000000000000000',
            endTimeUnixNano: '1700000000500000000',
            attributes: sp.attrs ?? [],
          })),
        },
      ],
    })),
  });
}

function build(config: unknown, pipelines: string[]) {
  const sinks = new Map(pipelines.map((p) => [p, new SinkConsumer()]));
  const settings = testSettings('routing');
  const connector = routingFactory.createTracesToTraces({ ...settings, kind: 'connector' }, routingConfigSchema.parse(config), sinks);
  const names = (p: string) => referencePlainSpans(sinks.get(p)!.requests).map((x) => x.name).sort();
  return { connector, sinks, names, settings };
}

async function send(c: { consume(b: ReturnType<typeof indexExportRequest>): Promise<void> }, body: Buffer, metadata?: Record<string, string[]>) {
  const batch = indexExportRequest(body);
  if (metadata !== undefined) batch.metadata = new Map(Object.entries(metadata));
  await c.consume(batch);
}

describe('routing connector config', () => {
  it('is registered and loads every valid example', () => {
    expect(builtinRegistry().get('connector', 'routing')).toBe(routingFactory);
    expect(problems('config.yaml')).toEqual([]);
  });

  it('refuses what it does not support, naming it', () => {
    const p = problems('invalid.yaml');
    const expected = [
      'connectors.routing/empty.table: invalid route: no routes specified',
      'connectors.routing/both.table[0]: invalid route: exactly one of "condition" or "statement" must be specified',
      'connectors.routing/no-pipelines.table[0].pipelines: invalid route: no pipelines defined',
      'connectors.routing/function.table[0].condition: invalid condition: function "IsMatch" is not supported in routing conditions',
      'connectors.routing/operator.table[0].condition: invalid condition: operator ">" at position 16 is not supported (only == and !=, and, or, not)',
      'connectors.routing/path.table[0].condition: invalid condition: path "span" is not supported (use request["key"], attributes["key"] or resource.attributes["key"])',
      'connectors.routing/request-in-resource.table[0].condition: invalid condition: request["x-tenant-id"] is only available with context: request (position 0)',
      'connectors.routing/attributes-in-request.table[0].condition: invalid condition: context: request conditions can only use request["key"], found attributes["x"]',
      'connectors.routing/context.table[0].context: context "log" is for logs; traces use request, resource or span',
      'connectors.routing/statement.table[0].statement: invalid statement: a statement must be route() where <condition>',
    ];
    for (const e of expected) expect(p).toContain(e);
    expect(p.some((x) => x.startsWith('connectors.routing/error-mode.error_mode:'))).toBe(true);
  });

  it('refuses a route to a pipeline the connector does not feed', () => {
    const config = routingConfigSchema.parse({ table: [{ condition: 'attributes["a"] == "b"', pipelines: ['traces/nowhere'] }] });
    expect(() => routingFactory.createTracesToTraces({ ...testSettings('routing'), kind: 'connector' }, config, new Map())).toThrow(/traces\/nowhere/);
  });
});

describe('routing by tenant (request context)', () => {
  const config = {
    default_pipelines: ['traces/default'],
    table: [
      { context: 'request', condition: 'request["X-Tenant-Id"] == "tenant-a"', pipelines: ['traces/a'] },
      { context: 'request', condition: 'request["x-tenant-id"] == "tenant-b"', pipelines: ['traces/b'] },
    ],
  };
  const body = (n: string) => request([{ attrs: [{ key: 'service.name', value: s('svc') }], spans: [{ name: `${n}-1` }, { name: `${n}-2` }] }]);

  it('sends each tenant to its pipeline and everything else to the default', async () => {
    const { connector, names } = build(config, ['traces/a', 'traces/b', 'traces/default']);
    await send(connector, body('a'), { 'x-tenant-id': ['tenant-a'] });
    await send(connector, body('b'), { 'x-tenant-id': ['tenant-b'] });
    await send(connector, body('missing'));
    await send(connector, body('unknown'), { 'x-tenant-id': ['tenant-c'] });
    await send(connector, body('forged-case'), { 'x-tenant-id': ['TENANT-A'] });
    await send(connector, body('twice'), { 'x-tenant-id': ['tenant-b', 'tenant-a'] });
    await send(connector, body('empty'), { 'x-tenant-id': [''] });
    expect(names('traces/a')).toEqual(['a-1', 'a-2']);
    expect(names('traces/b')).toEqual(['b-1', 'b-2']);
    expect(names('traces/default')).toEqual(
      ['missing', 'unknown', 'forged-case', 'twice', 'empty'].flatMap((n) => [`${n}-1`, `${n}-2`]).sort(),
    );
  });

  it('drops unmatched data with a counter when there is no default pipeline', async () => {
    const { connector, names, settings } = build({ table: config.table }, ['traces/a', 'traces/b']);
    await send(connector, body('x'), { 'x-tenant-id': ['nobody'] });
    await send(connector, body('a'), { 'x-tenant-id': ['tenant-a'] });
    expect(names('traces/a')).toEqual(['a-1', 'a-2']);
    expect(await counterValue(settings.telemetry, 'tailpipe_connector_routing_unrouted_spans', { connector: 'routing' })).toBe(2);
  });
});

describe('routing by resource and span attributes', () => {
  it('routes each resource by its attributes, first match wins, several pipelines each get the spans', async () => {
    const { connector, names } = build(
      {
        default_pipelines: ['traces/default'],
        table: [
          { statement: 'route() where attributes["tenant"] == "a"', pipelines: ['traces/a'] },
          { context: 'resource', condition: 'attributes["tenant"] == "b" or attributes["tenant"] == "a"', pipelines: ['traces/b', 'traces/audit'] },
          { context: 'resource', condition: 'resource.attributes["tier"] == 2 and attributes["tenant"] != nil', pipelines: ['traces/audit'] },
        ],
      },
      ['traces/a', 'traces/b', 'traces/audit', 'traces/default'],
    );
    await send(
      connector,
      request([
        { attrs: [{ key: 'tenant', value: s('a') }], spans: [{ name: 'ra' }] },
        { attrs: [{ key: 'tenant', value: s('b') }], spans: [{ name: 'rb1' }, { name: 'rb2' }] },
        { attrs: [{ key: 'tenant', value: s('c') }, { key: 'tier', value: { intValue: 2 } }], spans: [{ name: 'rc' }] },
        { attrs: [], spans: [{ name: 'none' }] },
      ]),
    );
    expect(names('traces/a')).toEqual(['ra']);
    expect(names('traces/b')).toEqual(['rb1', 'rb2']);
    expect(names('traces/audit')).toEqual(['rb1', 'rb2', 'rc']);
    expect(names('traces/default')).toEqual(['none']);
  });

  it('span context routes single spans', async () => {
    const { connector, names } = build(
      {
        default_pipelines: ['traces/default'],
        table: [{ context: 'span', condition: 'attributes["http.route"] == "/checkout" and resource.attributes["service.name"] == "shop"', pipelines: ['traces/checkout'] }],
      },
      ['traces/checkout', 'traces/default'],
    );
    await send(
      connector,
      request([
        { attrs: [{ key: 'service.name', value: s('shop') }], spans: [{ name: 'c', attrs: [{ key: 'http.route', value: s('/checkout') }] }, { name: 'h', attrs: [{ key: 'http.route', value: s('/health') }] }] },
        { attrs: [{ key: 'service.name', value: s('other') }], spans: [{ name: 'o', attrs: [{ key: 'http.route', value: s('/checkout') }] }] },
      ]),
    );
    expect(names('traces/checkout')).toEqual(['c']);
    expect(names('traces/default')).toEqual(['h', 'o']);
  });

  it('passes a refusal from a pipeline back to the sender', async () => {
    const { connector, sinks } = build({ default_pipelines: ['traces/default'], table: [{ condition: 'attributes["t"] == "a"', pipelines: ['traces/a'] }] }, ['traces/a', 'traces/default']);
    sinks.get('traces/default')!.refuse = () => new Error('full');
    await expect(send(connector, request([{ attrs: [], spans: [{ name: 'x' }] }]))).rejects.toThrow('full');
  });
});
