/**
 * Why an authentication cannot go on: the router asks for something the
 * client cannot or will not do (an unknown method, a KDF cost over the
 * limit, a channel binding), or it failed to prove who it is (a wrong SCRAM
 * server signature).
 *
 * @example Telling it apart
 * ```ts
 * import { AuthError, ticket } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const auth = ticket({ authid: "joe", ticket: "secret!" });
 * assert.throws(() => auth.challenge("wampcra", {}), AuthError);
 * ```
 */
export class AuthError extends Error {
  /**
   * Makes the error.
   *
   * @param message What went wrong, in sentence case.
   * @param options The standard `cause`, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "AuthError";
  }
}
