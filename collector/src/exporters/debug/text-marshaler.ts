/**
 * The `normal` and `detailed` texts of otelcol's debug exporter (internal/normal/traces.go and
 * internal/otlptext/traces.go), written from the decoded object model. This is the slow path by
 * design: it only runs when someone asked to see every span.
 */
import type { ExportRequestModel, KeyValue, ScopeModel, SpanEvent, SpanLink } from '../../pdata/model.ts';
import { spanKindString, statusCodeString, timestampString, typedValueString, valueAsString } from './value-text.ts';

// ---- normal: one line per span, with headers per resource and scope ----

export function normalText(req: ExportRequestModel): string {
  let out = '';
  req.resourceSpans.forEach((rs, i) => {
    const schema = rs.schemaUrl !== '' ? ` [${rs.schemaUrl}]` : '';
    out += `ResourceTraces #${i}${schema}${attributesInline(rs.resource?.attributes ?? [])}\n`;
    rs.scopeSpans.forEach((ss, j) => {
      // otelcol prints the resource index here (i); the scope index is what the label means.
      out += `ScopeTraces #${j}${scopeDetails(ss.scope, ss.schemaUrl)}${attributesInline(ss.scope?.attributes ?? [])}\n`;
      for (const span of ss.spans) {
        out += `${span.name} ${span.traceId.toString('hex')} ${span.spanId.toString('hex')}${attributesInline(span.attributes)}\n`;
      }
    });
  });
  return out;
}

function attributesInline(attrs: readonly KeyValue[]): string {
  let out = '';
  for (const kv of attrs) out += ` ${kv.key}=${valueAsString(kv.value)}`;
  return out;
}

function scopeDetails(scope: ScopeModel | null, schemaUrl: string): string {
  let d = scope?.name ?? '';
  if (scope !== null && scope.version !== '') d += `@${scope.version}`;
  if (schemaUrl !== '') d += `${d !== '' ? ' ' : ''}[${schemaUrl}]`;
  return d !== '' ? ` ${d}` : '';
}

// ---- detailed: every field ----

class TextBuffer {
  text = '';

  entry(line: string): void {
    this.text += `${line}\n`;
  }

  /** `    %-15s: %s` */
  attr(name: string, value: string): void {
    this.entry(`    ${name.padEnd(15)}: ${value}`);
  }

  attributes(header: string, attrs: readonly KeyValue[]): void {
    if (attrs.length === 0) return;
    this.entry(`${header}:`);
    // A header such as "     -> Attributes:" indents its attributes one level further.
    const arrow = header.indexOf('->');
    const prefix = (arrow === -1 ? '' : header.slice(0, arrow)) + '     ->';
    for (const kv of attrs) this.entry(`${prefix} ${kv.key}: ${typedValueString(kv.value)}`);
  }

  events(events: readonly SpanEvent[]): void {
    if (events.length === 0) return;
    this.entry('Events:');
    events.forEach((e, i) => {
      this.entry(`SpanEvent #${i}`);
      this.entry(`     -> Name: ${e.name}`);
      this.entry(`     -> Timestamp: ${timestampString(e.timeUnixNano)}`);
      this.entry(`     -> DroppedAttributesCount: ${e.droppedAttributesCount}`);
      this.attributes('     -> Attributes:', e.attributes);
    });
  }

  links(links: readonly SpanLink[]): void {
    if (links.length === 0) return;
    this.entry('Links:');
    links.forEach((l, i) => {
      this.entry(`SpanLink #${i}`);
      this.entry(`     -> Trace ID: ${l.traceId.toString('hex')}`);
      this.entry(`     -> ID: ${l.spanId.toString('hex')}`);
      this.entry(`     -> TraceState: ${l.traceState}`);
      this.entry(`     -> DroppedAttributesCount: ${l.droppedAttributesCount}`);
      this.attributes('     -> Attributes:', l.attributes);
    });
  }
}

export function detailedText(req: ExportRequestModel): string {
  const b = new TextBuffer();
  req.resourceSpans.forEach((rs, i) => {
    b.entry(`ResourceSpans #${i}`);
    b.entry(`Resource SchemaURL: ${rs.schemaUrl}`);
    b.attributes('Resource attributes', rs.resource?.attributes ?? []);
    rs.scopeSpans.forEach((ss, j) => {
      b.entry(`ScopeSpans #${j}`);
      b.entry(`ScopeSpans SchemaURL: ${ss.schemaUrl}`);
      b.entry(`InstrumentationScope ${ss.scope?.name ?? ''} ${ss.scope?.version ?? ''}`);
      b.attributes('InstrumentationScope attributes', ss.scope?.attributes ?? []);
      ss.spans.forEach((span, k) => {
        b.entry(`Span #${k}`);
        b.attr('Trace ID', span.traceId.toString('hex'));
        b.attr('Parent ID', span.parentSpanId.toString('hex'));
        b.attr('ID', span.spanId.toString('hex'));
        b.attr('Name', span.name);
        b.attr('Kind', spanKindString(span.kind));
        if (span.traceState !== '') b.attr('TraceState', span.traceState);
        b.attr('Start time', timestampString(span.startTimeUnixNano));
        b.attr('End time', timestampString(span.endTimeUnixNano));
        b.attr('Status code', statusCodeString(span.status.code));
        b.attr('Status message', span.status.message);
        b.attr('DroppedAttributesCount', String(span.droppedAttributesCount));
        b.attr('DroppedEventsCount', String(span.droppedEventsCount));
        b.attr('DroppedLinksCount', String(span.droppedLinksCount));
        b.attributes('Attributes', span.attributes);
        b.events(span.events);
        b.links(span.links);
      });
    });
  });
  return b.text;
}
