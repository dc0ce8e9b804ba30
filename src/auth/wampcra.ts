/**
 * WAMP-CRA: an HMAC-SHA256 signature of the router's challenge under a
 * shared secret, plain or salted (PBKDF2), as Autobahn and Crossbar compute
 * it.
 *
 * @module
 */

import type { AuthDict, ClientAuth } from "./client_auth.ts";
import { expectMethod, hello } from "./_client.ts";
import {
  encodeBase64,
  hmac,
  isIntIn,
  pbkdf2,
  randomBytes,
  utf8,
} from "./_encoding.ts";
import { AuthError } from "./_errors.ts";
import { timingSafeEqual } from "./timing_safe_equal.ts";

/** The most PBKDF2 iterations a client runs for a router's salted key. */
const MAX_ITERATIONS = 10_000_000;
/** The longest derived key a client makes for a router, in bytes. */
const MAX_KEYLEN = 1024;

/** What {@linkcode wampcra} needs. */
export interface WampcraOptions {
  /** The authid to log in as. */
  authid: string;
  /**
   * The secret shared with the router. With a salted principal this is
   * the password the router's key was derived from.
   */
  secret: string;
  /** The authrole to ask for (routers may ignore it). */
  authrole?: string;
  /** Extra HELLO data for the router's authenticator. */
  authextra?: AuthDict;
}

/**
 * Logs in with WAMP-CRA (authmethod `wampcra`). When the CHALLENGE carries
 * a `salt` (with `iterations` and `keylen`), the key is
 * `await deriveKey(secret, salt, iterations, keylen)`, else the secret
 * itself; the answer is `await signWampcra(key, extra.challenge)`. A salted
 * challenge asking for more than 10,000,000 iterations or a key longer than
 * 1024 bytes is refused.
 *
 * @example Answering a challenge
 * ```ts
 * import { signWampcra, wampcra } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const auth = wampcra({ authid: "peter", secret: "secret" });
 * assert.deepEqual(await auth.hello(), { authmethods: ["wampcra"], authid: "peter" });
 * const challenge = '{"authid": "peter", "nonce": "LHRTC9zeOIrt_9U3"}';
 * assert.equal(
 *   await auth.challenge("wampcra", { challenge }),
 *   await signWampcra("secret", challenge),
 * );
 * ```
 *
 * @param options The authid and the secret.
 * @returns The authentication for `Connection`'s `auth` option.
 * @throws {TypeError} When the authid or the secret is not a string.
 */
export function wampcra(options: WampcraOptions): ClientAuth {
  const { authid, secret, authrole, authextra } = options;
  if (typeof authid !== "string") {
    throw new TypeError("WAMP-CRA needs an authid");
  }
  if (typeof secret !== "string") {
    throw new TypeError("WAMP-CRA needs a secret string");
  }
  return {
    hello: () => hello("wampcra", authid, authrole, authextra),
    challenge: async (method, extra) => {
      expectMethod("wampcra", method);
      const challenge = extra?.challenge;
      if (typeof challenge !== "string") {
        throw new AuthError("WAMP-CRA challenge has no challenge text");
      }
      const salt = extra.salt;
      if (salt === undefined || salt === null) {
        return await signWampcra(secret, challenge);
      }
      const iterations = extra.iterations ?? 1000;
      const keylen = extra.keylen ?? 32;
      if (typeof salt !== "string") {
        throw new AuthError("WAMP-CRA salt is not a string");
      }
      if (!isIntIn(iterations, 1, MAX_ITERATIONS)) {
        throw new AuthError(
          `WAMP-CRA iterations must be an integer from 1 to ${MAX_ITERATIONS}`,
        );
      }
      if (!isIntIn(keylen, 1, MAX_KEYLEN)) {
        throw new AuthError(
          `WAMP-CRA keylen must be an integer from 1 to ${MAX_KEYLEN}`,
        );
      }
      // PBKDF2 runs `iterations` once per 32-byte block of the key.
      if (iterations * Math.ceil(keylen / 32) > MAX_ITERATIONS) {
        throw new AuthError(
          `WAMP-CRA iterations × keylen/32 must be at most ${MAX_ITERATIONS}`,
        );
      }
      const key = await deriveKey(secret, salt, iterations, keylen);
      return await signWampcra(key, challenge);
    },
  };
}

