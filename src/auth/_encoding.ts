// Byte helpers shared by the authentication methods: UTF-8, hex and strict
// Base64 (decoders return undefined on malformed text, never throw), and
// HMAC-SHA256 / SHA-256 over WebCrypto.
import { decodeBase64, encodeBase64 } from "../serializers/_base64.ts";

export { encodeBase64 };

const encoder = new TextEncoder();

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

const HEX = "0123456789abcdef";

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return out;
}

/** Hex text (either case) as bytes, or undefined unless it is hex. */
export function fromHex(text: unknown): Uint8Array<ArrayBuffer> | undefined {
  if (typeof text !== "string" || text.length % 2 !== 0) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexValue(text.charCodeAt(2 * i));
    const lo = hexValue(text.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20; // lower case
  return c >= 97 && c <= 102 ? c - 87 : -1;
}

const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Padded standard Base64 as bytes, or undefined unless `text` is exactly
 * the canonical Base64 of some bytes (no whitespace, no URL alphabet, no
 * missing padding, no stray low bits) and at most `maxLength` characters
 * long. Canonical text matters to SCRAM, whose peers re-encode what they
 * decoded before they hash it.
 */
export function fromBase64(
  text: unknown,
  maxLength = 1 << 16,
): Uint8Array<ArrayBuffer> | undefined {
  if (typeof text !== "string" || text.length > maxLength) return undefined;
  if (!BASE64.test(text)) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(text);
  } catch {
    return undefined;
  }
  return encodeBase64(bytes) === text
    ? bytes as Uint8Array<ArrayBuffer>
    : undefined;
}

/** Base64 without its `=` padding, as Argon2's encoded hashes write it. */
export function toBase64Unpadded(bytes: Uint8Array): string {
  return encodeBase64(bytes).replace(/=+$/, "");
}

/** The bytes of `a` followed by those of `b`. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `crypto.getRandomValues` over `n` fresh bytes. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}

// HMAC pads a key shorter than the hash's block with zero bytes, so an
// empty key (which WebCrypto refuses) is the same key as 64 zero bytes.
const EMPTY_KEY = new Uint8Array(64);

/** An HMAC-SHA256 signing key from raw bytes (empty allowed). */
export function hmacKey(key: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    (key.length === 0 ? EMPTY_KEY : key) as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

/** HMAC-SHA256 of `data` under `key`. */
export async function hmac(
  key: Uint8Array | CryptoKey,
  data: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const k = key instanceof Uint8Array ? await hmacKey(key) : key;
  return new Uint8Array(
    await crypto.subtle.sign("HMAC", k, data as Uint8Array<ArrayBuffer>),
  );
}

/** SHA-256 of `data`. */
export async function sha256(
  data: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>),
  );
}

/** PBKDF2-HMAC-SHA256 of `secret` and `salt`, `length` bytes long. */
export async function pbkdf2(
  secret: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey(
    "raw",
    secret as Uint8Array<ArrayBuffer>,
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    {
      name: "PBKDF2",
      hash: "SHA-256",
      salt: salt as Uint8Array<ArrayBuffer>,
      iterations,
    },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

/** Whether `value` is an integer in [min, max]. */
export function isIntIn(
  value: unknown,
  min: number,
  max: number,
): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min &&
    (value as number) <= max;
}
