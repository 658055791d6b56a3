/**
 * Property tests (fast-check) for the redaction processor:
 * - no blocked value survives anywhere redaction covers, for random attribute trees with card
 *   and id numbers planted in strings, ints, doubles, nested arrays and kvlists (their elements
 *   and keys), checked with JS RegExps, an engine independent of the one under test;
 * - the byte scan never says "no change" where the model path changes something (a miss there
 *   would let a value through unredacted), for random configs and attributes;
 * - redacting the SpanBatch (scan, rewrite only what changes) gives exactly what redacting every
 *   map of the decoded request gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest, decodeResource, decodeSpan } from '../../pdata/decode-model.ts';
import { encodeExportRequestModel, encodeResource, encodeSpan } from '../../pdata/encode-model.ts';
import { encodeExportRequest } from '../../pdata/encode-request.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import type { AnyValue, ExportRequestModel, KeyValue, SpanEvent } from '../../pdata/model.ts';
import { arbExportRequest, arbString } from '../../pdata/test-arbitraries.ts';
import { BatchRedactor } from './redact-batch.ts';
import { redactAttributes } from './redact-attributes.ts';
import { AttributeScanner } from './scan.ts';
import { ID_PATTERN, CARD_PATTERN, rulesFor } from './testdata/harness.ts';
import { anyValueAsString, eachNestedString } from './value-string.ts';

// The seed patterns as JS RegExps: the same language for these (ASCII \b and \d in both).
const CARD_JS = new RegExp(CARD_PATTERN);
const ID_JS = new RegExp(ID_PATTERN);
const KEY_JS = /password|secret|token|api_key/i;
const leaks = (s: string): boolean => CARD_JS.test(s) || ID_JS.test(s);

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const card = fc.oneof(
  digits(16),
  fc.tuple(digits(4), digits(4), digits(4), digits(4), fc.constantFrom(' ', '-', '')).map(([a, b, c, d, sep]) => [a, b, c, d].join(sep)),
);
const idNumber = fc.tuple(fc.constantFrom('CN', 'de', 'Xy'), digits(18)).map(([p, d]) => p + d);
const secret = fc.oneof(card, idNumber);
/** Strings around secrets, glued by anything (spaces, newlines, <, quotes, word characters). */
const glue = fc.oneof(fc.constantFrom('', ' ', '\n', '\t', '<', '>', '&', '"', '\\', 'x', '_', '\u2028', 'é'), arbString(4));
const text = fc.oneof(
  { weight: 2, arbitrary: arbString(12) },
  { weight: 3, arbitrary: fc.tuple(glue, secret, glue, fc.option(secret, { nil: '' })).map((p) => p.join('')) },
);

const keyName = fc.oneof(
  fc.constantFrom('note', 'user.password', 'x-api_key', 'TOKEN', 'id', 'redaction.masked.count', 'redaction.redacted.keys', ''),
  arbString(6),
);

function arbValues(maxDepth: number) {
  const depthIdentifier = fc.createDepthIdentifier();
  return fc.letrec<{ value: AnyValue; kv: KeyValue }>((tie) => ({
    value: fc.oneof(
      { maxDepth, depthIdentifier, depthSize: 'small' },
      { weight: 5, arbitrary: text.map((s): AnyValue => ({ stringValue: s })) },
      { weight: 1, arbitrary: fc.bigInt({ min: 1000_0000_0000_0000n, max: 9999_9999_9999_9999n }).map((i): AnyValue => ({ intValue: i })) },
      { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map((i): AnyValue => ({ intValue: i })) },
      { weight: 1, arbitrary: fc.oneof(fc.double(), fc.constant(4111111111111111)).map((d): AnyValue => ({ doubleValue: d })) },
      { weight: 1, arbitrary: fc.boolean().map((b): AnyValue => ({ boolValue: b })) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((b): AnyValue => ({ bytesValue: Buffer.from(b) })) },
      { weight: 1, arbitrary: fc.constant<AnyValue>({}) },
      { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 3 }).map((a): AnyValue => ({ arrayValue: a })) },
      { weight: 2, arbitrary: fc.array(tie('kv'), { maxLength: 3 }).map((a): AnyValue => ({ kvlistValue: a })) },
    ),
    kv: fc.record({ key: fc.oneof(keyName, text), value: tie('value') }, { noNullPrototype: true }),
  }));
}

