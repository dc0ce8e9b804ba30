/**
 * The caller role of a client session: CALL, progressive results, call
 * timeouts and canceling.
 *
 * @module
 */

import * as M from "../protocol/_codes.ts";
import type { Dict, Message, ResultMessage } from "../protocol/messages.ts";
import * as ErrorUri from "../protocol/_uris.ts";
import { WampError } from "../protocol/wamp_error.ts";
import {
  type CallPromise,
  type CancelMode,
  createCallPromise,
} from "./call_promise.ts";
import { type Clock, MAX_TIMER_DELAY } from "../transports/clock.ts";
import type { Pending, Requests } from "./requests.ts";
import { unwrapResult } from "./result.ts";
import type { CallOptions } from "./types.ts";

/** What the caller needs from its session. */
export interface CallerContext {
  /** Timers for call timeouts. */
  readonly clock: Clock;
  /**
   * Sends a message that is not a new request (CANCEL).
   *
   * @param message The message.
   */
  send(message: Message): void;
  /**
   * The full URI of a procedure; throws when the session is not open or the
   * URI is invalid.
   *
   * @param uri A URI or CURIE.
   * @param what What it names, for the error.
   * @returns The full URI.
   */
  target(uri: string, what: "procedure"): string;
  /**
   * Whether the session is established.
   *
   * @returns True while established.
   */
  isOpen(): boolean;
  /**
   * Whether the router's dealer announced call canceling.
   *
   * @returns True if CANCEL may be sent.
   */
  canCancel(): boolean;
  /**
   * Reports an error thrown by application code.
   *
   * @param error The error.
   * @param where Which callback threw.
   */
  userError(error: unknown, where: string): void;
}

interface PendingCall extends Pending<unknown> {
  progress: (value: unknown, details: Dict) => void;
  receiveProgress: boolean;
  timeout: number;
  timer?: unknown;
  cleanup?: () => void;
}

/** The options that are not sent in CALL.Options as given. */
const LOCAL_KEYS: ReadonlySet<string> = new Set([
  "signal",
  "onProgress",
  "cancelMode",
  "receive_progress",
  "timeout",
]);

/**
 * The calls of one session, from CALL until RESULT or ERROR, a cancel, a
 * timeout or the end of the session.
 *
 * @example A call and its RESULT, without a session
 * ```ts
 * import { Caller } from "./caller.ts";
 * import { systemClock } from "../transports/clock.ts";
 * import { Requests } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const sent: unknown[] = [];
 * const send = (m: unknown) => void sent.push(m);
 * const requests = new Requests({ send, dropped() {} });
 * const caller = new Caller({
 *   clock: systemClock,
 *   send,
 *   target: (uri) => uri,
 *   isOpen: () => true,
 *   canCancel: () => true,
 *   userError() {},
 * }, requests);
 * const call = caller.call<number>("com.add2", [2, 3], undefined, {});
 * caller.result({ type: 50, requestId: 1, details: {}, args: [5] });
 * assert.equal(await call, 5);
 * ```
 */
export class Caller {
  #ctx: CallerContext;
  #requests: Requests;
  #calls: Map<number, PendingCall>;

  /**
   * Creates the caller role of a session.
   *
   * @param ctx What it needs from the session.
   * @param requests The session's requests.
   */
  constructor(ctx: CallerContext, requests: Requests) {
    this.#ctx = ctx;
    this.#requests = requests;
    this.#calls = requests.map<PendingCall>((pending) => this.#settle(pending));
  }

