/**
 * What a translating receiver (jaeger, zipkin) does once a request is decoded into the OTLP
 * object model: encode it and index it, so the pipeline gets the same wire-first SpanBatch the
 * otlp receiver produces; handing on and counting are PipelineHandoff's.
 */
import { CollectorError } from '../../errors/codes.ts';
import { encodeExportRequestModel } from '../../pdata/encode-model.ts';
import { indexExportRequest } from '../../pdata/index-request.ts';
import type { ExportRequestModel } from '../../pdata/model.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { PipelineHandoff } from '../pipeline-handoff.ts';

export { INVALID_REQUESTS_METRIC } from '../pipeline-handoff.ts';

export class ReceiverHandoff extends PipelineHandoff {
  /**
   * The OTLP model as a SpanBatch: encoded once, then indexed like any OTLP request. Our own
   * encoding always indexes; if it does not, that is a bug, reported as TP_INTERNAL.
   */
  toBatch(model: ExportRequestModel): SpanBatch {
    const buf = encodeExportRequestModel(model);
    try {
      return indexExportRequest(buf);
    } catch (err) {
      throw new CollectorError('TP_INTERNAL', `translated request does not index: ${(err as Error).message}`, { cause: err });
    }
  }
}
