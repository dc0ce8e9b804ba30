/**
 * SCRAM as Crossbar speaks it (authmethod `scram`, KDFs `argon2id-13` and
 * `pbkdf2`): the client proves it knows the password without sending it
 * or anything a router could log in with, and the router proves it knows
 * the keys derived from it.
 *
 * Crossbar's dialect differs from the WAMP-SCRAM draft (`wamp-scram`): the
 * method name, the KDF names, `c=` left empty in AuthMessage (the draft has
 * `c=biws`), and WELCOME's `authextra.scram_server_signature` (the draft's
 * `verifier`).
 *
 * @module
 */

import type { AuthDict, ClientAuth } from "./client_auth.ts";
import { expectMethod, hello } from "./_client.ts";
import {
  concat,
  encodeBase64,
  fromBase64,
  hmac,
  hmacKey,
  isIntIn,
  randomBytes,
  sha256,
} from "./_encoding.ts";
import { AuthError } from "./_errors.ts";
import { saslprep } from "./_saslprep.ts";
import {
  authMessage,
  extendsNonce,
  KDFS,
  saltedPassword,
  type ScramKdf,
  scramKeys,
  serverSignature,
  xor,
} from "./_scram.ts";
import { timingSafeEqual } from "./timing_safe_equal.ts";

export type { ScramKdf };

/**
 * The most KDF work a client does for a router, so that a hostile router
 * cannot keep it busy. The defaults accept Crossbar's usual `argon2id-13`
 * costs (iterations 4096, memory 512 KiB); a new connection attempt stops
 * the last one's hash.
 */
export interface ScramLimits {
  /**
   * Argon2id memory, in KiB.
   *
   * @default {262144}
   */
  memory?: number;
  /**
   * Argon2id iterations × memory (KiB), the time the hash takes: by default
   * Crossbar's example cost (t=4096, m=512 KiB), about 8 s in TypeScript,
   * inside the connection's 10 s handshake timeout.
   *
   * @default {2097152}
   */
  work?: number;
  /**
   * PBKDF2 iterations.
   *
   * @default {10000000}
   */
  pbkdf2Iterations?: number;
}

/** What {@linkcode scram} needs. */
export interface ScramOptions {
  /** The authid to log in as (SASLprep'd, as Crossbar does). */
  authid: string;
  /** The password (its UTF-8 bytes, as autobahn-python uses it). */
  password: string;
  /** The authrole to ask for (routers may ignore it). */
  authrole?: string;
  /** Extra HELLO data; `nonce` and `channel_binding: null` are added. */
  authextra?: AuthDict;
  /** The most KDF work a router may ask for. */
  limits?: ScramLimits;
}

/** One login attempt's state: from HELLO to WELCOME. */
interface Attempt {
  nonce: string;
  nonceBytes: Uint8Array;
  /** Stops this attempt's KDF when the next attempt begins. */
  abort: AbortController;
  /** The ServerSignature WELCOME must carry, once challenged. */
  expected?: string;
}

/**
 * Logs in with SCRAM as Crossbar speaks it (authmethod `scram`). HELLO's
 * `authextra` carries a fresh client nonce (Base64 of 16 random bytes) and
 * `channel_binding: null`. The CHALLENGE's `extra` gives the KDF
 * (`argon2id-13` or `pbkdf2`), the salt, the iterations and, for Argon2id,
 * the memory; the answer is the ClientProof. WELCOME must carry the
 * router's `authextra.scram_server_signature`, which is checked: a router
 * that does not know the password's keys is refused with an
 * {@linkcode AuthError}.
 *
 * Argon2id runs in TypeScript in slices of about 20 ms, letting the event
 * loop run in between. A challenge asking for more work than `limits`
 * allows is refused.
 *
 * @example Against {@linkcode ScramServer}
 * ```ts
 * import { scram, scramCredentials, ScramServer } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * // The router stores keys derived from the password, never the password.
 * const credentials = await scramCredentials("p4ssw0rd", {
 *   kdf: "argon2id-13",
 *   iterations: 2,
 *   memory: 1024,
 * });
 *
 * const auth = scram({ authid: "alice", password: "p4ssw0rd" });
 * const hello = await auth.hello();
 * const server = new ScramServer(credentials, {
 *   authid: hello.authid!,
 *   clientNonce: hello.authextra!.nonce as string,
 * });
 * const proof = await auth.challenge("scram", server.challengeExtra());
 * assert.equal(await server.verify(proof), true);
 * await auth.welcome!({
 *   authextra: { scram_server_signature: await server.serverSignature() },
 * });
 * ```
 *
 * @param options The authid and the password.
 * @returns The authentication for `Connection`'s `auth` option.
 * @throws {TypeError} When the authid or the password is not a string, or
 * the authid has a character SASLprep prohibits.
 */
