/**
 * The error raised when a transport cannot be opened.
 *
 * @module
 */

/**
 * A transport could not connect, or could not agree on a subprotocol.
 *
 * @example Usage
 * ```ts
 * import { TransportError } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const err = new TransportError("Connection refused", { unsupported: false });
 * assert.equal(err.name, "TransportError");
 * ```
 */
export class TransportError extends Error {
  /** True when the peer was reached but no subprotocol was agreed. */
  readonly unsupported: boolean;

  /**
   * Creates a transport error.
   *
   * @param message What went wrong.
   * @param options `unsupported` and the standard `cause`.
   */
  constructor(
    message: string,
    options: ErrorOptions & { unsupported?: boolean } = {},
  ) {
    super(message, options);
    this.name = "TransportError";
    this.unsupported = options.unsupported ?? false;
  }
}
