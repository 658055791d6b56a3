/**
 * replaceResources / replaceScopes (rewrite.ts): a rewritten resource or scope reaches the wire
 * for exactly the spans under it, with its schema_url kept; every other byte is as received; the
 * batch it was selected from (which shares the tables) does not see the change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeRef, findResourceAttributeByIndex, findScopeAttribute } from './attributes.ts';
import { decodeExportRequest } from './decode-model.ts';
import { encodeExportRequestModel, encodeResource, encodeScope } from './encode-model.ts';
import { encodeExportRequest } from './encode-request.ts';
import { indexExportRequest } from './index-request.ts';
import type { ExportRequestModel, ResourceModel, ScopeModel, SpanModel } from './model.ts';
import { replaceResource, replaceResources, replaceScope, replaceScopes, replaceSpan } from './rewrite.ts';
import { arbExportRequest, arbString } from './test-arbitraries.ts';
import { WireError } from './wire-reader.ts';

interface Placed {
  resource: ResourceModel | null;
  resourceSchema: string;
  scope: ScopeModel | null;
  scopeSchema: string;
  span: SpanModel;
}

/** Every span with the resource and scope it is under, in order. */
function placed(m: ExportRequestModel): Placed[] {
  const out: Placed[] = [];
  for (const rs of m.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        out.push({ resource: rs.resource, resourceSchema: rs.schemaUrl, scope: ss.scope, scopeSchema: ss.schemaUrl, span });
      }
    }
  }
  return out;
}

/** Resource row / scope row of every span, as the indexer numbers them (in request order). */
function rowsOf(m: ExportRequestModel): { res: number; scope: number }[] {
  const out: { res: number; scope: number }[] = [];
  let scope = 0;
  m.resourceSpans.forEach((rs, res) => {
    for (const ss of rs.scopeSpans) {
      for (let k = 0; k < ss.spans.length; k++) out.push({ res, scope });
      scope++;
    }
  });
  return out;
}

/** What the bytes say, decoded by the model codec (canonical on both sides of a comparison). */
function placedOnWire(bytes: Buffer): Placed[] {
  return placed(decodeExportRequest(bytes));
}

const arbResource: fc.Arbitrary<ResourceModel> = fc.record(
  {
    attributes: fc.array(fc.record({ key: arbString(8), value: arbString(12).map((s) => ({ stringValue: s })) }, { noNullPrototype: true }), {
      maxLength: 3,
    }),
    droppedAttributesCount: fc.nat(5),
  },
  { noNullPrototype: true },
);

const arbScope: fc.Arbitrary<ScopeModel> = fc.record(
  {
    name: arbString(),
    version: arbString(),
    attributes: fc.array(fc.record({ key: arbString(8), value: fc.integer().map((i) => ({ intValue: BigInt(i) })) }, { noNullPrototype: true }), {
      maxLength: 3,
    }),
    droppedAttributesCount: fc.nat(5),
  },
  { noNullPrototype: true },
);

