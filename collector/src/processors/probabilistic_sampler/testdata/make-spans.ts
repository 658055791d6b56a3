/**
 * Test-only: SpanBatches of one span per given trace id, built like received ones (encode-model
 * + index-request), and settings with a captured logger.
 */
import { pino } from 'pino';
import { parseComponentId, type CreateSettings } from '../../../component/types.ts';
import { encodeExportRequestModel } from '../../../pdata/encode-model.ts';
import { indexExportRequest } from '../../../pdata/index-request.ts';
import { newSpan, type AnyValue, type ExportRequestModel } from '../../../pdata/model.ts';
import type { SpanBatch } from '../../../pdata/span-batch.ts';
import { SelfTelemetry } from '../../../telemetry/self-telemetry.ts';

export interface SpanInit {
  traceId: string; // 32 hex digits, '' for an empty id
  traceState?: string;
  priority?: AnyValue;
  name?: string;
}

let seq = 1;

export function spansBatch(specs: SpanInit[]): SpanBatch {
  const model: ExportRequestModel = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: 's', version: '', attributes: [], droppedAttributesCount: 0 },
            spans: specs.map((s) => {
              const id = Buffer.alloc(8);
              id.writeUInt32BE(seq++, 4);
              id[0] = 7;
              return newSpan({
                traceId: Buffer.from(s.traceId, 'hex'),
                spanId: id,
                name: s.name ?? 'op',
                traceState: s.traceState ?? '',
                startTimeUnixNano: 1_700_000_000_000_000_000n,
                endTimeUnixNano: 1_700_000_000_100_000_000n,
                attributes: [
                  { key: 'http.route', value: { stringValue: '/x' } },
                  ...(s.priority === undefined ? [] : [{ key: 'sampling.priority', value: s.priority }]),
                ],
              });
            }),
            schemaUrl: '',
          },
        ],
        schemaUrl: '',
      },
    ],
  };
  return indexExportRequest(encodeExportRequestModel(model));
}

export function testSettings(id = 'probabilistic_sampler'): { settings: CreateSettings; telemetry: SelfTelemetry; logs: { level: number; msg: string; [k: string]: unknown }[] } {
  const logs: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as { level: number; msg: string }) });
  const telemetry = new SelfTelemetry();
  return {
    settings: { id: parseComponentId(id), kind: 'processor', logger, telemetry, pipelines: ['traces'] },
    telemetry,
    logs,
  };
}
