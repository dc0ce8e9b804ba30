/**
 * Requests a client session sends and the answers it waits for: request
 * ids, the pending request maps of every role, and rejecting them all when
 * the session ends.
 *
 * @module
 */

import { IdGenerator } from "../protocol/ids.ts";
import type { Dict, Message } from "../protocol/messages.ts";
import { SessionClosedError } from "./session_closed_error.ts";

/** The two ends of a promise a request settles. */
export interface Pending<T> {
  /** Settles the request with its answer. */
  resolve(value: T): void;
  /** Fails the request. */
  reject(reason: unknown): void;
}

/** What {@linkcode Requests} needs from its session. */
export interface RequestsContext {
  /**
   * Serializes and sends a message; throws when it cannot be encoded.
   *
   * @param message The message.
   */
  send(message: Message): void;
  /**
   * Notes an answer to a request this session does not know: routers answer
   * late after a local cancel or timeout, and some answer twice.
   *
   * @param requestId The request id of the answer.
   * @param what The kind of answer, for the debug trace.
   */
  dropped(requestId: number, what: string): void;
}

interface Tracked {
  readonly map: Map<number, Pending<never>>;
  readonly settle: ((pending: never) => void) | undefined;
}

/**
 * Request ids and the pending requests of one session. Each role keeps its
 * own map (made by {@linkcode Requests.map}); {@linkcode Requests.rejectAll}
 * empties them all, in the order they were made.
 *
 * @example A request, its answer, and the end of the session
 * ```ts
 * import { type Pending, Requests } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const sent: unknown[] = [];
 * const requests = new Requests({ send: (m) => sent.push(m), dropped() {} });
 * const subscribing = requests.map<Pending<number>>();
 * const a = Promise.withResolvers<number>();
 * requests.submit(subscribing, {
 *   type: 32,
 *   requestId: requests.next,
 *   options: {},
 *   topic: "com.t",
 * }, a);
 * requests.take(subscribing, 1, "SUBSCRIBED")?.resolve(5);
 * assert.equal(await a.promise, 5);
 * const b = Promise.withResolvers<number>();
 * requests.submit(subscribing, {
 *   type: 32,
 *   requestId: requests.next,
 *   options: {},
 *   topic: "com.u",
 * }, b);
 * requests.rejectAll(new Error("Session closed"));
 * await assert.rejects(b.promise, /Session closed/);
 * ```
 */
export class Requests {
  #ids = new IdGenerator();
  #ctx: RequestsContext;
  #tracked: Tracked[] = [];

  /**
   * Creates the request table of a session.
   *
   * @param ctx How to send and where dropped answers go.
   */
  constructor(ctx: RequestsContext) {
    this.#ctx = ctx;
  }

  /**
   * The request id the next request gets.
   *
   * @returns The id.
   */
  get next(): number {
    return this.#ids.peek();
  }

  /**
   * Sends a request built with {@linkcode Requests.next} as its id. The id
   * is used up only once the message has been encoded, so a request that
   * cannot be encoded leaves no gap in the sequence a strict router checks.
   *
   * @param message The request.
   * @returns Its request id.
   */
  send(message: Message): number {
    this.#ctx.send(message);
    return this.#ids.next();
  }

  /**
   * Sends a request and files `pending` under its id; when it cannot be
   * sent, rejects `pending` instead.
   *
   * @typeParam P The pending entry.
   * @param map Where the entry waits for its answer.
   * @param message The request, built with {@linkcode Requests.next}.
   * @param pending The entry.
   */
  submit<P extends Pending<never>>(
    map: Map<number, P>,
    message: Message,
    pending: P,
  ): void {
    let id: number;
    try {
      id = this.send(message);
    } catch (err) {
      pending.reject(err);
      return;
    }
    map.set(id, pending);
  }

  /**
   * A new map of pending requests, emptied by {@linkcode Requests.rejectAll}.
   *
   * @typeParam P The pending entry.
   * @param settle Called for each entry before it is rejected.
   * @returns The map.
   */
  map<P extends Pending<never>>(
    settle?: (pending: P) => void,
  ): Map<number, P> {
    const map = new Map<number, P>();
    this.#tracked.push({
      map: map as Map<number, Pending<never>>,
      settle: settle as ((pending: never) => void) | undefined,
    });
    return map;
  }

  /**
   * Takes the entry waiting for an answer out of its map; an answer nobody
   * waits for is dropped.
   *
   * @typeParam P The pending entry.
   * @param map The map.
   * @param requestId The request id of the answer.
   * @param what The kind of answer, for the debug trace.
   * @returns The entry, or undefined.
   */
  take<P>(
    map: Map<number, P>,
    requestId: number,
    what: string,
  ): P | undefined {
    const pending = map.get(requestId);
    if (pending === undefined) return this.dropped(requestId, what);
    map.delete(requestId);
    return pending;
  }

  /**
   * Drops an answer nobody waits for (see
   * {@linkcode RequestsContext.dropped}).
   *
   * @param requestId The request id of the answer.
   * @param what The kind of answer, for the debug trace.
   * @returns Nothing.
   */
  dropped(requestId: number, what: string): undefined {
    this.#ctx.dropped(requestId, what);
    return undefined;
  }

  /**
   * Rejects the request an ERROR answers.
   *
   * @typeParam P The pending entry.
   * @param map The map it waits in.
   * @param requestId The request id.
   * @param error The error.
   */
  fail<P extends Pending<never>>(
    map: Map<number, P>,
    requestId: number,
    error: unknown,
  ): void {
    this.take(map, requestId, "ERROR")?.reject(error);
  }

  /**
   * Rejects every pending request of every map, and empties them.
   *
   * @param error The reason.
   */
  rejectAll(error: unknown): void {
    for (const { map, settle } of this.#tracked) {
      for (const pending of map.values()) {
        settle?.(pending as never);
        pending.reject(error);
      }
      map.clear();
    }
  }
}

/**
 * A copy of a dict without its undefined values: the options that go on
 * the wire.
 *
 * @param dict The dict.
 * @returns The copy.
 */
export function withoutUndefined(dict: Dict): Dict {
  const out: Dict = {};
  for (const key in dict) if (dict[key] !== undefined) out[key] = dict[key];
  return out;
}

/**
 * The error of a request made while the session is not open.
 *
 * @returns A {@linkcode SessionClosedError} `wamp.error.session_not_open`.
 */
export function notOpen(): SessionClosedError {
  return new SessionClosedError(
    "wamp.error.session_not_open",
    "Session is not open",
  );
}
