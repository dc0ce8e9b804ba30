/**
 * The CBOR serializer (`wamp.2.cbor`, RFC 8949), our own encoder and decoder.
 *
 * @example Usage
 * ```ts
 * import { CborSerializer } from "@wampkit/wamp/cbor";
 * import assert from "node:assert/strict";
 *
 * const cbor = new CborSerializer();
 * const frame = cbor.serialize([16, 1, {}, "com.example.topic", [new Uint8Array([7])]]);
 * assert.deepEqual(cbor.deserialize(frame), [16, 1, {}, "com.example.topic", [new Uint8Array([7])]]);
 * ```
 *
 * @module
 */

import { readKey, readUtf8 } from "./_utf8.ts";
import { BinaryCodec, setKey } from "./binary_codec.ts";

import { DecodeError, EncodeError } from "./errors.ts";
import type { Serializer, SerializerOptions } from "./serializer.ts";

const TWO_32 = 0x100000000;
const MAX_INT = 9007199254740992; // 2^53, the largest WAMP ID
const MAX_U64 = (1n << 64n) - 1n;
const BREAK = Symbol("break");

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// The CBOR codec on the shared binary machinery; CborSerializer is its public face.
class CborCodec extends BinaryCodec {
  /** Name of the format, for error messages. */
  protected readonly format = "CBOR";

  /**
   * Creates the codec.
   *
   * @param options Size and depth limits.
   */
  constructor(options: SerializerOptions = {}) {
    super(options);
  }