export function scram(options: ScramOptions): ClientAuth {
  const { authid, password, authrole, authextra, limits = {} } = options;
  if (typeof authid !== "string") {
    throw new TypeError("SCRAM needs an authid");
  }
  if (typeof password !== "string") {
    throw new TypeError("SCRAM needs a password string");
  }
  const prepped = saslprep(authid);
  if (prepped === undefined) {
    throw new TypeError("SCRAM authid has a character SASLprep prohibits");
  }
  const maxMemory = limits.memory ?? 262144;
  const maxWork = limits.work ?? 2097152;
  const maxPbkdf2 = limits.pbkdf2Iterations ?? 10_000_000;
  let attempt: Attempt | undefined;

  return {
    hello: () => {
      // A new connection attempt: the last one's KDF, if still running
      // (its handshake timed out), is abandoned, never stacked.
      attempt?.abort.abort();
      const nonceBytes = randomBytes(16);
      const nonce = encodeBase64(nonceBytes);
      attempt = { nonce, nonceBytes, abort: new AbortController() };
      return hello("scram", authid, authrole, {
        ...authextra,
        nonce,
        channel_binding: null,
      });
    },

    challenge: async (method, extra) => {
      expectMethod("scram", method);
      const current = attempt;
      if (current === undefined) {
        throw new AuthError("SCRAM challenge came before HELLO");
      }
      const { nonce, kdf, salt, iterations, memory, channel_binding } = extra ??
        {};
      if (
        channel_binding !== undefined && channel_binding !== null &&
        channel_binding !== ""
      ) {
        throw new AuthError(
          `Router asks for channel binding ${
            JSON.stringify(String(channel_binding))
          }, which this client cannot give`,
        );
      }
      const serverNonce = fromBase64(nonce, 1024);
      if (
        serverNonce === undefined ||
        !extendsNonce(serverNonce, current.nonceBytes)
      ) {
        throw new AuthError("SCRAM server nonce does not extend the client's");
      }
      if (typeof kdf !== "string" || !KDFS.includes(kdf)) {
        throw new AuthError(
          `SCRAM KDF ${JSON.stringify(String(kdf))} is not supported`,
        );
      }
      const saltBytes = fromBase64(salt, 1024);
      if (saltBytes === undefined || saltBytes.length === 0) {
        throw new AuthError("SCRAM salt is not Base64");
      }
      if (kdf === "pbkdf2") {
        if (!isIntIn(iterations, 1, maxPbkdf2)) {
          throw new AuthError(
            `SCRAM PBKDF2 iterations must be an integer from 1 to ${maxPbkdf2}`,
          );
        }
      } else {
        if (!isIntIn(memory, 8, maxMemory)) {
          throw new AuthError(
            `SCRAM Argon2id memory must be an integer from 8 to ${maxMemory} KiB`,
          );
        }
        if (!isIntIn(iterations, 1, Math.floor(maxWork / memory))) {
          throw new AuthError(
            `SCRAM Argon2id iterations × memory must be at most ${maxWork}`,
          );
        }
        if (saltBytes.length < 8) {
          throw new AuthError("SCRAM Argon2id salt is shorter than 8 bytes");
        }
      }
      const salted = await saltedPassword(
        password,
        kdf as ScramKdf,
        saltBytes,
        iterations as number,
        memory as number,
        current.abort.signal,
      );
      const message = authMessage(
        prepped,
        current.nonce,
        nonce as string,
        salt as string,
        iterations as number,
      );
      const { clientKey, storedKey, serverKey } = await scramKeys(salted);
      current.expected = await serverSignature(serverKey, message);
      return encodeBase64(xor(clientKey, await hmac(storedKey, message)));
    },

    // deno-lint-ignore require-await
    welcome: async (details) => {
      const expected = attempt?.expected;
      if (expected === undefined) {
        throw new AuthError("Router welcomed without a SCRAM challenge");
      }
      const authextra = details?.authextra as AuthDict | undefined;
      const received = authextra?.scram_server_signature;
      if (typeof received !== "string") {
        throw new AuthError("Router sent no SCRAM server signature");
      }
      if (!timingSafeEqual(expected, received)) {
        throw new AuthError("Router's SCRAM server signature is wrong");
      }
    },
  };
}

