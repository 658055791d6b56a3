/**
 * Reads back what the file exporter wrote: the ExportTraceServiceRequest protobuf of every
 * record, in order. For tests and the testbed's validator.
 */
import { otlpJsonToProtobuf } from '../../pdata/otlp-json.ts';

/** Splits a file written with `format` into its requests (protobuf bytes each). */
export function readFileExport(content: Buffer, format: 'json' | 'proto'): Buffer[] {
  const out: Buffer[] = [];
  if (format === 'json') {
    for (const line of content.toString('utf8').split('\n')) {
      if (line !== '') out.push(otlpJsonToProtobuf(line));
    }
    return out;
  }
  let pos = 0;
  while (pos < content.length) {
    if (pos + 4 > content.length) throw new Error(`truncated length prefix at byte ${pos}`);
    const len = content.readUInt32BE(pos);
    pos += 4;
    if (pos + len > content.length) throw new Error(`record at byte ${pos - 4} claims ${len} bytes, ${content.length - pos} left`);
    out.push(content.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}