  /** Writes a major type with its argument, in the shortest form. */
  #head(major: number, n: number): void {
    this.ensure(9);
    const buf = this.buf;
    const pos = this.pos;
    const m = major << 5;
    if (n < 24) {
      buf[pos] = m | n;
      this.pos = pos + 1;
    } else if (n < 0x100) {
      buf[pos] = m | 24;
      buf[pos + 1] = n;
      this.pos = pos + 2;
    } else if (n < 0x10000) {
      buf[pos] = m | 25;
      buf[pos + 1] = n >> 8;
      buf[pos + 2] = n & 0xff;
      this.pos = pos + 3;
    } else if (n < TWO_32) {
      buf[pos] = m | 26;
      this.view.setUint32(pos + 1, n);
      this.pos = pos + 5;
    } else {
      buf[pos] = m | 27;
      this.view.setUint32(pos + 1, Math.floor(n / TWO_32));
      this.view.setUint32(pos + 5, n >>> 0);
      this.pos = pos + 9;
    }
  }

  /**
   * Writes one value.
   *
   * @param value The value.
   * @param depth Its nesting depth.
   */
  protected override write(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        this.#writeString(value);
        return;
      case "number":
        if (Number.isInteger(value) && value <= MAX_INT && value >= -MAX_INT) {
          if (value >= 0) this.#head(0, value);
          else this.#head(1, -1 - value);
        } else {
          this.ensure(9);
          this.buf[this.pos] = 0xfb;
          this.view.setFloat64(this.pos + 1, value);
          this.pos += 9;
        }
        return;
      case "boolean":
        this.ensure(1);
        this.buf[this.pos++] = value ? 0xf5 : 0xf4;
        return;
      case "undefined":
        this.ensure(1);
        this.buf[this.pos++] = 0xf6;
        return;
      case "bigint":
        this.ensure(9);
        if (value >= 0n && value <= MAX_U64) {
          this.buf[this.pos] = 0x1b;
          this.view.setBigUint64(this.pos + 1, value);
        } else if (value < 0n && -1n - value <= MAX_U64) {
          this.buf[this.pos] = 0x3b;
          this.view.setBigUint64(this.pos + 1, -1n - value);
        } else {
          throw new EncodeError(`Integer ${value} does not fit in 64 bits`);
        }
        this.pos += 9;
        return;
      case "object":
        break;
      default:
        throw new EncodeError(`Cannot encode a ${typeof value} as CBOR`);
    }
    if (value === null) {
      this.ensure(1);
      this.buf[this.pos++] = 0xf6;
      return;
    }
    if (depth >= this.maxDepth) {
      throw new EncodeError(`Nesting deeper than ${this.maxDepth} levels`);
    }
    if (Array.isArray(value)) {
      const n = value.length;
      this.#head(4, n);
      for (let i = 0; i < n; i++) this.write(value[i], depth + 1);
      return;
    }
    if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
      const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
      this.#head(2, bytes.length);
      this.ensure(bytes.length);
      this.buf.set(bytes, this.pos);
      this.pos += bytes.length;
      return;
    }
    if (ArrayBuffer.isView(value) || value instanceof Map) {
      throw new EncodeError(
        `Cannot encode a ${value.constructor.name} as CBOR`,
      );
    }
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === "function") {
      this.write(toJSON.call(value), depth);
      return;
    }
    const obj = value as Record<string, unknown>;
    let total = 0;
    for (const _ in obj) total++;
    // Header sized for every key; patched below if undefined values were
    // skipped (it may then be longer than needed, which CBOR allows).
    this.#head(5, total);
    // Offset from the message start: nested writes may move the buffer.
    const rel = this.pos - this.start -
      (total < 24 ? 1 : total < 0x100 ? 2 : total < 0x10000 ? 3 : 5);
    let n = 0;
    for (const key in obj) {
      const v = obj[key];
      if (v === undefined) continue;
      n++;
      this.#writeString(key);
      this.write(v, depth + 1);
    }
    if (n !== total) {
      const at = this.start + rel;
      if (total < 24) this.buf[at] = 0xa0 | n;
      else if (total < 0x100) this.buf[at + 1] = n;
      else if (total < 0x10000) this.view.setUint16(at + 1, n);
      else this.view.setUint32(at + 1, n);
    }
  }

  #writeString(str: string): void {
    this.writeText(str, 24, 0x60, 0x78, 0x79, 0x7a);
  }

  /**
   * Reads the frame's one value.
   *
   * @returns The value.
   */
  protected override readFrame(): unknown {
    return this.#item(0);
  }

  /** Reads the argument of a head; -1 for indefinite length. */
  #argument(info: number, start: number): number | bigint {
    if (info < 24) return info;
    switch (info) {
      case 24:
        this.need(1, "a 1-byte argument");
        return this.in[this.at++]!;
      case 25:
        this.need(2, "a 2-byte argument");
        this.at += 2;
        return this.u16(this.at - 2);
      case 26:
        this.need(4, "a 4-byte argument");
        this.at += 4;
        return this.u32(this.at - 4);
      case 27: {
        this.need(8, "an 8-byte argument");
        const high = this.u32(this.at);
        const low = this.u32(this.at + 4);
        this.at += 8;
        if (high < 0x200000 || (high === 0x200000 && low === 0)) {
          return high * TWO_32 + low;
        }
        return this.dataView().getBigUint64(this.at - 8);
      }
      case 31:
        return -1;
      default:
        throw new DecodeError(
          `Reserved additional information ${info}`,
          start,
        );
    }
  }

  #length(info: number, start: number, what: string): number {
    const n = this.#argument(info, start);
    if (typeof n === "bigint") {
      throw new DecodeError(`${what} length ${n} is too large`, start);
    }
    return n;
  }

  #read(depth: number): unknown {
    this.need(1, "a data item");
    const start = this.at;
    const b = this.in[this.at++]!;
    const major = b >> 5;
    const info = b & 0x1f;
    switch (major) {
      case 0: {
        const n = this.#argument(info, start);
        if (n === -1) throw new DecodeError("Indefinite integer", start);
        return n;
      }
      case 1: {
        const n = this.#argument(info, start);
        if (n === -1) throw new DecodeError("Indefinite integer", start);
        if (typeof n === "bigint") return -1n - n;
        return n < MAX_INT ? -1 - n : -1n - BigInt(n);
      }
      case 2:
      case 3: {
        const n = this.#length(info, start, "String");
        if (n === -1) return this.#readChunks(major, start);
        return major === 2 ? this.#readBytes(n) : this.#readText(n);
      }
      case 4: {
        const n = this.#length(info, start, "Array");
        this.checkDepth(depth, start);
        if (n === -1) {
          const out: unknown[] = [];
          for (;;) {
            const v = this.#read(depth + 1);
            if (v === BREAK) return out;
            out.push(v);
          }
        }
        this.need(n, `an array of ${n}`);
        const out = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.#item(depth + 1);
        return out;
      }
      case 5: {
        const n = this.#length(info, start, "Map");
        this.checkDepth(depth, start);
        const out: Record<string, unknown> = {};
        if (n === -1) {
          for (;;) {
            const keyAt = this.at;
            const key = this.#read(depth + 1);
            if (key === BREAK) return out;
            if (typeof key !== "string") {
              throw new DecodeError("Map keys must be text strings", keyAt);
            }
            setKey(out, key, this.#item(depth + 1));
          }
        }
        this.need(n * 2, `a map of ${n}`);
        for (let i = 0; i < n; i++) {
          const keyAt = this.at;
          const head = this.in[keyAt]!;
          let key: unknown;
          if (head >= 0x60 && head < 0x78) {
            this.at++;
            key = this.#readText(head & 0x1f, true);
          } else key = this.#item(depth + 1);
          if (typeof key !== "string") {
            throw new DecodeError("Map keys must be text strings", keyAt);
          }
          setKey(out, key, this.#item(depth + 1));
        }
        return out;
      }
      case 6: {
        const tag = this.#argument(info, start);
        if (tag === -1) throw new DecodeError("Indefinite tag", start);
        this.checkDepth(depth, start);
        const content = this.#item(depth + 1);
        if ((tag === 2 || tag === 3) && content instanceof Uint8Array) {
          let v = 0n;
          for (const byte of content) v = (v << 8n) | BigInt(byte);
          if (tag === 3) v = -1n - v;
          return v >= -9007199254740992n && v <= 9007199254740992n
            ? Number(v)
            : v;
        }
        return content;
      }
      default:
        return this.#simple(info, start);
    }
  }

  /** A data item that must not be a break code. */
  #item(depth: number): unknown {
    const at = this.at;
    const v = this.#read(depth);
    if (v === BREAK) throw new DecodeError("Unexpected break code", at);
    return v;
  }

  #simple(info: number, start: number): unknown {
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return undefined;
      case 25:
        this.need(2, "float 16");
        this.at += 2;
        return halfToFloat(this.u16(this.at - 2));
      case 26:
        this.need(4, "float 32");
        this.at += 4;
        return this.dataView().getFloat32(this.at - 4);
      case 27:
        this.need(8, "float 64");
        this.at += 8;
        return this.dataView().getFloat64(this.at - 8);
      case 31:
        return BREAK;
      default:
        throw new DecodeError(`Unsupported simple value ${info}`, start);
    }
  }

  #readBytes(n: number): Uint8Array {
    this.need(n, "a byte string");
    const start = this.at;
    this.at += n;
    return this.in.subarray(start, start + n);
  }

  #readText(n: number, key = false): string {
    this.need(n, "a text string");
    const start = this.at;
    this.at += n;
    try {
      return key
        ? readKey(this.in, start, start + n)
        : readUtf8(this.in, start, start + n);
    } catch (err) {
      throw new DecodeError("Invalid UTF-8 in text string", start, {
        cause: err,
      });
    }
  }

  #readChunks(major: number, start: number): unknown {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      this.need(1, "a string chunk");
      const at = this.at;
      const b = this.in[this.at++]!;
      if (b === 0xff) break;
      if (b >> 5 !== major) {
        throw new DecodeError(
          "Indefinite string chunks must be definite strings of the same type",
          at,
        );
      }
      const n = this.#length(b & 0x1f, at, "String");
      if (n === -1) {
        throw new DecodeError("Nested indefinite string", at);
      }
      this.need(n, "a string chunk");
      parts.push(this.in.subarray(this.at, this.at + n));
      this.at += n;
      total += n;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    if (major === 2) return out;
    try {
      return readUtf8(out, 0, total);
    } catch (err) {
      throw new DecodeError("Invalid UTF-8 in text string", start, {
        cause: err,
      });
    }
  }
}

