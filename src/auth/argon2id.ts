/**
 * Argon2id (RFC 9106, version 1.3), in TypeScript: the memory-hard KDF of
 * SCRAM's `argon2id-13`, which WebCrypto does not have.
 *
 * @module
 */

import { type Argon2idOptions, argon2idSync } from "./_argon2.ts";

export type { Argon2idOptions };

/**
 * Computes the raw Argon2id v1.3 hash of `password` with `salt`
 * (RFC 9106), synchronously: the calling thread is busy for the whole
 * computation, which at SCRAM's usual costs takes from milliseconds to
 * seconds (the memory is allocated for that time and then released).
 *
 * @example RFC 9106's test vector (§5.3)
 * ```ts
 * import { argon2id } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const tag = argon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
 *   iterations: 3,
 *   memory: 32,
 *   parallelism: 4,
 *   secret: new Uint8Array(8).fill(3),
 *   ad: new Uint8Array(12).fill(4),
 * });
 * assert.equal(
 *   Array.from(tag, (b) => b.toString(16).padStart(2, "0")).join(""),
 *   "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659",
 * );
 * ```
 *
 * @param password The password (`P`).
 * @param salt The salt (`S`), at least 8 bytes.
 * @param options The costs, the output length, and the optional secret and
 * associated data.
 * @returns The hash, `hashLength` bytes.
 * @throws {TypeError} When an input is not a Uint8Array.
 * @throws {RangeError} When a parameter is outside what RFC 9106 allows.
 */
export function argon2id(
  password: Uint8Array,
  salt: Uint8Array,
  options: Argon2idOptions,
): Uint8Array {
  return argon2idSync(password, salt, options);
}
