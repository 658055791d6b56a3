/**
 * Names of a Go (RE2) pattern's capture groups, in group order (null for unnamed groups). The
 * pattern is compiled by tail_sampling's RE2 translator, which keeps every capture group in
 * order but not its name; extract needs the names, so they are read from the source here.
 */
export function captureNames(pattern: string): (string | null)[] {
  const names: (string | null)[] = [];
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        // \Q...\E: literal text
        const end = pattern.indexOf('\\E', i + 2);
        i = end === -1 ? n : end + 2;
      } else {
        i += 2;
      }
      continue;
    }
    if (c === '[') {
      i = skipClass(pattern, i);
      continue;
    }
    if (c === '(') {
      if (pattern[i + 1] !== '?') {
        names.push(null);
      } else {
        const named = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(pattern.slice(i));
        if (named !== null) names.push(named[1]!);
      }
    }
    i++;
  }
  return names;
}

function skipClass(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^') i++;
  if (p[i] === ']') i++; // a leading ] is literal
  while (i < p.length) {
    if (p[i] === '\\') i += 2;
    else if (p[i] === '[' && p[i + 1] === ':') {
      const end = p.indexOf(':]', i + 2);
      i = end === -1 ? i + 1 : end + 2;
    } else if (p[i] === ']') return i + 1;
    else i++;
  }
  return p.length;
}