/**
 * Derives a salted WAMP-CRA key as Autobahn's `derive_key` does:
 * PBKDF2-HMAC-SHA256 over the UTF-8 bytes of `secret` and `salt`, returned
 * as Base64 text, and that text (not the bytes it encodes) is the key that
 * {@linkcode signWampcra} takes.
 *
 * @example The value autobahn-python's tests expect
 * ```ts
 * import { deriveKey } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   await deriveKey("L3L1YUE8Txlw", "salt123"),
 *   "qzcdsr9uu/L5hnss3kjNTRe490ETgA70ZBaB5rvnJ5Y=",
 * );
 * ```
 *
 * @param secret The password.
 * @param salt The salt, as text.
 * @param iterations PBKDF2 iterations.
 * @param keylen Length of the key in bytes (before Base64).
 * @returns The key as Base64 text.
 * @throws {TypeError} When the secret or the salt is not a string.
 * @throws {RangeError} When `iterations` is not an integer from 1 to
 * 2^32-1 or `keylen` not one from 1 to 1024.
 */
export async function deriveKey(
  secret: string,
  salt: string,
  iterations = 1000,
  keylen = 32,
): Promise<string> {
  if (typeof secret !== "string" || typeof salt !== "string") {
    throw new TypeError("Secret and salt must be strings");
  }
  if (!isIntIn(iterations, 1, 0xffffffff)) {
    throw new RangeError("Iterations must be an integer from 1 to 2^32-1");
  }
  if (!isIntIn(keylen, 1, MAX_KEYLEN)) {
    throw new RangeError("Key length must be an integer from 1 to 1024");
  }
  return encodeBase64(
    await pbkdf2(utf8(secret), utf8(salt), iterations, keylen),
  );
}

/**
 * Signs a WAMP-CRA challenge: Base64(HMAC-SHA256(key, challenge)) over the
 * UTF-8 bytes of both, as Autobahn's `auth_cra.sign` / `compute_wcs`.
 *
 * @example The value autobahn-python's tests expect
 * ```ts
 * import { signWampcra } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   await signWampcra("L3L1YUE8Txlw", "[1, 2, 3]"),
 *   "1njQtmmeYO41N5EWEzD2kAjjEKRZ5kPZt/TzpYXOzR0=",
 * );
 * ```
 *
 * @param key The secret, or a key from {@linkcode deriveKey}.
 * @param challenge The challenge text from the router.
 * @returns The signature, Base64.
 * @throws {TypeError} When the key or the challenge is not a string.
 */
export async function signWampcra(
  key: string,
  challenge: string,
): Promise<string> {
  if (typeof key !== "string" || typeof challenge !== "string") {
    throw new TypeError("Key and challenge must be strings");
  }
  return encodeBase64(await hmac(utf8(key), utf8(challenge)));
}

/**
 * Autobahn|JS's `auth_cra` for code ported from it. Unlike Autobahn's,
 * both functions are async (WebCrypto is): add `await`.
 *
 * @example Porting Autobahn|JS code
 * ```ts
 * import { auth_cra } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const key = await auth_cra.derive_key("secret", "salt123", 100, 16);
 * assert.equal(key, "EX1Y3Q9BMM2oGLxsGqDgFQ==");
 * assert.equal(typeof (await auth_cra.sign(key, "challenge")), "string");
 * ```
 */
export const auth_cra: {
  /** {@linkcode signWampcra}: Base64(HMAC-SHA256(key, challenge)). */
  sign(key: string, challenge: string): Promise<string>;
  /** {@linkcode deriveKey}: the salted key as Base64 text. */
  derive_key(
    secret: string,
    salt: string,
    iterations?: number,
    keylen?: number,
  ): Promise<string>;
} = Object.freeze({ sign: signWampcra, derive_key: deriveKey });