const { kv: arbTopKeyValue } = arbValues(3);
const arbAttributes = fc.array(
  fc.record({ key: keyName, value: arbValues(3).value }, { noNullPrototype: true }),
  { maxLength: 5 },
);

/** A request (any shape arbExportRequest makes) with its attribute maps replaced by secret-laden ones. */
const arbLadenRequest: fc.Arbitrary<ExportRequestModel> = fc
  .tuple(arbExportRequest({ maxResourceSpans: 2, maxSpans: 3, maxAttributes: 0 }), fc.infiniteStream(arbAttributes))
  .map(([m, attrs]) => {
    const next = (): KeyValue[] => attrs.next().value as KeyValue[];
    for (const rs of m.resourceSpans) {
      if (rs.resource !== null) rs.resource.attributes = next();
      for (const ss of rs.scopeSpans) {
        if (ss.scope !== null) ss.scope.attributes = next();
        for (const s of ss.spans) {
          s.attributes = next();
          for (const ev of s.events) ev.attributes = next();
          for (const l of s.links) l.attributes = next();
        }
      }
    }
    return m;
  });

/** Every attribute map redaction covers: resource, scope, span, span events. */
function coveredMaps(m: ExportRequestModel): KeyValue[][] {
  const out: KeyValue[][] = [];
  for (const rs of m.resourceSpans) {
    if (rs.resource !== null) out.push(rs.resource.attributes);
    for (const ss of rs.scopeSpans) {
      if (ss.scope !== null) out.push(ss.scope.attributes);
      for (const s of ss.spans) {
        out.push(s.attributes);
        for (const ev of s.events) out.push(ev.attributes);
      }
    }
  }
  return out;
}

const MASKED_WHOLE = /^(\*\*\*\*)(\n\*\*\*\*)*$/;

describe('no blocked value survives', () => {
  const config = {
    allow_all_keys: true,
    redact_all_types: true,
    blocked_key_patterns: ['(?i)password|secret|token|api_key'],
    blocked_values: [CARD_PATTERN, ID_PATTERN],
  };

  for (const summary of ['silent', 'debug']) {
    it(`in any value, nested or not, in resource, scope, span and event attributes (summary ${summary})`, () => {
      const rules = rulesFor({ ...config, summary });
      let planted = 0;
      fc.assert(
        fc.property(arbLadenRequest, (m) => {
          const input = encodeExportRequestModel(m);
          for (const map of coveredMaps(m)) for (const kv of map) if (leaks(anyValueAsString(kv.value)) || eachNestedString(kv.value, leaks)) planted++;
          const batch = indexExportRequest(input);
          new BatchRedactor(rules).redact(batch);
          const out = decodeExportRequest(encodeExportRequest(batch));

          for (const map of coveredMaps(out)) {
            for (const kv of map) {
              if (KEY_JS.test(kv.key)) {
                expect(kv.value.stringValue).toMatch(MASKED_WHOLE);
                continue;
              }
              const s = anyValueAsString(kv.value);
              expect(leaks(s), `value of ${JSON.stringify(kv.key)}: ${s}`).toBe(false);
              expect(eachNestedString(kv.value, leaks), `inside ${JSON.stringify(kv.key)}`).toBe(false);
            }
          }
          // What redaction does not cover is as it came: span links, names, ids.
          const spansIn = decodeExportRequest(input).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
          const spansOut = out.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
          expect(spansOut.map((s) => [s.spanId, s.name, s.links])).toEqual(spansIn.map((s) => [s.spanId, s.name, s.links]));
        }),
        { numRuns: 120 },
      );
      // The property was exercised: plenty of generated values did carry a secret.
      expect(planted).toBeGreaterThan(50);
    });
  }
});

