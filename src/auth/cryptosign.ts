/**
 * WAMP-Cryptosign: the client proves it holds an Ed25519 private key by
 * signing the router's random challenge.
 *
 * @module
 */

import type { AuthDict, ClientAuth } from "./client_auth.ts";
import { expectMethod, hello } from "./_client.ts";
import { fromHex, randomBytes, toHex } from "./_encoding.ts";
import { decodeBase64 } from "../serializers/_base64.ts";
import { AuthError } from "./_errors.ts";
import { timingSafeEqual } from "./timing_safe_equal.ts";

/** An Ed25519 key pair that signs (see {@linkcode loadCryptosignKey}). */
export interface CryptosignKey {
  /** The public key, 64 lower-case hex characters. */
  readonly publicKey: string;
  /**
   * Signs `message` with the private key.
   *
   * @param message The bytes to sign.
   * @returns The 64-byte Ed25519 signature.
   */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

// A PKCS #8 PrivateKeyInfo for Ed25519 (RFC 8410) is this prefix and the
// 32-byte seed.
const PKCS8_PREFIX = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);

class Ed25519Key implements CryptosignKey {
  readonly publicKey: string;
  #key: CryptoKey;

  constructor(key: CryptoKey, publicKey: string) {
    this.#key = key;
    this.publicKey = publicKey;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(
      await crypto.subtle.sign(
        "Ed25519",
        this.#key,
        message as Uint8Array<ArrayBuffer>,
      ),
    );
  }
}

/** The seed's bytes, or undefined unless it is 32 bytes or 64 hex. */
function seedBytes(seed: unknown): Uint8Array | undefined {
  const bytes = seed instanceof Uint8Array ? seed : fromHex(seed);
  return bytes?.length === 32 ? bytes : undefined;
}

function isCryptosignKey(value: unknown): value is CryptosignKey {
  const key = value as CryptosignKey;
  return typeof value === "object" && value !== null &&
    !(value instanceof Uint8Array) && typeof key.sign === "function" &&
    fromHex(key.publicKey)?.length === 32;
}

/**
 * Loads an Ed25519 private key from its 32-byte seed (what autobahn-python
 * calls `privkey` and Crossbar's key files hold, as hex). The private key
 * stays inside WebCrypto, not extractable.
 *
 * @example A key and its public key (autobahn-python's test vector)
 * ```ts
 * import { loadCryptosignKey } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const key = await loadCryptosignKey(
 *   "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
 * );
 * assert.equal(
 *   key.publicKey,
 *   "1adfc8bfe1d35616e64dffbd900096f23b066f914c8c2ffbb66f6075b96e116d",
 * );
 * assert.equal((await key.sign(new Uint8Array(32))).length, 64);
 * ```
 *
 * @param seed The seed: 32 bytes, or 64 hex characters.
 * @returns The key.
 * @throws {TypeError} When the seed is neither.
 * @throws {AuthError} When the runtime's WebCrypto has no Ed25519.
 */
export async function loadCryptosignKey(
  seed: Uint8Array | string,
): Promise<CryptosignKey> {
  const bytes = seedBytes(seed);
  if (bytes === undefined) {
    throw new TypeError(
      "Cryptosign private key must be a 32-byte seed or 64 hex characters",
    );
  }
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(bytes, 16);
  try {
    const extractable = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      "Ed25519",
      true,
      ["sign"],
    );
    const { x } = await crypto.subtle.exportKey("jwk", extractable);
    const key = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      "Ed25519",
      false,
      ["sign"],
    );
    return new Ed25519Key(key, toHex(fromBase64Url(x!)));
  } catch (err) {
    throw new AuthError("Cannot load an Ed25519 key with this WebCrypto", {
      cause: err,
    });
  } finally {
    pkcs8.fill(0);
  }
}

function fromBase64Url(text: string): Uint8Array {
  // A JWK's 32-byte `x` is 43 characters: one "=" pads it.
  return decodeBase64(text.replace(/-/g, "+").replace(/_/g, "/") + "=");
}

/** What {@linkcode cryptosign} needs. */
export interface CryptosignOptions {
  /**
   * The authid to log in as. Crossbar finds it from the public key when it
   * is left out.
   */
  authid?: string;
  /**
   * The private key: its 32-byte seed, as bytes or 64 hex characters, or a
   * key from {@linkcode loadCryptosignKey}.
   */
  privateKey: Uint8Array | string | CryptosignKey;
  /** The authrole to ask for (routers may ignore it). */
  authrole?: string;
  /**
   * Extra HELLO data; `pubkey` and `channel_binding: null` are added.
   */
  authextra?: AuthDict;
}

/**
 * Logs in with WAMP-Cryptosign (authmethod `cryptosign`). HELLO's
 * `authextra` carries the public key (`pubkey`, hex) and
 * `channel_binding: null`; the answer to a CHALLENGE is the hex of the
 * Ed25519 signature of the 32 challenge bytes followed by the challenge
 * (192 hex characters), as Autobahn sends it. Channel binding
 * (`tls-unique`) is not available to a WebSocket client, so a challenge
 * that asks for it is refused with an {@linkcode AuthError}.
 *
 * @example Answering a challenge
 * ```ts
 * import { cryptosign, verifyCryptosign } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const auth = cryptosign({
 *   authid: "alice",
 *   privateKey: "4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510",
 * });
 * const { authextra } = await auth.hello();
 * const challenge = "ff".repeat(32);
 * const signature = await auth.challenge("cryptosign", { challenge, channel_binding: null });
 * assert.equal(signature.length, 192);
 * assert.equal(
 *   await verifyCryptosign(authextra!.pubkey as string, challenge, signature),
 *   true,
 * );
 * ```
 *
 * @param options The private key and, optionally, the authid.
 * @returns The authentication for `Connection`'s `auth` option.
 * @throws {TypeError} When the private key or the authid is malformed, or
 * `authextra` asks for a channel binding.
 */
