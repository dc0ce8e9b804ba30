/**
 * Authentication for WAMP clients and routers, with WebCrypto and no
 * dependency: ticket, WAMP-CRA (plain and salted), WAMP-Cryptosign
 * (Ed25519) and SCRAM as Crossbar speaks it (Argon2id or PBKDF2), each
 * interoperating with Crossbar and the Autobahn clients.
 *
 * A client passes one of the one-liners, {@linkcode ticket},
 * {@linkcode wampcra}, {@linkcode cryptosign} or {@linkcode scram}, as
 * `Connection`'s `auth` option. A router uses the other half:
 * {@linkcode wampcraChallenge} and {@linkcode verifyWampcra},
 * {@linkcode newCryptosignChallenge} and {@linkcode verifyCryptosign},
 * {@linkcode scramCredentials} and {@linkcode ScramServer}.
 * Autobahn|JS code ports with {@linkcode auth_cra} (async here) and
 * {@linkcode loadCryptosignKey}.
 *
 * This is an entry point of its own, so a client that logs in without
 * authentication loads none of it.
 *
 * @example Logging in to a router with WAMP-CRA
 * ```ts ignore
 * import { Connection } from "@wampkit/wamp";
 * import { wampcra } from "@wampkit/wamp/auth";
 *
 * const connection = new Connection({
 *   url: "wss://example.com/ws",
 *   realm: "realm1",
 *   auth: wampcra({ authid: "joe", secret: "secret1" }),
 * });
 * connection.open();
 * ```
 *
 * @example A WAMP-CRA exchange, both halves
 * ```ts
 * import { verifyWampcra, wampcra, wampcraChallenge } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const challenge = wampcraChallenge({
 *   authid: "joe",
 *   authrole: "user",
 *   authprovider: "static",
 *   session: 1,
 * });
 * const auth = wampcra({ authid: "joe", secret: "secret1" });
 * const signature = await auth.challenge("wampcra", { challenge });
 * assert.equal(await verifyWampcra("secret1", challenge, signature), true);
 * ```
 *
 * @module
 */

export type { AuthDict, ClientAuth, HelloAuth } from "./client_auth.ts";
export { AuthError } from "./_errors.ts";
export { ticket, type TicketOptions } from "./ticket.ts";
export {
  auth_cra,
  deriveKey,
  signWampcra,
  verifyWampcra,
  wampcra,
  wampcraChallenge,
  type WampcraChallengeInfo,
  type WampcraOptions,
} from "./wampcra.ts";
export {
  cryptosign,
  type CryptosignKey,
  type CryptosignOptions,
  loadCryptosignKey,
  newCryptosignChallenge,
  verifyCryptosign,
} from "./cryptosign.ts";
export {
  scram,
  type ScramCredentialOptions,
  type ScramCredentials,
  scramCredentials,
  type ScramHello,
  type ScramKdf,
  type ScramLimits,
  type ScramOptions,
  ScramServer,
} from "./scram.ts";
export { argon2id, type Argon2idOptions } from "./argon2id.ts";
export { timingSafeEqual } from "./timing_safe_equal.ts";