/**
 * What a router stores for a SCRAM principal instead of the password, as
 * Crossbar's principal configuration holds it (`kdf`, `salt`,
 * `iterations`, `memory`, `stored-key`, `server-key`). Here the salt and
 * the keys are Base64 (Crossbar's configuration writes them as hex).
 */
export interface ScramCredentials {
  /** The KDF. */
  kdf: ScramKdf;
  /** The salt, Base64. */
  salt: string;
  /** KDF iterations (Argon2id's `t`). */
  iterations: number;
  /** Argon2id memory in KiB (0 for PBKDF2). */
  memory: number;
  /** StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key")), Base64. */
  storedKey: string;
  /** ServerKey = HMAC(SaltedPassword, "Server Key"), Base64. */
  serverKey: string;
}

/** The KDF and its costs for {@linkcode scramCredentials}. */
export interface ScramCredentialOptions {
  /** The KDF. */
  kdf: ScramKdf;
  /**
   * The salt, Base64.
   *
   * @default {16 random bytes}
   */
  salt?: string;
  /**
   * KDF iterations.
   *
   * @default {2 for argon2id-13 (OWASP's minimum with 19 MiB), 600000 for pbkdf2}
   */
  iterations?: number;
  /**
   * Argon2id memory in KiB.
   *
   * @default {19456 (19 MiB)}
   */
  memory?: number;
}

/**
 * Derives the SCRAM credentials a router stores for a password: the salt,
 * the KDF's costs, StoredKey and ServerKey. Argon2id runs in TypeScript,
 * letting the event loop run every 20 ms or so.
 *
 * @example Credentials for a router's configuration
 * ```ts
 * import { scramCredentials } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const credentials = await scramCredentials("p4ssw0rd", {
 *   kdf: "argon2id-13",
 *   salt: "AAECAwQFBgcICQoLDA0ODw==",
 *   iterations: 4,
 *   memory: 512,
 * });
 * // The same as autobahn-python's derivation.
 * assert.equal(
 *   credentials.storedKey,
 *   "QaTfAciS0p9DeD4oNMDDDxXJIS/2tZHEAAYRIBnkRTA=",
 * );
 * ```
 *
 * @param password The password.
 * @param options The KDF, and optionally its salt and costs.
 * @returns The credentials.
 * @throws {TypeError} When the password is not a string, the KDF unknown
 * or the salt not Base64.
 * @throws {RangeError} When a cost is out of range.
 */
export async function scramCredentials(
  password: string,
  options: ScramCredentialOptions,
): Promise<ScramCredentials> {
  if (typeof password !== "string") {
    throw new TypeError("Password must be a string");
  }
  const { kdf } = options;
  if (!KDFS.includes(kdf)) {
    throw new TypeError(`SCRAM KDF ${JSON.stringify(String(kdf))} is unknown`);
  }
  const salt = options.salt ?? encodeBase64(randomBytes(16));
  const saltBytes = fromBase64(salt);
  if (saltBytes === undefined || saltBytes.length === 0) {
    throw new TypeError("SCRAM salt must be Base64");
  }
  const argon = kdf === "argon2id-13";
  const iterations = options.iterations ?? (argon ? 2 : 600_000);
  const memory = argon ? options.memory ?? 19456 : options.memory ?? 0;
  if (!isIntIn(iterations, 1, 0xffffffff)) {
    throw new RangeError("Iterations must be an integer from 1 to 2^32-1");
  }
  if (!isIntIn(memory, argon ? 8 : 0, 0xffffffff)) {
    throw new RangeError("Memory must be an integer of at least 8 KiB");
  }
  const salted = await saltedPassword(
    password,
    kdf,
    saltBytes,
    iterations,
    memory,
  );
  const { storedKey, serverKey } = await scramKeys(salted);
  return {
    kdf,
    salt,
    iterations,
    memory,
    storedKey: encodeBase64(storedKey),
    serverKey: encodeBase64(serverKey),
  };
}

/** Who is logging in, from HELLO (see {@linkcode ScramServer}). */
export interface ScramHello {
  /** HELLO's authid. */
  authid: string;
  /** HELLO's `authextra.nonce`, Base64 (at most 256 characters). */
  clientNonce: string;
}

