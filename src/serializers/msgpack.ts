/**
 * The MessagePack serializer (`wamp.2.msgpack`), our own encoder and decoder.
 *
 * @example Usage
 * ```ts
 * import { MsgpackSerializer } from "@wampkit/wamp/msgpack";
 * import assert from "node:assert/strict";
 *
 * const msgpack = new MsgpackSerializer();
 * const frame = msgpack.serialize([48, 1, {}, "com.example.add", [2, 3]]);
 * assert.deepEqual(msgpack.deserialize(frame), [48, 1, {}, "com.example.add", [2, 3]]);
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
const MIN_I64 = -(1n << 63n);

// The MessagePack codec on the shared binary machinery; MsgpackSerializer is its public face.
class MsgpackCodec extends BinaryCodec {
  /** Name of the format, for error messages. */
  protected readonly format = "MessagePack";

  /**
   * Creates the codec.
   *
   * @param options Size and depth limits.
   */
  constructor(options: SerializerOptions = {}) {
    super(options);
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
        this.#writeNumber(value);
        return;
      case "boolean":
        this.ensure(1);
        this.buf[this.pos++] = value ? 0xc3 : 0xc2;
        return;
      case "undefined":
        this.ensure(1);
        this.buf[this.pos++] = 0xc0;
        return;
      case "bigint":
        this.#writeBigInt(value);
        return;
      case "object":
        break;
      default:
        throw new EncodeError(`Cannot encode a ${typeof value} as MessagePack`);
    }
    if (value === null) {
      this.ensure(1);
      this.buf[this.pos++] = 0xc0;
      return;
    }
    if (depth >= this.maxDepth) {
      throw new EncodeError(`Nesting deeper than ${this.maxDepth} levels`);
    }
    if (Array.isArray(value)) {
      const n = value.length;
      this.ensure(5);
      if (n < 16) this.buf[this.pos++] = 0x90 | n;
      else if (n < 0x10000) {
        this.buf[this.pos] = 0xdc;
        this.view.setUint16(this.pos + 1, n);
        this.pos += 3;
      } else {
        this.buf[this.pos] = 0xdd;
        this.view.setUint32(this.pos + 1, n);
        this.pos += 5;
      }
      for (let i = 0; i < n; i++) this.write(value[i], depth + 1);
      return;
    }
    if (value instanceof Uint8Array) {
      this.#writeBin(value);
      return;
    }
    if (value instanceof ArrayBuffer) {
      this.#writeBin(new Uint8Array(value));
      return;
    }
    if (ArrayBuffer.isView(value) || value instanceof Map) {
      throw new EncodeError(
        `Cannot encode a ${value.constructor.name} as MessagePack`,
      );
    }
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === "function") {
      this.write(toJSON.call(value), depth);
      return;
    }
    this.#writeMap(value as Record<string, unknown>, depth);
  }

  #writeMap(obj: Record<string, unknown>, depth: number): void {
    // Write a header sized for every key, then patch in the count of keys
    // whose value is not undefined.
    let total = 0;
    for (const _ in obj) total++;
    this.ensure(5);
    // Offset from the message start: nested writes may move the buffer.
    const rel = this.pos - this.start;
    this.pos += total < 16 ? 1 : total < 0x10000 ? 3 : 5;
    let n = 0;
    for (const key in obj) {
      const v = obj[key];
      if (v === undefined) continue;
      n++;
      this.#writeString(key);
      this.write(v, depth + 1);
    }
    const at = this.start + rel;
    if (total < 16) this.buf[at] = 0x80 | n;
    else if (total < 0x10000) {
      this.buf[at] = 0xde;
      this.view.setUint16(at + 1, n);
    } else {
      this.buf[at] = 0xdf;
      this.view.setUint32(at + 1, n);
    }
  }

  #writeString(str: string): void {
    this.writeText(str, 32, 0xa0, 0xd9, 0xda, 0xdb);
  }

  #writeNumber(v: number): void {
    this.ensure(9);
    const buf = this.buf;
    const pos = this.pos;
    if (Number.isInteger(v) && v <= MAX_INT && v >= -MAX_INT) {
      if (v >= 0) {
        if (v < 0x80) {
          buf[pos] = v;
          this.pos = pos + 1;
        } else if (v < 0x100) {
          buf[pos] = 0xcc;
          buf[pos + 1] = v;
          this.pos = pos + 2;
        } else if (v < 0x10000) {
          buf[pos] = 0xcd;
          buf[pos + 1] = v >> 8;
          buf[pos + 2] = v & 0xff;
          this.pos = pos + 3;
        } else if (v < TWO_32) {
          buf[pos] = 0xce;
          this.view.setUint32(pos + 1, v);
          this.pos = pos + 5;
        } else {
          buf[pos] = 0xcf;
          this.view.setUint32(pos + 1, Math.floor(v / TWO_32));
          this.view.setUint32(pos + 5, v >>> 0);
          this.pos = pos + 9;
        }
      } else if (v >= -32) {
        buf[pos] = v & 0xff;
        this.pos = pos + 1;
      } else if (v >= -0x80) {
        buf[pos] = 0xd0;
        buf[pos + 1] = v & 0xff;
        this.pos = pos + 2;
      } else if (v >= -0x8000) {
        buf[pos] = 0xd1;
        this.view.setInt16(pos + 1, v);
        this.pos = pos + 3;
      } else if (v >= -0x80000000) {
        buf[pos] = 0xd2;
        this.view.setInt32(pos + 1, v);
        this.pos = pos + 5;
      } else {
        buf[pos] = 0xd3;
        this.view.setBigInt64(pos + 1, BigInt(v));
        this.pos = pos + 9;
      }
    } else {
      buf[pos] = 0xcb;
      this.view.setFloat64(pos + 1, v);
      this.pos = pos + 9;
    }
  }

  #writeBigInt(v: bigint): void {
    this.ensure(9);
    if (v >= 0n && v <= MAX_U64) {
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
    } else if (v < 0n && v >= MIN_I64) {
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
    } else {
      throw new EncodeError(`Integer ${v} does not fit in 64 bits`);
    }
    this.pos += 9;
  }

  #writeBin(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n + 5);
    if (n < 0x100) {
      this.buf[this.pos] = 0xc4;
      this.buf[this.pos + 1] = n;
      this.pos += 2;
    } else if (n < 0x10000) {
      this.buf[this.pos] = 0xc5;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      this.buf[this.pos] = 0xc6;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  /**
   * Reads the frame's one value.
   *
   * @returns The value.
   */
  protected override readFrame(): unknown {
    return this.#read(0);
  }

  #i8(i: number): number {
    return (this.in[i]! << 24) >> 24;
  }

  #i16(i: number): number {
    return (this.u16(i) << 16) >> 16;
  }

  #i32(i: number): number {
    return this.u32(i) | 0;
  }

  #read(depth: number): unknown {
    this.need(1, "a value");
    const start = this.at;
    const b = this.in[this.at++]!;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0 && b < 0xc0) return this.#readString(b & 0x1f);
    if (b < 0x90) return this.#readMap(b & 0x0f, depth, start);
    if (b < 0xa0) return this.#readArray(b & 0x0f, depth, start);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        this.need(1, "bin 8");
        return this.#readBin(this.in[this.at++]!);
      case 0xc5:
        this.need(2, "bin 16");
        this.at += 2;
        return this.#readBin(this.u16(this.at - 2));
      case 0xc6:
        this.need(4, "bin 32");
        this.at += 4;
        return this.#readBin(this.u32(this.at - 4));
      case 0xca:
        this.need(4, "float 32");
        this.at += 4;
        return this.dataView().getFloat32(this.at - 4);
      case 0xcb:
        this.need(8, "float 64");
        this.at += 8;
        return this.dataView().getFloat64(this.at - 8);
      case 0xcc:
        this.need(1, "uint 8");
        return this.in[this.at++]!;
      case 0xcd:
        this.need(2, "uint 16");
        this.at += 2;
        return this.u16(this.at - 2);
      case 0xce:
        this.need(4, "uint 32");
        this.at += 4;
        return this.u32(this.at - 4);
      case 0xcf: {
        this.need(8, "uint 64");
        const high = this.u32(this.at);
        const low = this.u32(this.at + 4);
        this.at += 8;
        if (high < 0x200000 || (high === 0x200000 && low === 0)) {
          return high * TWO_32 + low;
        }
        return this.dataView().getBigUint64(this.at - 8);
      }
      case 0xd0:
        this.need(1, "int 8");
        this.at += 1;
        return this.#i8(this.at - 1);
      case 0xd1:
        this.need(2, "int 16");
        this.at += 2;
        return this.#i16(this.at - 2);
      case 0xd2:
        this.need(4, "int 32");
        this.at += 4;
        return this.#i32(this.at - 4);
      case 0xd3: {
        this.need(8, "int 64");
        const v = this.dataView().getBigInt64(this.at);
        this.at += 8;
        return v >= -9007199254740992n && v <= 9007199254740992n
          ? Number(v)
          : v;
      }
      case 0xd9:
        this.need(1, "str 8");
        return this.#readString(this.in[this.at++]!);
      case 0xda:
        this.need(2, "str 16");
        this.at += 2;
        return this.#readString(this.u16(this.at - 2));
      case 0xdb:
        this.need(4, "str 32");
        this.at += 4;
        return this.#readString(this.u32(this.at - 4));
      case 0xdc:
        this.need(2, "array 16");
        this.at += 2;
        return this.#readArray(this.u16(this.at - 2), depth, start);
      case 0xdd:
        this.need(4, "array 32");
        this.at += 4;
        return this.#readArray(this.u32(this.at - 4), depth, start);
      case 0xde:
        this.need(2, "map 16");
        this.at += 2;
        return this.#readMap(this.u16(this.at - 2), depth, start);
      case 0xdf:
        this.need(4, "map 32");
        this.at += 4;
        return this.#readMap(this.u32(this.at - 4), depth, start);
      case 0xc1:
        throw new DecodeError("Byte 0xc1 is never used in MessagePack", start);
      default:
        // msgpackr (used by wampy) writes undefined as fixext 1, type 0,
        // data 0; any other ext (0xc7-0xc9) or fixext (0xd4-0xd8) is refused.
        if (b === 0xd4) {
          this.need(2, "fixext 1");
          if (this.in[this.at] === 0 && this.in[this.at + 1] === 0) {
            this.at += 2;
            return undefined;
          }
        }
        throw new DecodeError(
          `MessagePack ext type 0x${b.toString(16)} is not allowed in WAMP`,
          start,
        );
    }
  }

  #readString(n: number, key = false): string {
    this.need(n, "a string");
    const start = this.at;
    this.at += n;
    try {
      return key
        ? readKey(this.in, start, start + n)
        : readUtf8(this.in, start, start + n);
    } catch (err) {
      throw new DecodeError("Invalid UTF-8 in string", start, { cause: err });
    }
  }

  #readBin(n: number): Uint8Array {
    this.need(n, "a bin");
    const start = this.at;
    this.at += n;
    return this.in.subarray(start, start + n);
  }

  #readArray(n: number, depth: number, start: number): unknown[] {
    this.checkDepth(depth, start);
    // Every element takes at least one byte: refuse before allocating.
    this.need(n, `an array of ${n}`);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.#read(depth + 1);
    return out;
  }

  #readMap(
    n: number,
    depth: number,
    start: number,
  ): Record<string, unknown> {
    this.checkDepth(depth, start);
    this.need(n * 2, `a map of ${n}`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const keyAt = this.at;
      const b = this.in[this.at++]!;
      let key: string;
      if (b >= 0xa0 && b < 0xc0) key = this.#readString(b & 0x1f, true);
      else if (b === 0xd9) {
        this.need(1, "str 8");
        key = this.#readString(this.in[this.at++]!, true);
      } else if (b === 0xda || b === 0xdb) {
        this.at--;
        key = this.#read(depth + 1) as string;
      } else {
        throw new DecodeError("Map keys must be strings", keyAt);
      }
      setKey(out, key, this.#read(depth + 1));
    }
    return out;
  }
}

