/**
 * UTF-8 bytes to a string, for the decoders' many short strings (tag keys and values). Node's
 * Buffer#utf8Slice is what Buffer#toString('utf8', ...) ends up calling, minus the argument
 * checks and encoding lookup: measured ~30% less per short string. It is not in Node's typings;
 * if a runtime lacks it, toString is used.
 */
type Utf8Sliceable = { utf8Slice(start: number, end: number): string };

const HAS_UTF8_SLICE = typeof (Buffer.prototype as unknown as Partial<Utf8Sliceable>).utf8Slice === 'function';

export function utf8(buf: Buffer, start: number, end: number): string {
  if (start === end) return '';
  return HAS_UTF8_SLICE ? (buf as unknown as Utf8Sliceable).utf8Slice(start, end) : buf.toString('utf8', start, end);
}