/**
 * CBOR (RFC 8949) for WAMP: major types 0–7, definite and indefinite
 * lengths, float16/32/64 on decode, byte strings for binary. Tags 2 and 3
 * (bignums) decode to `bigint`; other tags are skipped and their content
 * decoded. Integers up to 2^53 decode to `number`, larger ones to `bigint`.
 * Map keys must be text strings. Non-integer numbers encode as float64.
 *
 * @example Usage
 * ```ts
 * import { CborSerializer } from "@wampkit/wamp/cbor";
 * import assert from "node:assert/strict";
 *
 * const cbor = new CborSerializer();
 * assert.deepEqual(cbor.serialize([17, 1, 2]), new Uint8Array([0x83, 0x11, 0x01, 0x02]));
 * ```
 */
export class CborSerializer implements Serializer {
  /** WebSocket subprotocol. */
  readonly protocol = "wamp.2.cbor";
  /** RawSocket serializer id. */
  readonly rawSocketId = 3;
  /** CBOR frames are binary. */
  readonly binary = true;
  /** The largest frame accepted or produced, in bytes. */
  readonly maxMessageSize: number;
  #codec: CborCodec;

  /**
   * Creates a CBOR serializer.
   *
   * @param options Size and depth limits.
   */
  constructor(options: SerializerOptions = {}) {
    this.#codec = new CborCodec(options);
    this.maxMessageSize = this.#codec.maxMessageSize;
  }

  /**
   * Encodes a message.
   *
   * @param message The wire array.
   * @returns The frame, a view of a buffer the next call reuses.
   */
  serialize(message: unknown[]): Uint8Array {
    return this.#codec.serialize(message);
  }

  /**
   * Decodes a frame.
   *
   * @param frame The frame.
   * @returns The decoded value.
   */
  deserialize(frame: string | Uint8Array | ArrayBuffer): unknown {
    return this.#codec.deserialize(frame);
  }
}

export type { Serializer, SerializerOptions };
