/**
 * Redaction throughput with the seed rules (testdata/harness.ts SEED_CONFIG: fail-closed key
 * list, blocked key pattern (?i)password|secret|token|api_key, 16-digit card and 18-digit id
 * value patterns), next to pass-through (index + encode) in the same run and process.
 *
 * Each case takes request buffers of 100 spans of about 20 attributes (the instrumented-HTTP
 * shape of bench/fixtures.ts), and per request: indexExportRequest -> redact -> encodeExportRequest,
 * the work a receiver + redaction + exporter do on the data (sockets excluded). Reported: spans
 * per CPU-second of this single-threaded process (= spans/s per core) and µs per span.
 *
 *   node --import tsx collector/src/processors/redaction/bench/redaction.bench.ts [secondsPerCase]
 */
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { encodeExportRequest } from '../../../pdata/encode-request.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { newSpan, type KeyValue, type SpanModel } from '../../../pdata/model.ts';
import { BatchRedactor } from '../redact-batch.ts';
import { rulesFor, SEED_CONFIG } from '../testdata/harness.ts';

const seconds = Number(process.argv[2] ?? 3);
const SPANS_PER_REQUEST = 100;
const REQUESTS = 16;

/** The fixtures' 20 attributes (bench/fixtures.ts http-20-attr), all in the allow list below. */
function httpAttributes(i: number): KeyValue[] {
  const out: KeyValue[] = [
    { key: 'http.request.method', value: { stringValue: 'GET' } },
    { key: 'http.response.status_code', value: { intValue: 200n } },
    { key: 'url.path', value: { stringValue: `/api/v1/orders/${i % 977}` } },
    { key: 'server.address', value: { stringValue: 'orders.internal.example.com' } },
    { key: 'network.protocol.version', value: { stringValue: '1.1' } },
    { key: 'user_agent.original', value: { stringValue: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' } },
    { key: 'http.route', value: { stringValue: '/api/v1/orders/:id' } },
    { key: 'client.address', value: { stringValue: '10.1.2.3' } },
    { key: 'db.system', value: { stringValue: 'postgresql' } },
    { key: 'sampled', value: { boolValue: true } },
  ];
  for (let k = out.length; k < 20; k++) out.push({ key: `app.attribute_${k}`, value: { stringValue: `value-${k}-${i % 13}` } });
  return out;
}

type Variant = 'clean' | 'card-10pct' | 'pii-every-span';

function makeRequest(variant: Variant, seed: number): Buffer {
  const spans: SpanModel[] = [];
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    const n = seed * SPANS_PER_REQUEST + i;
    const attributes = httpAttributes(n);
    if (variant === 'card-10pct' && i % 10 === 0) attributes.push({ key: 'payment.note', value: { stringValue: `paid with 4111 1111 1111 ${1000 + (n % 9000)}` } });
    if (variant === 'pii-every-span') {
      attributes.push({ key: 'user.email', value: { stringValue: `user${n}@example.com` } });
      attributes.push({ key: 'app.session_token', value: { stringValue: `tok-${n}` } });
    }
    const id = Buffer.alloc(8);
    id.writeUInt32BE(n + 1, 4);
    const traceId = Buffer.alloc(16, 1);
    traceId.writeUInt32BE(n >>> 3, 12);
    spans.push(
      newSpan({
        traceId,
        spanId: id,
        name: `span-${n % 50}`,
        kind: 2,
        startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(n) * 1000n,
        endTimeUnixNano: 1_700_000_000_005_000_000n + BigInt(n) * 1000n,
        attributes,
      }),
    );
  }
  return encodeExportRequestModel({
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'orders' } },
            { key: 'host.name', value: { stringValue: 'node-17' } },
          ],
          droppedAttributesCount: 0,
        },
        scopeSpans: [{ scope: { name: 'bench', version: '1.0.0', attributes: [], droppedAttributesCount: 0 }, spans, schemaUrl: '' }],
        schemaUrl: '',
      },
    ],
  });
}

/** The seed rules, with the benchmark shape's keys allowed (so only real findings rewrite a span). */
const config = {
  ...SEED_CONFIG,
  allowed_keys: [...SEED_CONFIG.allowed_keys, ...httpAttributes(0).map((kv) => kv.key)],
};

interface Case {
  name: string;
  variant: Variant;
  redact: boolean;
}

const cases: Case[] = [
  { name: 'pass-through (index + encode)', variant: 'clean', redact: false },
  { name: 'redaction, nothing to redact', variant: 'clean', redact: true },
  { name: 'redaction, card number in 10% of spans', variant: 'card-10pct', redact: true },
  { name: 'redaction, PII keys in every span', variant: 'pii-every-span', redact: true },
];

function run(c: Case, ms: number): { spansPerCpuSecond: number; usPerSpan: number; rewritten: number; bytesPerSpan: number } {
  const requests = Array.from({ length: REQUESTS }, (_, k) => makeRequest(c.variant, k));
  const redactor = new BatchRedactor(rulesFor(config));
  let spans = 0;
  let rewritten = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const deadline = performance.now() + ms;
  let n = 0;
  while (performance.now() < deadline) {
    for (let k = 0; k < 16; k++) {
      const batch = indexExportRequest(requests[n++ & (REQUESTS - 1)]!);
      if (c.redact) rewritten += redactor.redact(batch).spansRewritten;
      sink += encodeExportRequest(batch).length;
      spans += batch.spanCount;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (sink === 0) throw new Error('nothing encoded');
  return {
    spansPerCpuSecond: spans / cpuSeconds,
    usPerSpan: (cpuSeconds * 1e6) / spans,
    rewritten: rewritten / spans,
    bytesPerSpan: requests[0]!.length / SPANS_PER_REQUEST,
  };
}

console.log(`node ${process.version}, ${SPANS_PER_REQUEST} spans/request, ${seconds}s per case (after a warm-up)`);
for (const c of cases) run(c, 500); // warm-up: JIT, DFA caches, key cache
const results = cases.map((c) => ({ c, r: run(c, seconds * 1000) }));
const base = results[0]!.r.spansPerCpuSecond;
console.log('| case | spans/s per core | µs/span | spans rewritten | vs pass-through |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const { c, r } of results) {
  console.log(
    `| ${c.name} (${r.bytesPerSpan.toFixed(0)} B/span) | ${Math.round(r.spansPerCpuSecond).toLocaleString('en')} | ${r.usPerSpan.toFixed(2)} | ${(r.rewritten * 100).toFixed(0)}% | ${((r.spansPerCpuSecond / base) * 100).toFixed(0)}% |`,
  );
}