  /**
   * Calls a procedure; see `Session.call`.
   *
   * @typeParam T The result type.
   * @param procedure The procedure URI or CURIE.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments.
   * @param options Call options.
   * @returns The call promise.
   */
  call<T>(
    procedure: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    options: CallOptions,
  ): CallPromise<T> {
    let id = 0;
    const control = createCallPromise<T>((mode) =>
      this.#cancel(id, mode, ErrorUri.CANCELED, "Call canceled")
    );
    let uri: string;
    try {
      uri = this.#ctx.target(procedure, "procedure");
    } catch (err) {
      control.reject(err);
      return control.promise;
    }
    const { signal, onProgress, timeout } = options;
    if (signal?.aborted) {
      control.reject(new WampError(ErrorUri.CANCELED, ["Call canceled"]));
      return control.promise;
    }
    const wantProgress = options.receive_progress === true ||
      onProgress !== undefined;
    const wire: Dict = {};
    for (const key in options) {
      const value = (options as Dict)[key];
      if (
        value !== undefined && !LOCAL_KEYS.has(key) &&
        Object.hasOwn(options, key)
      ) wire[key] = value;
    }
    if (wantProgress) wire.receive_progress = true;
    if (typeof timeout === "number" && timeout > 0) wire.timeout = timeout;
    if (onProgress) control.promise.onProgress(onProgress);
    const requests = this.#requests;
    try {
      id = requests.send({
        type: M.CALL,
        requestId: requests.next,
        options: wire,
        procedure: uri,
        args,
        kwargs,
      });
    } catch (err) {
      control.reject(err);
      return control.promise;
    }
    const pending: PendingCall = {
      resolve: control.resolve as (value: unknown) => void,
      reject: control.reject,
      progress: control.progress,
      receiveProgress: wantProgress,
      timeout: typeof timeout === "number" ? timeout : 0,
    };
    this.#calls.set(id, pending);
    if (pending.timeout > 0) this.#armTimeout(id, pending);
    if (signal) {
      const cancelMode = options.cancelMode ?? "kill";
      const onAbort = () =>
        this.#cancel(id, cancelMode, ErrorUri.CANCELED, "Call canceled");
      signal.addEventListener("abort", onAbort, { once: true });
      pending.cleanup = () => signal.removeEventListener("abort", onAbort);
    }
    return control.promise;
  }

  /**
   * A RESULT: a progressive result, or the end of the call.
   *
   * @param msg The message.
   */
  result(msg: ResultMessage): void {
    const pending = this.#calls.get(msg.requestId);
    if (pending === undefined) {
      return this.#requests.dropped(msg.requestId, "RESULT");
    }
    const value = unwrapResult(msg.args, msg.kwargs);
    if (msg.details.progress === true) {
      if (!pending.receiveProgress) return;
      if (pending.timeout > 0) this.#armTimeout(msg.requestId, pending);
      try {
        pending.progress(value, msg.details);
      } catch (err) {
        this.#ctx.userError(err, "progress handler");
      }
      return;
    }
    this.#calls.delete(msg.requestId);
    this.#settle(pending);
    pending.resolve(value);
  }

  /**
   * An ERROR for a CALL.
   *
   * @param requestId The CALL request id.
   * @param error The error.
   */
  failed(requestId: number, error: WampError): void {
    const pending = this.#requests.take(
      this.#calls,
      requestId,
      "ERROR for CALL",
    );
    if (pending === undefined) return;
    this.#settle(pending);
    pending.reject(error);
  }

  #armTimeout(id: number, pending: PendingCall): void {
    const clock = this.#ctx.clock;
    clock.clearTimeout(pending.timer);
    // setTimeout fires at once for delays above MAX_TIMER_DELAY: wait in steps.
    const wait = (left: number) => {
      pending.timer = clock.setTimeout(() => {
        if (left > MAX_TIMER_DELAY) return wait(left - MAX_TIMER_DELAY);
        this.#cancel(
          id,
          "killnowait",
          ErrorUri.TIMEOUT,
          `Call timed out after ${pending.timeout} ms`,
        );
      }, Math.min(left, MAX_TIMER_DELAY));
    };
    wait(pending.timeout);
  }

  #cancel(id: number, mode: CancelMode, uri: string, text: string): void {
    const pending = this.#calls.get(id);
    if (pending === undefined) return;
    this.#calls.delete(id);
    this.#settle(pending);
    if (this.#ctx.isOpen() && this.#ctx.canCancel()) {
      this.#ctx.send({ type: M.CANCEL, requestId: id, options: { mode } });
    }
    pending.reject(new WampError(uri, [text]));
  }

  #settle(pending: PendingCall): void {
    this.#ctx.clock.clearTimeout(pending.timer);
    pending.cleanup?.();
  }
}
