// UTF-8 helpers shared by the MessagePack and CBOR codecs: a hand-written
// encoder for short strings (faster than TextEncoder there) and a decoder
// with an ASCII fast path.
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Strings shorter than this are encoded by hand. */
export const SHORT_STRING = 64;

/**
 * Writes `str` as UTF-8 at `pos` and returns the number of bytes written.
 * The caller has made room for 3 bytes per UTF-16 unit.
 */
export function writeUtf8(buf: Uint8Array, pos: number, str: string): number {
  const len = str.length;
  if (len >= SHORT_STRING) {
    return encoder.encodeInto(str, buf.subarray(pos)).written;
  }
  let p = pos;
  for (let i = 0; i < len; i++) {
    let c = str.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = str.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0xf0 | (c >> 18);
        buf[p++] = 0x80 | ((c >> 12) & 0x3f);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        buf[p++] = 0xef; // lone surrogate: U+FFFD, as TextEncoder does
        buf[p++] = 0xbf;
        buf[p++] = 0xbd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      buf[p++] = 0xef;
      buf[p++] = 0xbf;
      buf[p++] = 0xbd;
    } else {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - pos;
}

/**
 * Reads UTF-8 bytes [start, end) as a string. Throws a TypeError on invalid
 * UTF-8 (the caller turns it into a DecodeError with the offset).
 */
export function readUtf8(
  bytes: Uint8Array,
  start: number,
  end: number,
): string {
  const n = end - start;
  if (n <= 24) {
    let out = "";
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
      out += String.fromCharCode(b);
    }
    return out;
  }
  return decoder.decode(bytes.subarray(start, end));
}
