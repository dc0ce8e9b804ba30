/**
 * WAMP IDs: global-scope random IDs and session-scope request IDs.
 *
 * @module
 */

import { MAX_ID } from "./_checks.ts";

const BATCH = 128;
const pool = new Uint32Array(BATCH * 2);
let next = pool.length;

/**
 * A global-scope ID: uniformly random over [1, 2^53], from
 * `crypto.getRandomValues`. Used for session and publication IDs.
 *
 * @example Usage
 * ```ts
 * import { randomId } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const id = randomId();
 * assert.ok(Number.isInteger(id) && id >= 1 && id <= 2 ** 53);
 * ```
 *
 * @returns A random ID.
 */
export function randomId(): number {
  if (next >= pool.length) {
    crypto.getRandomValues(pool);
    next = 0;
  }
  // 21 high bits and 32 low bits: 53 uniform bits, 0 .. 2^53 - 1.
  const high = pool[next++]! & 0x1fffff;
  const low = pool[next++]!;
  return high * 0x100000000 + low + 1;
}

/**
 * Session-scope request IDs: 1, 2, 3 … and after 2^53 back to 1. Each
 * direction of a session has its own generator.
 *
 * @example Usage
 * ```ts
 * import { IdGenerator } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const ids = new IdGenerator();
 * assert.equal(ids.next(), 1);
 * assert.equal(ids.next(), 2);
 * ```
 */
export class IdGenerator {
  #last: number;

  /**
   * Creates a generator.
   *
   * @param last The ID issued last; the next one is `last + 1`.
   */
  constructor(last = 0) {
    this.#last = last;
  }

  /**
   * The ID issued last, 0 before the first.
   *
   * @returns The last ID.
   */
  get last(): number {
    return this.#last;
  }

  /**
   * The ID {@linkcode IdGenerator.next} will issue, without issuing it: a
   * sender uses it to build a message and issues it once the message is
   * really sent, so a message that fails to encode leaves no gap.
   *
   * @returns The next ID.
   */
  peek(): number {
    return this.#last >= MAX_ID ? 1 : this.#last + 1;
  }

  /**
   * Issues the next ID.
   *
   * @returns The next ID.
   */
  next(): number {
    this.#last = this.peek();
    return this.#last;
  }
}
