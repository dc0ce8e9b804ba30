/**
 * The error raised when a transport cannot be opened.
 *
 * @module
 */

/**
 * A transport could not connect, could not agree on a subprotocol, or was
 * not allowed to connect.
 *
 * @example Usage
 * ```ts
 * import { TransportError } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const err = new TransportError("Connection refused", { unsupported: false });
 * assert.equal(err.name, "TransportError");
 * assert.equal(err.denied, false);
 * ```
 */
export class TransportError extends Error {
  /** True when the peer was reached but no subprotocol was agreed. */
  readonly unsupported: boolean;
  /**
   * True when the runtime refused to connect for lack of a permission (such
   * as Deno without `--allow-net`): retrying cannot help.
   */
  readonly denied: boolean;

  /**
   * Creates a transport error.
   *
   * @param message What went wrong.
   * @param options `unsupported`, `denied` and the standard `cause`.
   */
  constructor(
    message: string,
    options: ErrorOptions & { unsupported?: boolean; denied?: boolean } = {},
  ) {
    super(message, options);
    this.name = "TransportError";
    this.unsupported = options.unsupported ?? false;
    this.denied = options.denied ?? false;
  }
}
