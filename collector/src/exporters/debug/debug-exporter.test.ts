import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pino } from 'pino';
import type { CreateSettings } from '../../component/types.ts';
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import { newSpan, type ExportRequestModel } from '../../pdata/model.ts';
import { componentLogger } from '../../telemetry/logger.ts';
import { SelfTelemetry } from '../../telemetry/self-telemetry.ts';
import { debugFactory } from './factory.ts';
import { DebugExporter, stdoutOutput } from './debug-exporter.ts';
import { timestampString } from './value-text.ts';

const testdata = (name: string) => parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')).exporters as Record<string, unknown>;

const hex = (s: string) => Buffer.from(s, 'hex');
const T0 = 1_581_452_772_000_000_321n; // 2020-02-11 20:26:12.000000321 UTC

/** Two resources; the first has two scopes. Exercises every field the detailed text prints. */
function sampleRequest(): ExportRequestModel {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }], droppedAttributesCount: 0 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.4.0',
        scopeSpans: [
          {
            scope: { name: 'lib', version: '1.2', attributes: [], droppedAttributesCount: 0 },
            schemaUrl: '',
            spans: [
              newSpan({
                traceId: hex('0102030405060708090a0b0c0d0e0f10'),
                spanId: hex('1112131415161718'),
                parentSpanId: hex('2122232425262728'),
                name: 'operationA',
                kind: 2,
                traceState: 'ot=th:0',
                startTimeUnixNano: T0,
                endTimeUnixNano: T0 + 1_000_000_468n,
                status: { code: 2, message: 'status-cancelled' },
                droppedAttributesCount: 1,
                attributes: [
                  { key: 'http.status_code', value: { intValue: 503n } },
                  { key: 'ratio', value: { doubleValue: 0.5 } },
                  { key: 'ok', value: { boolValue: false } },
                  { key: 'blob', value: { bytesValue: Buffer.from('hi') } },
                  { key: 'list', value: { arrayValue: [{ stringValue: 'a' }, { intValue: 1n }] } },
                  { key: 'map', value: { kvlistValue: [{ key: 'z', value: { intValue: 2n } }, { key: 'a', value: {} }] } },
                ],
                events: [
                  {
                    name: 'event-with-attr',
                    timeUnixNano: T0 + 999_999_802n,
                    droppedAttributesCount: 2,
                    attributes: [{ key: 'span-event-attr', value: { stringValue: 'span-event-attr-val' } }],
                  },
                ],
                droppedEventsCount: 1,
              }),
            ],
          },
          {
            scope: null,
            schemaUrl: '',
            spans: [
              newSpan({
                traceId: hex('0102030405060708090a0b0c0d0e0f10'),
                spanId: hex('3132333435363738'),
                name: 'operationB',
                startTimeUnixNano: T0,
                endTimeUnixNano: T0,
                links: [{ traceId: hex('aa'.repeat(16)), spanId: hex('bb'.repeat(8)), traceState: '', flags: 0, droppedAttributesCount: 4, attributes: [{ key: 'span-link-attr', value: { stringValue: 'v' } }] }],
                droppedLinksCount: 3,
              }),
            ],
          },
        ],
      },
      {
        resource: null,
        schemaUrl: '',
        scopeSpans: [{ scope: null, schemaUrl: '', spans: [newSpan({ traceId: hex('ff'.repeat(16)), spanId: hex('ee'.repeat(8)), name: 'operationC' })] }],
      },
    ],
  };
}

const sampleBatch = () => indexExportRequest(encodeExportRequestModel(sampleRequest()));

function setup(raw: Record<string, unknown> = {}, now?: () => number) {
  const lines: Record<string, unknown>[] = [];
  const root = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const telemetry = new SelfTelemetry();
  const settings: CreateSettings = {
    id: { type: 'debug', name: '', id: 'debug' },
    kind: 'exporter',
    logger: componentLogger(root, 'exporter', 'debug'),
    telemetry,
    pipelines: ['traces'],
  };
  const config = debugFactory.configSchema.parse(raw);
  const exporter = now ? new DebugExporter(settings, config, { now }) : (debugFactory.createTracesExporter(settings, config) as DebugExporter);
  return { exporter, lines, telemetry };
}

async function sentSpans(telemetry: SelfTelemetry): Promise<number> {
  const m = /^otelcol_exporter_sent_spans\{exporter="debug"\} (\d+)$/m.exec(await telemetry.metricsText());
  return Number(m?.[1]);
}