describe('replaceResources()', () => {
  it('puts the new resource under exactly its spans, keeps schema_url and every other byte', () => {
    fc.assert(
      fc.property(arbExportRequest({ maxResourceSpans: 3 }), fc.nat(), arbResource, (m, pick, newResource) => {
        const rows = rowsOf(m);
        fc.pre(rows.length > 0);
        const target = rows[pick % rows.length]!.res;
        const bytes = encodeExportRequestModel(m);
        const batch = indexExportRequest(bytes);
        const view = batch.select(Uint32Array.from(rows.keys())); // shares tables and buffers
        const before = placedOnWire(encodeExportRequest(batch));

        replaceResource(view, target, encodeResource(newResource));

        const want = before.map((p, k) => (rows[k]!.res === target ? { ...p, resource: newResource } : p));
        expect(placedOnWire(encodeExportRequest(view))).toEqual(want);
        // The batch it was selected from still encodes (and reads) the old resource.
        expect(view.pristine).toBeNull();
        expect(encodeExportRequest(batch)).toBe(bytes);
        expect(placedOnWire(encodeExportRequest(batch.select(Uint32Array.from(rows.keys()))))).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('attribute look-ups read the new resource', () => {
    const m: ExportRequestModel = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'old' } }], droppedAttributesCount: 0 },
          scopeSpans: [{ scope: null, spans: [spanNamed('a')], schemaUrl: '' }],
          schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        },
      ],
    };
    const batch = indexExportRequest(encodeExportRequestModel(m));
    const copy = batch.clone();
    replaceResource(copy, 0, encodeResource({ attributes: [{ key: 'service.name', value: { stringValue: 'new' } }], droppedAttributesCount: 0 }));
    const ref = new AttributeRef();
    const key = Buffer.from('service.name');
    expect(findResourceAttributeByIndex(copy, 0, key, ref) && ref.stringValue()).toBe('new');
    expect(findResourceAttributeByIndex(batch, 0, key, ref) && ref.stringValue()).toBe('old');
    expect(decodeExportRequest(encodeExportRequest(copy)).resourceSpans[0]!.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
  });

  it('several resources in one call; works together with replaceSpan()', () => {
    const m: ExportRequestModel = {
      resourceSpans: ['r0', 'r1', 'r2'].map((name) => ({
        resource: { attributes: [{ key: 'n', value: { stringValue: name } }], droppedAttributesCount: 0 },
        scopeSpans: [{ scope: null, spans: [spanNamed(`${name}-a`), spanNamed(`${name}-b`)], schemaUrl: '' }],
        schemaUrl: '',
      })),
    };
    const batch = indexExportRequest(encodeExportRequestModel(m));
    const newRes = (v: string): Buffer => encodeResource({ attributes: [{ key: 'n', value: { stringValue: v } }], droppedAttributesCount: 0 });
    replaceResources(batch, new Map([[0, newRes('R0')], [2, newRes('R2')]]));
    replaceSpan(batch, 3, Buffer.alloc(0)); // an empty Span payload is valid: every field at its default
    const out = decodeExportRequest(encodeExportRequest(batch));
    expect(out.resourceSpans.map((rs) => rs.resource?.attributes[0]?.value.stringValue)).toEqual(['R0', 'r1', 'R2']);
    expect(out.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)))).toEqual(['r0-a', 'r0-b', 'r1-a', '', 'r2-a', 'r2-b']);
  });

  it('refuses malformed payloads and bad indexes, leaving the batch as it was', () => {
    const bytes = encodeExportRequestModel({
      resourceSpans: [{ resource: null, scopeSpans: [{ scope: null, spans: [spanNamed('x')], schemaUrl: '' }], schemaUrl: '' }],
    });
    const batch = indexExportRequest(bytes);
    const tables = batch.resources;
    expect(() => replaceResource(batch, 0, Buffer.from([0x0a, 0x05, 0x01]))).toThrow(WireError);
    expect(() => replaceResource(batch, 1, encodeResource({ attributes: [], droppedAttributesCount: 0 }))).toThrow(RangeError);
    expect(() => replaceScope(batch, -1, encodeScope({ name: '', version: '', attributes: [], droppedAttributesCount: 0 }))).toThrow(RangeError);
    expect(batch.resources).toBe(tables);
    expect(encodeExportRequest(batch)).toBe(bytes);
  });
});

describe('replaceScopes()', () => {
  it('puts the new scope under exactly its spans, keeps schema_url and every other byte', () => {
    fc.assert(
      fc.property(arbExportRequest({ maxScopeSpans: 3 }), fc.nat(), arbScope, (m, pick, newScope) => {
        const rows = rowsOf(m);
        fc.pre(rows.length > 0);
        const target = rows[pick % rows.length]!.scope;
        const batch = indexExportRequest(encodeExportRequestModel(m));
        const view = batch.select(Uint32Array.from(rows.keys()));
        const before = placedOnWire(encodeExportRequest(batch));

        replaceScopes(view, new Map([[target, encodeScope(newScope)]]));

        const want = before.map((p, k) => (rows[k]!.scope === target ? { ...p, scope: newScope } : p));
        expect(placedOnWire(encodeExportRequest(view))).toEqual(want);
        expect(placedOnWire(encodeExportRequest(batch.select(Uint32Array.from(rows.keys()))))).toEqual(before);
        const k = rows.findIndex((r) => r.scope === target);
        const ref = new AttributeRef();
        const first = newScope.attributes[0];
        if (first !== undefined) {
          expect(findScopeAttribute(view, k, Buffer.from(first.key), ref)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});

function spanNamed(name: string): SpanModel {
  return {
    traceId: Buffer.alloc(16, 1),
    spanId: Buffer.alloc(8, 2),
    traceState: '',
    parentSpanId: Buffer.alloc(0),
    flags: 0,
    name,
    kind: 1,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { message: '', code: 0 },
  };
}
