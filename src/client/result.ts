/**
 * Value objects of the client API: results, subscriptions, registrations,
 * publications.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";

/**
 * A call result with several values: positional `args` and keyword
 * `kwargs`. Callee endpoints return one to send both; callers get one when
 * a result holds more than a single positional value.
 *
 * @example Usage
 * ```ts
 * import { Result } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const r = new Result([1, 2], { sum: 3 });
 * assert.deepEqual(r.args, [1, 2]);
 * assert.equal(r.kwargs.sum, 3);
 * ```
 */
export class Result {
  /** Positional values. */
  args: unknown[];
  /** Keyword values. */
  kwargs: Dict;

  /**
   * Creates a result.
   *
   * @param args Positional values.
   * @param kwargs Keyword values.
   */
  constructor(args: unknown[] = [], kwargs: Dict = {}) {
    this.args = args;
    this.kwargs = kwargs;
  }
}

/**
 * What a call resolves to: nothing for an empty result, the value itself for
 * a single positional value, else a {@linkcode Result}.
 *
 * @example Usage
 * ```ts
 * import { Result, unwrapResult } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(unwrapResult([5], undefined), 5);
 * assert.ok(unwrapResult([1, 2], undefined) instanceof Result);
 * assert.equal(unwrapResult(undefined, undefined), undefined);
 * ```
 *
 * @param args Positional values, if any.
 * @param kwargs Keyword values, if any.
 * @returns The unwrapped value.
 */
export function unwrapResult(
  args: unknown[] | undefined,
  kwargs: Dict | undefined,
): unknown {
  let hasKw = false;
  if (kwargs !== undefined) { for (const _ in kwargs) hasKw = true; }
  if (!hasKw) {
    if (args === undefined || args.length === 0) return undefined;
    if (args.length === 1) return args[0];
  }
  return new Result(args ?? [], kwargs ?? {});
}

/** An acknowledged publication. */
export class Publication {
  /** The publication id the broker gave. */
  readonly id: number;

  /**
   * Creates a publication record.
   *
   * @param id The publication id.
   */
  constructor(id: number) {
    this.id = id;
  }
}
