// UTF-8 helpers shared by the MessagePack and CBOR codecs: a hand-written
// encoder for short strings (faster than TextEncoder there), a decoder for
// short well-formed strings (faster than TextDecoder there, which stays the
// judge of anything unusual), and a cache for repeated dict keys.
const encoder = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder();

/**
 * Decodes UTF-8, throwing a TypeError on invalid input. The lenient decoder
 * is several times faster than a fatal one; only when its output holds
 * U+FFFD (a replaced invalid sequence, or a real U+FFFD) does the fatal
 * decoder judge.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const s = lenient.decode(bytes);
  return s.includes("\uFFFD") ? strict.decode(bytes) : s;
}

/** Strings shorter than this are encoded by hand. */
export const SHORT_STRING = 64;
const SHORT_BYTES = 64;

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

const units: number[] = [];

/**
 * Reads UTF-8 bytes [start, end) as a string. Throws a TypeError on invalid
 * UTF-8 (the caller turns it into a DecodeError with the offset).
 */
export function readUtf8(
  bytes: Uint8Array,
  start: number,
  end: number,
): string {
  if (end - start > SHORT_BYTES) {
    return decodeUtf8(bytes.subarray(start, end));
  }
  units.length = 0;
  let i = start;
  while (i < end) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units.push(b);
      i++;
    } else if (b >= 0xc2 && b < 0xe0 && i + 1 < end) {
      const c1 = bytes[i + 1]!;
      if ((c1 & 0xc0) !== 0x80) break;
      units.push(((b & 0x1f) << 6) | (c1 & 0x3f));
      i += 2;
    } else if (b >= 0xe0 && b < 0xf0 && i + 2 < end) {
      const c1 = bytes[i + 1]!;
      const c2 = bytes[i + 2]!;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) break;
      const cp = ((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) break;
      units.push(cp);
      i += 3;
    } else {
      break; // 4-byte sequences and anything odd: let TextDecoder judge
    }
  }
  if (i < end) return decodeUtf8(bytes.subarray(start, end));
  return String.fromCharCode.apply(null, units);
}

const KEY_CACHE_BITS = 12;
const KEY_CACHE_MASK = (1 << KEY_CACHE_BITS) - 1;
const MAX_KEY = 24;
const cacheBytes: (Uint8Array | undefined)[] = new Array(1 << KEY_CACHE_BITS);
const cacheStrings: string[] = new Array(1 << KEY_CACHE_BITS);

/**
 * Reads a dict key, reusing the string of an identical recent key: dicts in
 * WAMP messages repeat the same few keys over and over.
 */
export function readKey(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n === 0) return "";
  if (n > MAX_KEY) return readUtf8(bytes, start, end);
  const h = (n * 0x9e3 + bytes[start]! * 0x3b + bytes[end - 1]! * 0x1f5 +
    bytes[start + (n >> 1)]!) & KEY_CACHE_MASK;
  const cached = cacheBytes[h];
  if (cached !== undefined && cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached[i] !== bytes[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cacheStrings[h]!;
  }
  const s = readUtf8(bytes, start, end);
  cacheBytes[h] = bytes.slice(start, end);
  cacheStrings[h] = s;
  return s;
}