/** The fields of a WAMP-CRA challenge (see {@linkcode wampcraChallenge}). */
export interface WampcraChallengeInfo {
  /** The authid the client is authenticating as. */
  authid: string;
  /** The authrole it gets when it succeeds. */
  authrole: string;
  /**
   * The method.
   *
   * @default {"wampcra"}
   */
  authmethod?: string;
  /** Who authenticates (`static`, `dynamic`, an app's name). */
  authprovider: string;
  /** The session ID the client gets when it succeeds. */
  session: number;
  /**
   * A random value.
   *
   * @default {Base64 of 48 random bytes (64 characters)}
   */
  nonce?: string;
  /**
   * When the authentication started, ISO 8601 in UTC.
   *
   * @default {new Date().toISOString()}
   */
  timestamp?: string;
}

/**
 * Makes the challenge text a router sends in a WAMP-CRA CHALLENGE's
 * `extra.challenge`: a JSON object of the authentication's fields, written
 * as Crossbar writes it (Python's `json.dumps`: keys in the order authid,
 * authrole, authmethod, authprovider, session, nonce, timestamp; a space
 * after `:` and `,`). A fresh random nonce makes each challenge unique.
 *
 * @example A router challenging, a client answering
 * ```ts
 * import { signWampcra, verifyWampcra, wampcraChallenge } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const challenge = wampcraChallenge({
 *   authid: "peter",
 *   authrole: "user",
 *   authprovider: "static",
 *   session: 3251278072152162,
 *   nonce: "LHRTC9zeOIrt_9U3",
 *   timestamp: "2014-06-22T16:36:25.448Z",
 * });
 * assert.equal(
 *   challenge,
 *   '{"authid": "peter", "authrole": "user", "authmethod": "wampcra", ' +
 *     '"authprovider": "static", "session": 3251278072152162, ' +
 *     '"nonce": "LHRTC9zeOIrt_9U3", "timestamp": "2014-06-22T16:36:25.448Z"}',
 * );
 * const signature = await signWampcra("secret", challenge);
 * assert.equal(await verifyWampcra("secret", challenge, signature), true);
 * ```
 *
 * @param info The authentication's fields.
 * @returns The challenge text.
 * @throws {TypeError} When a field has the wrong type.
 */
export function wampcraChallenge(info: WampcraChallengeInfo): string {
  const {
    authid,
    authrole,
    authmethod = "wampcra",
    authprovider,
    session,
    nonce = encodeBase64(randomBytes(48)),
    timestamp = new Date().toISOString(),
  } = info;
  const text = { authid, authrole, authmethod, authprovider, nonce, timestamp };
  for (const [name, value] of Object.entries(text)) {
    if (typeof value !== "string") {
      throw new TypeError(`Challenge field ${name} must be a string`);
    }
  }
  if (!Number.isSafeInteger(session)) {
    throw new TypeError("Challenge field session must be an integer");
  }
  const q = JSON.stringify;
  return `{"authid": ${q(authid)}, "authrole": ${q(authrole)}, ` +
    `"authmethod": ${q(authmethod)}, "authprovider": ${q(authprovider)}, ` +
    `"session": ${session}, "nonce": ${q(nonce)}, ` +
    `"timestamp": ${q(timestamp)}}`;
}

/**
 * Checks a WAMP-CRA signature on the router: computes the expected one
 * and compares the Base64 texts in constant time. Anything malformed
 * (a value that is not a string, an oversized signature) is `false`.
 *
 * @example Checking a client's answer
 * ```ts
 * import { deriveKey, signWampcra, verifyWampcra } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const key = await deriveKey("password", "salt123", 1000, 32);
 * const signature = await signWampcra(key, "challenge");
 * assert.equal(await verifyWampcra(key, "challenge", signature), true);
 * assert.equal(await verifyWampcra("password", "challenge", signature), false);
 * ```
 *
 * @param key The secret, or the salted key from {@linkcode deriveKey}.
 * @param challenge The challenge text sent to the client.
 * @param signature The client's AUTHENTICATE signature.
 * @returns Whether the signature is right.
 */
export async function verifyWampcra(
  key: string,
  challenge: string,
  signature: string,
): Promise<boolean> {
  if (
    typeof key !== "string" || typeof challenge !== "string" ||
    typeof signature !== "string" || signature.length > 256
  ) {
    return false;
  }
  return timingSafeEqual(await signWampcra(key, challenge), signature);
}
