/** Test-only: a transport that keeps a copy of every request and answers OK. */
import { result, type ExportResult, type SpanTransport } from '../loadgen/transports/span-transport.ts';

export interface CapturedRequest {
  workerIndex: number;
  tenant: number;
  /** A copy (the generator reuses request buffers). */
  body: Buffer;
}

export class CapturingTransport implements SpanTransport {
  constructor(
    private readonly workerIndex: number,
    private readonly sink: CapturedRequest[],
  ) {}

  async send(body: Buffer, tenant: number): Promise<ExportResult> {
    this.sink.push({ workerIndex: this.workerIndex, tenant, body: Buffer.from(body) });
    return result('ok', 'capture:ok');
  }

  async close(): Promise<void> {}
}
