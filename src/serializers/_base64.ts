// Standard padded Base64 (RFC 4648 §4), native where the runtime has it.
import { DecodeError } from "./errors.ts";

const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LOOKUP = new Uint8Array(256).fill(255);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

interface NativeBase64 {
  toBase64?: (this: Uint8Array) => string;
}
interface NativeFromBase64 {
  fromBase64?: (s: string) => Uint8Array;
}
const nativeTo = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeFrom = (Uint8Array as unknown as NativeFromBase64).fromBase64;

/** Encodes bytes as padded Base64. */
export function encodeBase64(bytes: Uint8Array): string {
  if (nativeTo) return nativeTo.call(bytes);
  return encodeBase64Portable(bytes);
}

/** The portable encoder, exported for tests. */
export function encodeBase64Portable(bytes: Uint8Array): string {
  let out = "";
  const chunk: number[] = [];
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk.push(
      ALPHABET.charCodeAt(v >> 18),
      ALPHABET.charCodeAt((v >> 12) & 63),
      ALPHABET.charCodeAt((v >> 6) & 63),
      ALPHABET.charCodeAt(v & 63),
    );
    if (chunk.length >= 8192) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  if (i < n) {
    const a = bytes[i]!;
    const b = i + 1 < n ? bytes[i + 1]! : 0;
    const v = (a << 16) | (b << 8);
    chunk.push(
      ALPHABET.charCodeAt(v >> 18),
      ALPHABET.charCodeAt((v >> 12) & 63),
      i + 1 < n ? ALPHABET.charCodeAt((v >> 6) & 63) : 61,
      61,
    );
  }
  return out + String.fromCharCode(...chunk);
}

/** Decodes padded Base64; `offset` locates errors in the enclosing frame. */
export function decodeBase64(text: string, offset = -1): Uint8Array {
  if (nativeFrom) {
    try {
      return nativeFrom(text);
    } catch (err) {
      throw new DecodeError("Invalid Base64 in binary string", offset, {
        cause: err,
      });
    }
  }
  return decodeBase64Portable(text, offset);
}

/** The portable decoder, exported for tests. */
export function decodeBase64Portable(text: string, offset = -1): Uint8Array {
  let len = text.length;
  if (len % 4 !== 0) {
    throw new DecodeError("Invalid Base64 in binary string", offset);
  }
  let pad = 0;
  if (len > 0 && text.charCodeAt(len - 1) === 61) pad++;
  if (len > 1 && text.charCodeAt(len - 2) === 61) pad++;
  const out = new Uint8Array((len / 4) * 3 - pad);
  len -= pad;
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 256 ? LOOKUP[c]! : 255;
    if (v === 255) {
      throw new DecodeError("Invalid Base64 in binary string", offset);
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
