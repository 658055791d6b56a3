/**
 * What both otlp transports do with an ExportTraceServiceRequest once they have its bytes: index
 * it, then hand it on and count (PipelineHandoff). Transport-specific framing (status codes,
 * response encodings) stays in grpc-server.ts and http-server.ts.
 */
import { CollectorError } from '../../errors/codes.ts';
import { indexExportRequest, InvalidIdError } from '../../pdata/index-request.ts';
import type { SpanBatch } from '../../pdata/span-batch.ts';
import { WireError } from '../../pdata/wire-reader.ts';
import { PipelineHandoff } from '../pipeline-handoff.ts';

export { INVALID_REQUESTS_METRIC } from '../pipeline-handoff.ts';

export type Transport = 'grpc' | 'http';

export class TraceExport extends PipelineHandoff<Transport> {
  /**
   * Indexes a request. Malformed bytes throw CollectorError TP_BAD_REQUEST, a bad id length
   * TP_INVALID_ID; the caller answers and calls onInvalid().
   */
  decode(body: Buffer): SpanBatch {
    try {
      return indexExportRequest(body);
    } catch (err) {
      if (err instanceof InvalidIdError) throw new CollectorError('TP_INVALID_ID', err.message, { cause: err });
      if (err instanceof WireError) throw new CollectorError('TP_BAD_REQUEST', err.message, { cause: err });
      throw err;
    }
  }
}
