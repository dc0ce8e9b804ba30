/**
 * The application-level WAMP error: an error URI with a payload.
 *
 * @module
 */

import type { Dict } from "./messages.ts";

/**
 * A WAMP error: what an ERROR message carries, as a real `Error`. Callee
 * endpoints throw it to answer a call with a chosen error URI; callers get it
 * when a call, subscribe, register or acknowledged publish fails.
 *
 * @example Usage
 * ```ts
 * import { WampError } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const err = new WampError("com.example.error.bad_input", ["x must be positive"]);
 * assert.equal(err.uri, "com.example.error.bad_input");
 * assert.equal(err.message, "x must be positive");
 * assert.ok(err instanceof Error);
 * ```
 */
export class WampError extends Error {
  /** The error URI, such as `wamp.error.no_such_procedure`. */
  readonly uri: string;
  /** Positional payload of the error. */
  readonly args: unknown[];
  /** Keyword payload of the error. */
  readonly kwargs: Dict;
  /** The ERROR message's details. */
  readonly details: Dict;

  /**
   * Creates a WAMP error.
   *
   * @param uri The error URI.
   * @param args Positional payload; a leading string becomes the message.
   * @param kwargs Keyword payload.
   * @param details ERROR details.
   */
  constructor(
    uri: string,
    args: unknown[] = [],
    kwargs: Dict = {},
    details: Dict = {},
  ) {
    super(typeof args[0] === "string" ? args[0] : uri);
    this.name = "WampError";
    this.uri = uri;
    this.args = args;
    this.kwargs = kwargs;
    this.details = details;
  }

  /**
   * The same as `uri`, for code written against Autobahn|JS, whose error
   * objects name it `error`.
   *
   * @returns The error URI.
   */
  get error(): string {
    return this.uri;
  }
}

/**
 * Predefined WAMP error URIs.
 *
 * @example Usage
 * ```ts
 * import { ErrorUri } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ErrorUri.CANCELED, "wamp.error.canceled");
 * ```
 */
export const ErrorUri = {
  INVALID_URI: "wamp.error.invalid_uri",
  NO_SUCH_PROCEDURE: "wamp.error.no_such_procedure",
  PROCEDURE_ALREADY_EXISTS: "wamp.error.procedure_already_exists",
  PROCEDURE_EXISTS_WITH_DIFFERENT_INVOCATION_POLICY:
    "wamp.error.procedure_exists_with_different_invocation_policy",
  NO_SUCH_REGISTRATION: "wamp.error.no_such_registration",
  NO_SUCH_SUBSCRIPTION: "wamp.error.no_such_subscription",
  NO_SUCH_SESSION: "wamp.error.no_such_session",
  INVALID_ARGUMENT: "wamp.error.invalid_argument",
  CANCELED: "wamp.error.canceled",
  TIMEOUT: "wamp.error.timeout",
  RUNTIME_ERROR: "wamp.error.runtime_error",
  PAYLOAD_SIZE_EXCEEDED: "wamp.error.payload_size_exceeded",
  PROTOCOL_VIOLATION: "wamp.error.protocol_violation",
  NOT_AUTHORIZED: "wamp.error.not_authorized",
  AUTHORIZATION_FAILED: "wamp.error.authorization_failed",
  AUTHENTICATION_FAILED: "wamp.error.authentication_failed",
  NO_MATCHING_AUTH_METHOD: "wamp.error.no_matching_auth_method",
  NO_AUTH_METHOD: "wamp.error.no_auth_method",
  NO_SUCH_REALM: "wamp.error.no_such_realm",
  NO_SUCH_ROLE: "wamp.error.no_such_role",
  OPTION_NOT_ALLOWED: "wamp.error.option_not_allowed",
  FEATURE_NOT_SUPPORTED: "wamp.error.feature_not_supported",
  NO_AVAILABLE_CALLEE: "wamp.error.no_available_callee",
  UNAVAILABLE: "wamp.error.unavailable",
  SYSTEM_SHUTDOWN: "wamp.close.system_shutdown",
  CLOSE_REALM: "wamp.close.close_realm",
  GOODBYE_AND_OUT: "wamp.close.goodbye_and_out",
  CLOSE_NORMAL: "wamp.close.normal",
  KILLED: "wamp.close.killed",
} as const;
