/**
 * The machinery MessagePack and CBOR share: an output buffer that hands out
 * frames as views, and bounds-checked big-endian reads of the input.
 *
 * @module
 */

import { writeUtf8 } from "./_utf8.ts";
import { DecodeError, EncodeError } from "./errors.ts";
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MESSAGE_SIZE,
  type SerializerOptions,
} from "./serializer.ts";

const MIN_BUFFER = 16384;
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer);

/**
 * Base of the binary serializers. Messages are written one after another
 * into a shared buffer and handed out as views of it, never copied; a full
 * buffer is replaced, not reused, so views handed out earlier stay valid.
 * Subclasses implement {@linkcode BinaryCodec.write} and
 * {@linkcode BinaryCodec.readFrame}.
 *
 * @example Usage
 * ```ts
 * import { MsgpackSerializer } from "@wampkit/wamp/msgpack";
 * import assert from "node:assert/strict";
 *
 * const codec = new MsgpackSerializer({ maxMessageSize: 1024 });
 * assert.equal(codec.maxMessageSize, 1024);
 * ```
 */
export abstract class BinaryCodec {
  /** Frames are binary. */
  readonly binary = true;
  /** The largest frame accepted or produced, in bytes. */
  readonly maxMessageSize: number;
  /** The deepest nesting of lists and dicts. */
  protected readonly maxDepth: number;
  /** Output buffer. */
  protected buf: Uint8Array = new Uint8Array(MIN_BUFFER);
  /** DataView of the output buffer. */
  protected view: DataView = new DataView(this.buf.buffer);
  /** Write position. */
  protected pos = 0;
  /** Where the message being written starts. */
  protected start = 0;
  /** The frame being read. */
  protected in: Uint8Array = EMPTY;
  /** Read position. */
  protected at = 0;
  #inView: DataView = EMPTY_VIEW;