const DETAILED = `ResourceSpans #0
Resource SchemaURL: https://opentelemetry.io/schemas/1.4.0
Resource attributes:
     -> service.name: Str(checkout)
ScopeSpans #0
ScopeSpans SchemaURL: 
InstrumentationScope lib 1.2
Span #0
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      : 2122232425262728
    ID             : 1112131415161718
    Name           : operationA
    Kind           : Server
    TraceState     : ot=th:0
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:13.000000789 +0000 UTC
    Status code    : Error
    Status message : status-cancelled
    DroppedAttributesCount: 1
    DroppedEventsCount: 1
    DroppedLinksCount: 0
Attributes:
     -> http.status_code: Int(503)
     -> ratio: Double(0.5)
     -> ok: Bool(false)
     -> blob: Bytes(aGk=)
     -> list: Slice(["a",1])
     -> map: Map({"a":null,"z":2})
Events:
SpanEvent #0
     -> Name: event-with-attr
     -> Timestamp: 2020-02-11 20:26:13.000000123 +0000 UTC
     -> DroppedAttributesCount: 2
     -> Attributes::
          -> span-event-attr: Str(span-event-attr-val)
ScopeSpans #1
ScopeSpans SchemaURL: 
InstrumentationScope  
Span #0
    Trace ID       : 0102030405060708090a0b0c0d0e0f10
    Parent ID      : 
    ID             : 3132333435363738
    Name           : operationB
    Kind           : Unspecified
    Start time     : 2020-02-11 20:26:12.000000321 +0000 UTC
    End time       : 2020-02-11 20:26:12.000000321 +0000 UTC
    Status code    : Unset
    Status message : 
    DroppedAttributesCount: 0
    DroppedEventsCount: 0
    DroppedLinksCount: 3
Links:
SpanLink #0
     -> Trace ID: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
     -> ID: bbbbbbbbbbbbbbbb
     -> TraceState: 
     -> DroppedAttributesCount: 4
     -> Attributes::
          -> span-link-attr: Str(v)
ResourceSpans #1
Resource SchemaURL: 
ScopeSpans #0
ScopeSpans SchemaURL: 
InstrumentationScope  
Span #0
    Trace ID       : ffffffffffffffffffffffffffffffff
    Parent ID      : 
    ID             : eeeeeeeeeeeeeeee
    Name           : operationC
    Kind           : Unspecified
    Start time     : 1970-01-01 00:00:00 +0000 UTC
    End time       : 1970-01-01 00:00:00 +0000 UTC
    Status code    : Unset
    Status message : 
    DroppedAttributesCount: 0
    DroppedEventsCount: 0
    DroppedLinksCount: 0
`;

const NORMAL = `ResourceTraces #0 [https://opentelemetry.io/schemas/1.4.0] service.name=checkout
ScopeTraces #0 lib@1.2
operationA 0102030405060708090a0b0c0d0e0f10 1112131415161718 http.status_code=503 ratio=0.5 ok=false blob=aGk= list=["a",1] map={"a":null,"z":2}
ScopeTraces #1
operationB 0102030405060708090a0b0c0d0e0f10 3132333435363738
ResourceTraces #1
ScopeTraces #0
operationC ffffffffffffffffffffffffffffffff eeeeeeeeeeeeeeee
`;

