/** What the backend decided about one export request; the protocol sinks turn it into an answer. */
export type ExportVerdict =
  | { kind: 'accepted' }
  | { kind: 'refused' }
  | { kind: 'throttled'; retryAfterS: number }
  | { kind: 'invalid'; message: string }
  | { kind: 'blackholed' };

export interface ExportRequest {
  protocol: 'grpc' | 'http';
  /** Uncompressed request body. */
  body: Buffer;
  json: boolean;
  tenant: string;
}

export interface ExportHandler {
  handleExport(request: ExportRequest): Promise<ExportVerdict>;
}