export function cryptosign(options: CryptosignOptions): ClientAuth {
  const { authid, privateKey, authrole, authextra } = options;
  if (authid !== undefined && typeof authid !== "string") {
    throw new TypeError("Cryptosign authid must be a string");
  }
  if (!isCryptosignKey(privateKey) && seedBytes(privateKey) === undefined) {
    throw new TypeError(
      "Cryptosign private key must be a 32-byte seed, 64 hex characters " +
        "or a CryptosignKey",
    );
  }
  const binding = authextra?.channel_binding;
  if (binding !== undefined && binding !== null) {
    throw new TypeError("Cryptosign channel binding is not supported");
  }
  // Loaded on first use, so that a failure surfaces in the login attempt.
  let loading: Promise<CryptosignKey> | undefined;
  const key = () =>
    loading ??= isCryptosignKey(privateKey)
      ? Promise.resolve(privateKey)
      : loadCryptosignKey(privateKey);
  return {
    hello: async () => {
      const { publicKey } = await key();
      const claimed = authextra?.pubkey;
      if (
        claimed !== undefined &&
        (typeof claimed !== "string" || claimed.toLowerCase() !== publicKey)
      ) {
        throw new TypeError("Cryptosign authextra.pubkey is not this key's");
      }
      return hello("cryptosign", authid, authrole, {
        ...authextra,
        pubkey: publicKey,
        channel_binding: null,
      });
    },
    challenge: async (method, extra) => {
      expectMethod("cryptosign", method);
      const binding = extra?.channel_binding;
      if (binding !== undefined && binding !== null) {
        throw new AuthError(
          `Router asks for channel binding ${
            JSON.stringify(String(binding))
          }, which this client cannot give`,
        );
      }
      const text = extra?.challenge;
      const challenge = typeof text === "string" && text.length === 64
        ? fromHex(text)
        : undefined;
      if (challenge?.length !== 32) {
        throw new AuthError("Cryptosign challenge is not 32 bytes of hex");
      }
      const signature = await (await key()).sign(challenge);
      return toHex(signature) + toHex(challenge);
    },
  };
}

/**
 * A fresh random WAMP-Cryptosign challenge for a router's CHALLENGE:
 * 32 random bytes as 64 hex characters.
 *
 * @example A challenge
 * ```ts
 * import { newCryptosignChallenge } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * assert.match(newCryptosignChallenge(), /^[0-9a-f]{64}$/);
 * assert.notEqual(newCryptosignChallenge(), newCryptosignChallenge());
 * ```
 *
 * @returns The challenge, hex.
 */
export function newCryptosignChallenge(): string {
  return toHex(randomBytes(32));
}

/**
 * Checks a WAMP-Cryptosign answer on the router: the signature must be
 * 192 hex characters, end with the challenge, and start with a valid
 * Ed25519 signature of the challenge bytes under the public key. Anything
 * malformed is `false`; it never throws.
 *
 * @example Checking an answer
 * ```ts
 * import {
 *   loadCryptosignKey,
 *   newCryptosignChallenge,
 *   verifyCryptosign,
 * } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const key = await loadCryptosignKey(new Uint8Array(32).fill(7));
 * const challenge = newCryptosignChallenge();
 * const bytes = Uint8Array.from(challenge.match(/../g)!, (h) => parseInt(h, 16));
 * const signature = Array.from(await key.sign(bytes), (b) =>
 *   b.toString(16).padStart(2, "0")
 * ).join("") + challenge;
 * assert.equal(await verifyCryptosign(key.publicKey, challenge, signature), true);
 * assert.equal(await verifyCryptosign(key.publicKey, challenge, "00"), false);
 * ```
 *
 * @param pubkeyHex The client's public key, 64 hex characters.
 * @param challengeHex The challenge sent, 64 hex characters.
 * @param signatureHex The client's AUTHENTICATE signature.
 * @returns Whether it is right.
 */
export async function verifyCryptosign(
  pubkeyHex: string,
  challengeHex: string,
  signatureHex: string,
): Promise<boolean> {
  const pubkey = fromHex(pubkeyHex);
  const challenge = fromHex(challengeHex);
  const signed = typeof signatureHex === "string" && signatureHex.length === 192
    ? fromHex(signatureHex)
    : undefined;
  if (
    pubkey?.length !== 32 || challenge?.length !== 32 || signed === undefined ||
    !timingSafeEqual(signed.subarray(64), challenge)
  ) {
    return false;
  }
  try {
    const key = await crypto.subtle.importKey(
      "raw",
      pubkey,
      "Ed25519",
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      "Ed25519",
      key,
      signed.subarray(0, 64),
      challenge,
    );
  } catch {
    return false;
  }
}
