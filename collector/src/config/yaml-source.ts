/** Parses one config source's YAML text, turning syntax errors into `source:line:col: ...`. */
import YAML, { LineCounter } from 'yaml';
import type { ConfigProblem } from './types.ts';

export function parseYamlSource(text: string, sourceName: string): { value?: unknown; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  // merge: true for `<<:` merge keys, which Go's yaml.v3 (used by otelcol) supports.
  // Duplicate keys are errors there as here (uniqueKeys is yaml's default).
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, merge: true, logLevel: 'silent' });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        return { path: '', message: `${sourceName}:${line}:${col}: ${firstLine(e.message)}` };
      }),
    };
  }
  try {
    return { value: doc.toJS({ maxAliasCount: 1000 }), problems: [] };
  } catch (err) {
    // e.g. an alias bomb, or an alias to an anchor that does not exist.
    return { problems: [{ path: '', message: `${sourceName}: ${(err as Error).message}` }] };
  }
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i === -1 ? s : s.slice(0, i);
}