/**
 * MessagePack (spec 2013+, `str` and `bin` distinct) for WAMP: nil, bool,
 * every int and uint width, float32/64, str and bin 8/16/32, array and map
 * 16/32. Ext and fixext types are rejected, as WAMP defines none, except
 * the fixext 1 of type 0 and data 0 (`d4 00 00`) that msgpackr, and so wampy,
 * writes for `undefined`: it decodes to `undefined`. Integers up to 2^53
 * decode to `number`, larger ones to `bigint`; `bigint` values encode as
 * 64-bit integers. Map keys must be strings. Non-integer numbers encode as
 * float64.
 *
 * @example Usage
 * ```ts
 * import { MsgpackSerializer } from "@wampkit/wamp/msgpack";
 * import assert from "node:assert/strict";
 *
 * const msgpack = new MsgpackSerializer();
 * const frame = msgpack.serialize([33, 713845233, 5512315355]);
 * assert.deepEqual(frame, new Uint8Array([0x93, 0x21, 0xce, 0x2a, 0x8c, 0x69, 0xf1, 0xcf, 0, 0, 0, 1, 0x48, 0x8f, 0x41, 0xdb]));
 * assert.deepEqual(msgpack.deserialize(frame), [33, 713845233, 5512315355]);
 * ```
 */
export class MsgpackSerializer implements Serializer {
  /** WebSocket subprotocol. */
  readonly protocol = "wamp.2.msgpack";
  /** RawSocket serializer id. */
  readonly rawSocketId = 2;
  /** MessagePack frames are binary. */
  readonly binary = true;
  /** The largest frame accepted or produced, in bytes. */
  readonly maxMessageSize: number;
  #codec: MsgpackCodec;

  /**
   * Creates a MessagePack serializer.
   *
   * @param options Size and depth limits.
   */
  constructor(options: SerializerOptions = {}) {
    this.#codec = new MsgpackCodec(options);
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
