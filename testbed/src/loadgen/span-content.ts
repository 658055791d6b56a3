/**
 * The static content of each span template: everything but ids and timestamps. Both wire formats
 * render the same content, and tests check decoded spans against it.
 */
import type { LoadgenConfig } from './config.ts';
import type { TracePlan } from './trace-plan.ts';
import { StatusCode } from '../proto/otlp-fields.ts';

export type AttributeValue = { kind: 'string'; value: string } | { kind: 'int'; value: number };
export interface Attribute {
  key: string;
  value: AttributeValue;
}
export interface EventContent {
  name: string;
  attributes: Attribute[];
}
export interface SpanContent {
  name: string;
  kind: number;
  hasParent: boolean;
  attributes: Attribute[];
  events: EventContent[];
  statusCode: number;
  statusMessage: string;
  flags: number;
}

/** W3C sampled flag + "has is_remote" bit with is_remote false. */
export const SPAN_FLAGS = 0x101;
export const ERROR_STATUS_MESSAGE = 'simulated error';
export const SCOPE_NAME = 'tailpipe-testbed-loadgen';
export const SCOPE_VERSION = '0.1.0';

/** Template index of (endpoint, span index, error variant). */
export function templateIndex(spansPerTrace: number, endpoint: number, j: number, error: boolean): number {
  return ((endpoint * spansPerTrace + j) << 1) | (error ? 1 : 0);
}

export function templateCount(plan: TracePlan): number {
  return plan.endpointCount * plan.spansPerTrace * 2;
}

/** Filler attribute i's key. The int form keeps otelcol testbed's names for the first two. */
export function fillerKey(type: 'string' | 'int', i: number): string {
  if (type === 'int') {
    if (i === 0) return 'load_generator.span_seq_num';
    if (i === 1) return 'load_generator.trace_seq_num';
    return `attr.int.${i}`;
  }
  return `attr.${i}`;
}

/** Filler attribute i's value for span j of endpoint e. */
export function fillerValue(type: 'string' | 'int', size: number, i: number, e: number, j: number): AttributeValue {
  if (type === 'int') return { kind: 'int', value: i * 1_000_003 + e * 65_536 + j };
  const head = `v${i}-${e}-${j}-`;
  const text = head.length >= size ? head.slice(0, size) : head + 'x'.repeat(size - head.length);
  return { kind: 'string', value: text };
}

export function spanContent(config: LoadgenConfig, plan: TracePlan, endpoint: number, j: number, error: boolean): SpanContent {
  const shape = config.shape;
  const attributes: Attribute[] = [];
  if (j === 0 && shape.semantic_attributes) {
    attributes.push({ key: 'http.route', value: { kind: 'string', value: plan.endpointRoute(endpoint) } });
    attributes.push({ key: 'http.response.status_code', value: { kind: 'int', value: error ? 500 : 200 } });
  }
  for (let i = 0; i < shape.attributes; i++) {
    attributes.push({
      key: fillerKey(shape.attribute_type, i),
      value: fillerValue(shape.attribute_type, shape.attribute_value_size, i, endpoint, j),
    });
  }
  const events: EventContent[] = [];
  for (let i = 0; i < shape.events_per_span; i++) {
    events.push({ name: `event-${i}`, attributes: [{ key: 'event.index', value: { kind: 'int', value: i } }] });
  }
  return {
    name: plan.spanName(endpoint, j),
    kind: plan.kindOf[endpoint * plan.spansPerTrace + j]!,
    hasParent: j !== 0,
    attributes,
    events,
    statusCode: error ? StatusCode.ERROR : StatusCode.UNSET,
    statusMessage: error ? ERROR_STATUS_MESSAGE : '',
    flags: SPAN_FLAGS,
  };
}

/** Time of event i of a span, as an offset like the span's own. */
export function eventOffsetNs(startNs: number, endNs: number, i: number, eventCount: number): number {
  return startNs + Math.floor(((endNs - startNs) * (i + 1)) / (eventCount + 1));
}
