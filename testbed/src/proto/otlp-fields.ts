/**
 * Field numbers from the official OTLP protos (collector/trace/v1/trace_service.proto,
 * trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto).
 */
export const ExportTraceServiceRequestField = { RESOURCE_SPANS: 1 } as const;
export const ExportTraceServiceResponseField = { PARTIAL_SUCCESS: 1 } as const;
export const PartialSuccessField = { REJECTED_SPANS: 1, ERROR_MESSAGE: 2 } as const;
export const ResourceSpansField = { RESOURCE: 1, SCOPE_SPANS: 2, SCHEMA_URL: 3 } as const;
export const ScopeSpansField = { SCOPE: 1, SPANS: 2, SCHEMA_URL: 3 } as const;
export const ResourceField = { ATTRIBUTES: 1, DROPPED_ATTRIBUTES_COUNT: 2 } as const;
export const ScopeField = { NAME: 1, VERSION: 2, ATTRIBUTES: 3 } as const;
export const SpanField = {
  TRACE_ID: 1,
  SPAN_ID: 2,
  TRACE_STATE: 3,
  PARENT_SPAN_ID: 4,
  NAME: 5,
  KIND: 6,
  START_TIME_UNIX_NANO: 7,
  END_TIME_UNIX_NANO: 8,
  ATTRIBUTES: 9,
  DROPPED_ATTRIBUTES_COUNT: 10,
  EVENTS: 11,
  DROPPED_EVENTS_COUNT: 12,
  LINKS: 13,
  DROPPED_LINKS_COUNT: 14,
  STATUS: 15,
  FLAGS: 16,
} as const;
export const EventField = { TIME_UNIX_NANO: 1, NAME: 2, ATTRIBUTES: 3 } as const;
export const StatusField = { MESSAGE: 2, CODE: 3 } as const;
export const KeyValueField = { KEY: 1, VALUE: 2 } as const;
export const AnyValueField = { STRING: 1, BOOL: 2, INT: 3, DOUBLE: 4 } as const;

export const SpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;

/** The gRPC method path of the OTLP trace service. */
export const OTLP_TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
