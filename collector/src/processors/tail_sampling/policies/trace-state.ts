/**
 * trace_state: sampled when any span's W3C tracestate has `key` with a value in `values`
 * (otelcol: the tracestate must parse as a whole, see tracestate.ts; values that are empty or
 * would make the list-member 256 bytes or longer are ignored, as otelcol does).
 */
import { WireReader } from '../../../pdata/wire-reader.ts';
import type { TraceStateConfig } from './config.ts';
import { Decision, type PolicyEvaluator, type TraceView } from './policy.ts';
import { ByteRange, readTraceState } from './span-fields.ts';
import { TraceStateReader } from './tracestate.ts';

export class TraceStatePolicy implements PolicyEvaluator {
  readonly type = 'trace_state';
  private readonly key: Buffer;
  private readonly values: Buffer[];
  private readonly reader = new WireReader(Buffer.alloc(0), 0);
  private readonly state = new ByteRange();
  private readonly value = new ByteRange();
  private readonly parser = new TraceStateReader();

  constructor(
    readonly name: string,
    cfg: TraceStateConfig,
  ) {
    this.key = Buffer.from(cfg.key, 'utf8');
    const keyLen = this.key.length;
    this.values = [...new Set(cfg.values)]
      .map((v) => Buffer.from(v, 'utf8'))
      .filter((v) => v.length > 0 && keyLen + v.length < 256);
  }

  evaluate(trace: TraceView): Decision {
    const b = trace.batch;
    if (this.values.length === 0) return Decision.NotSampled;
    for (let i = 0; i < b.spanCount; i++) {
      if (!readTraceState(b, i, this.reader, this.state)) continue;
      const st = this.state;
      if (!this.parser.lookup(st.buf, st.start, st.end, this.key, this.value)) continue;
      for (let k = 0; k < this.values.length; k++) if (this.value.equals(this.values[k]!)) return Decision.Sampled;
    }
    return Decision.NotSampled;
  }
}
