/**
 * The contract between a session and an authentication method: what a
 * one-liner such as `wampcra({ authid, secret })` hands to `Connection`.
 *
 * The client imports this module for its type only, so a client that
 * authenticates with nothing loads no authentication code.
 *
 * @module
 */

/** A JSON-like dictionary, as WAMP details and extras are. */
export type AuthDict = Record<string, unknown>;

/** What a {@linkcode ClientAuth} adds to HELLO. */
export interface HelloAuth {
  /** The authentication methods offered, most preferred first. */
  authmethods: string[];
  /** The authid to authenticate as. */
  authid?: string;
  /** The authrole to request (routers may ignore it). */
  authrole?: string;
  /** Extra authentication data, such as a cryptosign `pubkey`. */
  authextra?: AuthDict;
}

/**
 * One authentication method as a client offers and answers it.
 *
 * @example A ticket written by hand
 * ```ts
 * import type { ClientAuth } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const auth: ClientAuth = {
 *   hello: () => ({ authmethods: ["ticket"], authid: "joe" }),
 *   challenge: (method) => {
 *     if (method !== "ticket") throw new Error(`Cannot answer ${method}`);
 *     return "secret!";
 *   },
 * };
 * assert.equal(await auth.challenge("ticket", {}), "secret!");
 * ```
 */
export interface ClientAuth {
  /**
   * The HELLO fields, asked for once per connection attempt (SCRAM makes
   * a fresh client nonce each time).
   */
  hello(): HelloAuth | Promise<HelloAuth>;
  /**
   * Answers the router's CHALLENGE for `method` with the AUTHENTICATE
   * signature. Throws when it cannot answer.
   */
  challenge(method: string, extra: AuthDict): string | Promise<string>;
  /**
   * Checks WELCOME's details (SCRAM verifies the server signature here).
   * Throws, or rejects, when the router is not who it claims to be.
   */
  welcome?(details: AuthDict): void | Promise<void>;
}
