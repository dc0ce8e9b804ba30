/**
 * The timers the client and the router use (call timeouts, leave, hello and
 * handshake timeouts, reconnect delays, long-poll and RawSocket timers),
 * injectable so that tests run on virtual time. It lives with the
 * transports, the layer below both.
 *
 * @module
 */

/** The longest delay `setTimeout` takes (2^31 − 1 ms, about 24.8 days). */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * The timer functions the client and the router call: `setTimeout` and
 * `clearTimeout` with the web-standard signatures. One virtual clock can
 * drive a client and an embedded router.
 *
 * @example A clock that counts the timers it sets
 * ```ts
 * import { type Clock, connect } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * let timers = 0;
 * const clock: Clock = {
 *   setTimeout: (fn, ms) => (timers++, setTimeout(fn, ms)),
 *   clearTimeout: (id) => clearTimeout(id as number),
 * };
 * const router = new Router();
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 *   clock,
 * });
 * assert.equal(timers, 1); // the handshake timeout
 * await session.leave();
 * await router.close();
 * ```
 */
export interface Clock {
  /**
   * Calls `fn` once after `ms` milliseconds.
   *
   * @param fn The callback.
   * @param ms The delay.
   * @returns A handle for `clearTimeout`.
   */
  setTimeout(fn: () => void, ms: number): unknown;
  /**
   * Cancels a timer (a handle of undefined does nothing).
   *
   * @param id The handle.
   */
  clearTimeout(id: unknown): void;
}

/** The runtime's own timers. */
export const systemClock: Clock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as number),
};