// ---- the scan never misses ----

const KEY_POOL = ['k1', 'k2', 'password', 'x', '', 'redaction.masked.count', 'redaction.masked.keys', 'note'];
const subset = <T>(pool: readonly T[]) => fc.subarray([...pool]);
const arbConfig = fc.record({
  allow_all_keys: fc.boolean(),
  allowed_keys: subset(KEY_POOL),
  ignored_keys: subset(KEY_POOL),
  ignored_key_patterns: subset(['^k1$', 'x']),
  blocked_key_patterns: subset(['(?i)password', 'k2', '^$']),
  blocked_values: subset([CARD_PATTERN, ID_PATTERN, 'a*', 'b']),
  allowed_values: subset(['^ok$', '', 'z']),
  redact_all_types: fc.boolean(),
  summary: fc.constantFrom('debug', 'info', 'silent', ''),
});
const arbPoolKeyValue = fc.record({ key: fc.oneof(fc.constantFrom(...KEY_POOL), arbString(4)), value: arbValues(2).value }, { noNullPrototype: true });

describe('the byte scan', () => {
  it('finds every map redaction would change (resource-shaped messages)', () => {
    fc.assert(
      fc.property(arbConfig, fc.array(fc.oneof(arbPoolKeyValue, arbTopKeyValue), { maxLength: 6 }), (config, attrs) => {
        const rules = rulesFor(config);
        const payload = encodeResource({ attributes: attrs, droppedAttributesCount: 0 });
        const wouldChange = new AttributeScanner(rules).mapWouldChange(payload, 0, payload.length, 1);
        const changes = redactAttributes(decodeResource(payload).attributes, rules);
        if (changes) expect(wouldChange).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('finds every span redaction would change, through its events too', () => {
    const event = (attributes: KeyValue[]): SpanEvent => ({ timeUnixNano: 1n, name: 'e', attributes, droppedAttributesCount: 0 });
    fc.assert(
      fc.property(
        arbConfig,
        fc.array(arbPoolKeyValue, { maxLength: 3 }),
        fc.array(fc.array(arbPoolKeyValue, { maxLength: 3 }), { maxLength: 2 }),
        (config, attrs, events) => {
          const rules = rulesFor(config);
          const payload = encodeSpan({
            traceId: Buffer.alloc(16, 1),
            spanId: Buffer.alloc(8, 1),
            traceState: '',
            parentSpanId: Buffer.alloc(0),
            flags: 0,
            name: 'n',
            kind: 1,
            startTimeUnixNano: 1n,
            endTimeUnixNano: 2n,
            attributes: attrs,
            droppedAttributesCount: 0,
            events: events.map(event),
            droppedEventsCount: 0,
            links: [],
            droppedLinksCount: 0,
            status: { code: 0, message: '' },
          });
          const wouldChange = new AttributeScanner(rules).spanWouldChange(payload, 0, payload.length);
          const span = decodeSpan(payload);
          let changes = redactAttributes(span.attributes, rules);
          for (const ev of span.events) if (redactAttributes(ev.attributes, rules)) changes = true;
          if (changes) expect(wouldChange).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('the SpanBatch path', () => {
  it('gives what redacting every covered map of the decoded request gives', () => {
    fc.assert(
      fc.property(arbConfig, arbLadenRequest, (config, m) => {
        const rules = rulesFor(config);
        const input = encodeExportRequestModel(m);
        const batch = indexExportRequest(input);
        new BatchRedactor(rules).redact(batch);
        const viaBatch = decodeExportRequest(encodeExportRequest(batch));

        const expected = decodeExportRequest(input);
        for (const map of coveredMaps(expected)) redactAttributes(map, rules);
        // Re-framing drops ScopeSpans / ResourceSpans without spans: compare span by span.
        const flat = (x: ExportRequestModel) =>
          x.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ r: rs.resource, c: ss.scope, s }))));
        expect(flat(viaBatch)).toEqual(flat(expected));
      }),
      { numRuns: 200 },
    );
  });
});