/**
 * The router's side of one SCRAM login: makes the CHALLENGE, checks the
 * client's proof, and signs for WELCOME. The server nonce is the client's
 * nonce with 16 random bytes added, as Crossbar makes it.
 *
 * @example One login
 * ```ts
 * import { scram, scramCredentials, ScramServer } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const credentials = await scramCredentials("p4ssw0rd", { kdf: "pbkdf2", iterations: 4096 });
 * const client = scram({ authid: "alice", password: "wrong" });
 * const hello = await client.hello();
 * const server = new ScramServer(credentials, {
 *   authid: "alice",
 *   clientNonce: hello.authextra!.nonce as string,
 * });
 * const proof = await client.challenge("scram", server.challengeExtra());
 * assert.equal(await server.verify(proof), false);
 * ```
 */
export class ScramServer {
  #kdf: ScramKdf;
  #salt: string;
  #iterations: number;
  #memory: number;
  #storedKey: Uint8Array;
  #serverKey: Uint8Array;
  #nonce: string;
  #message: Uint8Array;

  /**
   * Starts a login.
   *
   * @param credentials The principal's stored credentials.
   * @param hello HELLO's authid and client nonce.
   * @throws {TypeError} When the credentials are malformed.
   * @throws {AuthError} When the authid has a character SASLprep prohibits
   * or the client nonce is not Base64 of 1 to 192 bytes.
   */
  constructor(credentials: ScramCredentials, hello: ScramHello) {
    const { kdf, salt, iterations, memory, storedKey, serverKey } =
      credentials ?? {};
    const saltBytes = fromBase64(salt);
    const stored = fromBase64(storedKey);
    const server = fromBase64(serverKey);
    if (
      !KDFS.includes(kdf) || saltBytes === undefined ||
      saltBytes.length === 0 || !isIntIn(iterations, 1, 0xffffffff) ||
      !isIntIn(memory, 0, 0xffffffff) || stored?.length !== 32 ||
      server?.length !== 32
    ) {
      throw new TypeError("SCRAM credentials are malformed");
    }
    // A remote authid: bounded before SASLprep normalizes it.
    const authid = typeof hello?.authid === "string" &&
        hello.authid.length <= 1024
      ? saslprep(hello.authid)
      : undefined;
    if (authid === undefined) {
      throw new AuthError("SCRAM authid is not a valid SASLprep string");
    }
    const clientNonce = fromBase64(hello.clientNonce, 256);
    if (clientNonce === undefined || clientNonce.length === 0) {
      throw new AuthError("SCRAM client nonce is not Base64");
    }
    this.#kdf = kdf;
    this.#salt = salt as string; // canonical: fromBase64 accepted it
    this.#iterations = iterations;
    this.#memory = memory;
    this.#storedKey = stored;
    this.#serverKey = server;
    this.#nonce = encodeBase64(concat(clientNonce, randomBytes(16)));
    this.#message = authMessage(
      authid,
      hello.clientNonce,
      this.#nonce,
      this.#salt,
      iterations,
    );
  }

  /**
   * The CHALLENGE's `extra`: `nonce` (the server nonce), `kdf`, `salt`,
   * `iterations` and `memory`, as Crossbar sends them.
   *
   * @returns The extra dictionary.
   */
  challengeExtra(): AuthDict {
    return {
      nonce: this.#nonce,
      kdf: this.#kdf,
      salt: this.#salt,
      iterations: this.#iterations,
      memory: this.#memory,
    };
  }

  /**
   * Checks the client's AUTHENTICATE signature (its ClientProof):
   * recovers ClientKey with StoredKey and compares SHA-256 of it with
   * StoredKey in constant time. A malformed signature is `false`.
   *
   * @param signature The client's signature, Base64.
   * @returns Whether the client knows the password.
   */
  async verify(signature: string): Promise<boolean> {
    const proof = fromBase64(signature, 64);
    if (proof?.length !== 32) return false;
    const key = await hmacKey(this.#storedKey);
    const clientKey = xor(proof, await hmac(key, this.#message));
    return timingSafeEqual(await sha256(clientKey), this.#storedKey);
  }

  /**
   * The ServerSignature for WELCOME's `authextra.scram_server_signature`,
   * Base64: sent only once {@linkcode ScramServer.verify} succeeded.
   *
   * @returns The signature.
   */
  serverSignature(): Promise<string> {
    return serverSignature(this.#serverKey, this.#message);
  }
}