describe('debug exporter', () => {
  it('basic: one info entry per batch with resource spans and spans, component fields attached', async () => {
    const { exporter, lines, telemetry } = setup();
    await exporter.consume(sampleBatch());
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'Traces',
      'resource spans': 2,
      spans: 3,
      'otelcol.component.id': 'debug',
      'otelcol.component.kind': 'exporter',
    });
    expect(await sentSpans(telemetry)).toBe(3);
  });

  it('basic: counts resource runs of a selected (non-pristine) batch', async () => {
    const { exporter, lines } = setup();
    await exporter.consume(sampleBatch().select([2, 0]));
    expect(lines[0]).toMatchObject({ 'resource spans': 2, spans: 2 });
    await exporter.consume(sampleBatch().select([0, 1]));
    expect(lines[1]).toMatchObject({ 'resource spans': 1, spans: 2 });
  });

  it('normal: a line per span with resource and scope headers, as otelcol', async () => {
    const { exporter, lines } = setup({ verbosity: 'normal' });
    await exporter.consume(sampleBatch());
    expect(lines).toHaveLength(2);
    expect(lines[1]!.level).toBe(30);
    expect(lines[1]!.msg).toBe(NORMAL);
  });

  it('detailed: every field, in otelcol otlptext layout', async () => {
    const { exporter, lines } = setup({ verbosity: 'detailed' });
    await exporter.consume(sampleBatch());
    expect(lines).toHaveLength(2);
    expect(lines[1]!.msg).toBe(DETAILED);
  });

  it('detailed: a re-framed selection prints only the selected spans', async () => {
    const { exporter, lines } = setup({ verbosity: 'detailed' });
    await exporter.consume(sampleBatch().select([2]));
    expect(lines[1]!.msg).toMatch(/^ResourceSpans #0\n/);
    expect(lines[1]!.msg).toContain('operationC');
    expect(lines[1]!.msg).not.toContain('operationA');
  });

  it('samples like zap: initial per second, then every Nth; resets each second', async () => {
    let now = 10_000;
    const { exporter, lines } = setup({ sampling_initial: 2, sampling_thereafter: 3 }, () => now);
    for (let i = 0; i < 10; i++) await exporter.consume(sampleBatch());
    // entries 1, 2 pass; then 5 and 8 (every 3rd after the initial 2)
    expect(lines).toHaveLength(4);
    expect(exporter.sampledOut).toBe(6);
    now += 1_000;
    await exporter.consume(sampleBatch());
    expect(lines).toHaveLength(5);
  });

  it('default sampling (2, then every 1) logs everything', async () => {
    const { exporter, lines, telemetry } = setup({}, () => 0);
    for (let i = 0; i < 20; i++) await exporter.consume(sampleBatch());
    expect(lines).toHaveLength(20);
    expect(await sentSpans(telemetry)).toBe(60);
  });

  it('sampling_thereafter 0 drops all after the initial entries', async () => {
    const { exporter, lines } = setup({ sampling_initial: 1, sampling_thereafter: 0 }, () => 0);
    for (let i = 0; i < 5; i++) await exporter.consume(sampleBatch());
    expect(lines).toHaveLength(1);
  });

  it('use_internal_logger false: plain message and fields, no level or time', () => {
    const out: string[] = [];
    const o = stdoutOutput((s) => void out.push(s));
    o.info({ 'resource spans': 1, spans: 2 }, 'Traces');
    o.info(undefined, 'text\n');
    expect(out).toEqual(['Traces\t{"resource spans":1,"spans":2}\n', 'text\n\n']);
  });

  it('rejects after shutdown, counting the spans as failed; shutdown without start and twice', async () => {
    const { exporter, telemetry } = setup();
    await exporter.shutdown();
    await exporter.shutdown();
    const err = await exporter.consume(sampleBatch()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CollectorError);
    expect((err as CollectorError).code).toBe('TP_SHUTTING_DOWN');
    expect(await telemetry.metricsText()).toMatch(/^otelcol_exporter_send_failed_spans\{exporter="debug"\} 3$/m);
  });
});

describe('debug config', () => {
  it('otelcol defaults and testdata', () => {
    expect(debugFactory.configSchema.parse(null)).toEqual({ verbosity: 'basic', sampling_initial: 2, sampling_thereafter: 1, use_internal_logger: true });
    const ok = testdata('config.yaml');
    for (const v of Object.values(ok)) expect(debugFactory.configSchema.safeParse(v).success).toBe(true);
    expect(debugFactory.configSchema.parse(ok['debug/detailed'])).toMatchObject({ verbosity: 'detailed', sampling_initial: 10, sampling_thereafter: 50 });
  });

  it('rejects bad values naming the key', () => {
    const bad = testdata('config_bad.yaml');
    const msg = (id: string) => {
      const r = debugFactory.configSchema.safeParse(bad[id]);
      expect(r.success).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
    };
    expect(msg('debug/typo')).toMatch(/verbosity: expected one of basic, normal, detailed/);
    expect(msg('debug/none')).toMatch(/verbosity/);
    expect(msg('debug/negative')).toMatch(/sampling_initial/);
    expect(msg('debug/unknown')).toMatch(/unknown key "loglevel"/);
  });
});

describe('timestampString', () => {
  it('trims the fraction as Go does', () => {
    expect(timestampString(0n)).toBe('1970-01-01 00:00:00 +0000 UTC');
    expect(timestampString(1_694_105_832_045_933_000n)).toBe('2023-09-07 16:57:12.045933 +0000 UTC');
  });
});
