/**
 * Errors raised by the serializers.
 *
 * @module
 */

/**
 * A frame that cannot be decoded: truncated, malformed, oversized or too
 * deeply nested. `offset` is where in the frame decoding stopped (a byte
 * offset for MessagePack and CBOR, a character offset for JSON, -1 when
 * unknown).
 *
 * @example Usage
 * ```ts
 * import { DecodeError, JsonSerializer } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new JsonSerializer().deserialize("[1, 2"), DecodeError);
 * ```
 */
export class DecodeError extends Error {
  /** Where decoding stopped, or -1. */
  readonly offset: number;

  /**
   * Creates a decode error.
   *
   * @param message What is wrong.
   * @param offset Where in the frame decoding stopped, or -1.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, offset = -1, options?: ErrorOptions) {
    super(offset >= 0 ? `${message} at offset ${offset}` : message, options);
    this.name = "DecodeError";
    this.offset = offset;
  }
}

/**
 * A value that a serializer cannot encode: a function, a symbol, a cycle or
 * too deep nesting, an integer out of range, or a message over the size
 * limit.
 *
 * @example Usage
 * ```ts
 * import { EncodeError, JsonSerializer } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const json = new JsonSerializer({ maxMessageSize: 8 });
 * assert.throws(() => json.serialize([1, "a long string"]), EncodeError);
 * ```
 */
export class EncodeError extends Error {
  /**
   * Creates an encode error.
   *
   * @param message What cannot be encoded.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EncodeError";
  }
}
