/**
 * The error raised for a message that breaks the WAMP protocol.
 *
 * @module
 */

/**
 * A message that is not valid WAMP: wrong shape, wrong field types, or sent
 * at the wrong time. A peer answers it with ABORT
 * `wamp.error.protocol_violation`, using {@linkcode ProtocolError.message} as
 * the ABORT's `Details.message`.
 *
 * @example Usage
 * ```ts
 * import { parse, ProtocolError } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => parse([48, 1, {}, 7]), ProtocolError);
 * ```
 */
export class ProtocolError extends Error {
  /**
   * Creates a protocol error.
   *
   * @param message What is wrong, naming the message type and the field.
   * @param options Standard error options (`cause`).
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProtocolError";
  }
}
