/**
 * The error every pending request gets when its session ends.
 *
 * @module
 */

import { WampError } from "../protocol/wamp_error.ts";

/**
 * The session ended before the request was answered: the transport was lost
 * (`wamp.close.transport_lost`), the router said GOODBYE or ABORT (its
 * reason), or the session was left locally. Also raised by requests made
 * on a session that is not open.
 *
 * @example Usage
 * ```ts
 * import { SessionClosedError, WampError } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const err = new SessionClosedError("wamp.close.transport_lost", "Transport lost");
 * assert.ok(err instanceof WampError);
 * assert.equal(err.uri, "wamp.close.transport_lost");
 * ```
 */
export class SessionClosedError extends WampError {
  /**
   * Creates the error.
   *
   * @param reason The close reason URI.
   * @param message What happened.
   */
  constructor(reason: string, message = "Session closed") {
    super(reason, [message]);
    this.name = "SessionClosedError";
  }
}
