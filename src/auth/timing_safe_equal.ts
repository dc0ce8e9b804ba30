/**
 * Constant-time comparison of secrets, signatures and keys.
 *
 * @module
 */

import { utf8 } from "./_encoding.ts";

/**
 * Whether `a` and `b` hold the same bytes (strings compare as UTF-8), in a
 * time that depends on their lengths only: no early exit at the first
 * difference, and a length difference is folded into the result instead of
 * returned early, so neither the position nor the existence of a differing
 * byte shows in the timing. Use it wherever one side is secret (expected
 * signatures, tickets, keys).
 *
 * @example Comparing a received signature
 * ```ts
 * import { timingSafeEqual } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * assert.equal(timingSafeEqual("c2lnbmF0dXJl", "c2lnbmF0dXJl"), true);
 * assert.equal(timingSafeEqual("c2lnbmF0dXJl", "c2lnbmF0dXJm"), false);
 * assert.equal(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1])), false);
 * ```
 *
 * @param a One value.
 * @param b The other value.
 * @returns Whether they are equal.
 */
export function timingSafeEqual(
  a: Uint8Array | string,
  b: Uint8Array | string,
): boolean {
  const x = typeof a === "string" ? utf8(a) : a;
  const y = typeof b === "string" ? utf8(b) : b;
  if (!(x instanceof Uint8Array) || !(y instanceof Uint8Array)) return false;
  const lx = x.length;
  const ly = y.length;
  // Walk the longer length; the shorter side is read at an index that wraps
  // (an empty side reads as zeros), and its missing tail is already counted
  // by the length difference.
  const n = lx > ly ? lx : ly;
  let diff = lx ^ ly;
  for (let i = 0; i < n; i++) {
    diff |= (x[i % lx] ?? 0) ^ (y[i % ly] ?? 0);
  }
  return diff === 0;
}