  /**
   * Sets the limits.
   *
   * @param options Size and depth limits.
   */
  constructor(options: SerializerOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** Name of the format, for error messages. */
  protected abstract readonly format: string;

  /**
   * Writes one value at `pos`.
   *
   * @param value The value.
   * @param depth Its nesting depth.
   */
  protected abstract write(value: unknown, depth: number): void;

  /**
   * Reads the one value a frame holds, from `at`.
   *
   * @returns The value.
   */
  protected abstract readFrame(): unknown;

  /**
   * Encodes a message.
   *
   * @param message The wire array.
   * @returns The bytes, a view of the shared buffer.
   */
  serialize(message: unknown[]): Uint8Array {
    this.pos = this.start;
    try {
      this.write(message, 0);
    } catch (err) {
      this.pos = this.start;
      throw err;
    }
    const size = this.pos - this.start;
    if (size > this.maxMessageSize) {
      this.pos = this.start;
      throw new EncodeError(
        `Message of ${size} bytes exceeds the limit of ${this.maxMessageSize}`,
      );
    }
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  /**
   * Decodes the one value that fills a frame.
   *
   * @param frame The bytes.
   * @returns The decoded value; byte strings are views of the frame.
   */
  deserialize(frame: string | Uint8Array | ArrayBuffer): unknown {
    if (typeof frame === "string") {
      throw new DecodeError(
        `${this.format} frames must be binary, got text`,
        0,
      );
    }
    const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
    if (bytes.length > this.maxMessageSize) {
      throw new DecodeError(
        `Frame of ${bytes.length} bytes exceeds the limit of ${this.maxMessageSize}`,
        0,
      );
    }
    if (bytes.length === 0) throw new DecodeError("Empty frame", 0);
    this.in = bytes;
    this.#inView = EMPTY_VIEW; // made on first use: most frames need none
    this.at = 0;
    try {
      const value = this.readFrame();
      if (this.at !== bytes.length) {
        throw new DecodeError(
          `${bytes.length - this.at} bytes after the end of the value`,
          this.at,
        );
      }
      return value;
    } finally {
      this.in = EMPTY;
      this.#inView = EMPTY_VIEW;
    }
  }

  /**
   * Makes room for `n` more bytes at `pos`.
   *
   * @param n Bytes needed.
   */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.start;
    const next = new Uint8Array(
      Math.max(MIN_BUFFER, used + n + (used >> 1) + MIN_BUFFER),
    );
    next.set(this.buf.subarray(this.start, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.start = 0;
    this.pos = used;
  }

  /**
   * Writes a UTF-8 string with the smallest header: the length inline in
   * the first byte below `inlineMax`, else a 1-, 2- or 4-byte length after
   * the `h8`, `h16` or `h32` byte (MessagePack str, CBOR text string).
   *
   * @param str The string.
   * @param inlineMax Lengths below this go in the first byte.
   * @param inline The first byte's base for inline lengths.
   * @param h8 The first byte for a 1-byte length.
   * @param h16 The first byte for a 2-byte length.
   * @param h32 The first byte for a 4-byte length.
   */
  protected writeText(
    str: string,
    inlineMax: number,
    inline: number,
    h8: number,
    h16: number,
    h32: number,
  ): void {
    const len = str.length;
    const max = len * 3;
    this.ensure(max + 5);
    const buf = this.buf;
    const pos = this.pos;
    if (len < inlineMax) {
      // Fast path: ASCII fits the first byte, its length known up front.
      let p = pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = str.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === len) {
        buf[pos] = inline | len;
        this.pos = p;
        return;
      }
      if (max < inlineMax) {
        const n = writeUtf8(buf, pos + 1, str);
        buf[pos] = inline | n;
        this.pos = pos + 1 + n;
        return;
      }
    }
    // Reserve the header for the worst case, then shift if it was smaller.
    const reserved = max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    const n = writeUtf8(buf, pos + reserved, str);
    const header = n < inlineMax ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (header !== reserved) {
      buf.copyWithin(pos + header, pos + reserved, pos + reserved + n);
    }
    if (header === 1) buf[pos] = inline | n;
    else if (header === 2) {
      buf[pos] = h8;
      buf[pos + 1] = n;
    } else if (header === 3) {
      buf[pos] = h16;
      buf[pos + 1] = n >> 8;
      buf[pos + 2] = n & 0xff;
    } else {
      buf[pos] = h32;
      this.view.setUint32(pos + 1, n);
    }
    this.pos = pos + header + n;
  }

  /**
   * A DataView of the frame being read.
   *
   * @returns The view.
   */
  protected dataView(): DataView {
    if (this.#inView === EMPTY_VIEW) {
      const b = this.in;
      this.#inView = new DataView(b.buffer, b.byteOffset, b.length);
    }
    return this.#inView;
  }

  /**
   * Big-endian uint16 at `i`.
   *
   * @param i Offset.
   * @returns The value.
   */
  protected u16(i: number): number {
    const b = this.in;
    return (b[i]! << 8) | b[i + 1]!;
  }

  /**
   * Big-endian uint32 at `i`.
   *
   * @param i Offset.
   * @returns The value.
   */
  protected u32(i: number): number {
    const b = this.in;
    return b[i]! * 0x1000000 +
      ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
  }

  /**
   * Fails unless `n` more bytes remain: checked before allocating anything
   * a length prefix asks for.
   *
   * @param n Bytes needed.
   * @param what What needs them, for the error.
   */
  protected need(n: number, what: string): void {
    if (this.at + n > this.in.length) {
      throw new DecodeError(
        `Truncated frame: ${what} needs ${n} bytes, ${
          this.in.length - this.at
        } left`,
        this.at,
      );
    }
  }

  /**
   * Fails when nesting goes deeper than `maxDepth`.
   *
   * @param depth The depth.
   * @param start Where the container starts, for the error.
   */
  protected checkDepth(depth: number, start: number): void {
    if (depth >= this.maxDepth) {
      throw new DecodeError(
        `Nesting deeper than ${this.maxDepth} levels`,
        start,
      );
    }
  }
}

/**
 * Stores a decoded dict entry; `__proto__` becomes an own property, never
 * the prototype.
 *
 * @param obj The dict.
 * @param key The key.
 * @param value The value.
 */
export function setKey(
  obj: Record<string, unknown>,
  key: string,
  value: unknown,
): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else obj[key] = value;
}
