/**
 * The promise a call returns: a native Promise with progressive results.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";

/** How a call is canceled: see the call canceling feature. */
export type CancelMode = "skip" | "kill" | "killnowait";

/** Receives one progressive result and the RESULT details. */
export type ProgressHandler = (value: unknown, details: Dict) => void;

/** A call promise and the functions that drive it (the caller's side). */
export interface CallControl<T> {
  /** The promise handed to the application. */
  promise: CallPromise<T>;
  /** Settles it with the final value. */
  resolve: (value: T) => void;
  /** Settles it with an error. */
  reject: (reason: unknown) => void;
  /** Delivers one progressive result. */
  progress: (value: unknown, details: Dict) => void;
}

let control: <T>(cancel: (mode: CancelMode) => void) => CallControl<T>;

/**
 * Creates a call promise with its controls: for the session's caller role,
 * not exported from the package.
 *
 * @example Usage
 * ```ts
 * import { createCallPromise } from "./call_promise.ts";
 * import assert from "node:assert/strict";
 *
 * const { promise, progress, resolve } = createCallPromise<number>(() => {});
 * const seen: unknown[] = [];
 * promise.onProgress((v) => seen.push(v));
 * progress(1, { progress: true });
 * resolve(2);
 * assert.equal(await promise, 2);
 * assert.deepEqual(seen, [1]);
 * ```
 *
 * @typeParam T The final value's type.
 * @param cancel Called by `cancel(mode)`.
 * @returns The promise and the functions that drive it.
 */
export function createCallPromise<T = unknown>(
  cancel: (mode: CancelMode) => void,
): CallControl<T> {
  return control<T>(cancel);
}

/**
 * The promise `session.call()` returns. It is a native `Promise` (derived
 * promises from `.then` are plain Promises) with:
 *
 * - `.then(onFinal, onError, onProgress)`: the Autobahn|JS form, the third
 *   callback receiving each progressive result;
 * - `.onProgress(fn)`: the same, chainable;
 * - `for await (const chunk of call)`: iterates the progressive results and
 *   ends when the call ends (the final value stays with `await call`);
 * - `.cancel(mode)`: cancels the call.
 *
 * Progressive results are only sent when the call asked for them with
 * `receive_progress: true` (or an `onProgress` option).
 *
 * @example Usage
 * ```ts ignore
 * import { connect } from "@wampkit/wamp";
 *
 * const session = await connect({ url: "ws://127.0.0.1:8080/ws", realm: "realm1" });
 * const call = session.call<number>("com.myapp.longop", [3], {}, { receive_progress: true });
 * call.onProgress((value) => console.log("progress", value));
 * console.log("final", await call);
 * ```
 *
 * @typeParam T The final value's type.
 */
export class CallPromise<T = unknown> extends Promise<T> {
  #handlers: ProgressHandler[] = [];
  #cancel: (mode: CancelMode) => void = () => {};

  /**
   * The species is the plain Promise: `.then`, `.catch` and `.finally`
   * return ordinary promises.
   *
   * @returns The Promise constructor.
   */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  static {
    control = <T>(cancel: (mode: CancelMode) => void): CallControl<T> => {
      let resolve!: (value: T) => void;
      let reject!: (reason: unknown) => void;
      const promise = new CallPromise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.#cancel = cancel;
      return {
        promise,
        resolve,
        reject,
        progress: (value, details) => {
          for (const handler of promise.#handlers) handler(value, details);
        },
      };
    };
  }

  /**
   * Attaches callbacks; the third one receives progressive results, as in
   * Autobahn|JS.
   *
   * @typeParam R1 Type the fulfilment callback returns.
   * @typeParam R2 Type the rejection callback returns.
   * @param onfulfilled Receives the final value.
   * @param onrejected Receives the error.
   * @param onprogress Receives each progressive result.
   * @returns A plain Promise.
   */
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
    onprogress?: ProgressHandler | null,
  ): Promise<R1 | R2> {
    if (onprogress) this.#handlers.push(onprogress);
    return super.then(onfulfilled, onrejected);
  }

  /**
   * Adds a progressive result handler.
   *
   * @param handler Receives each progressive result and its details.
   * @returns This promise, for chaining.
   */
  onProgress(handler: ProgressHandler): this {
    this.#handlers.push(handler);
    return this;
  }

  /**
   * Cancels the call: sends CANCEL with the mode (when the router supports
   * call canceling) and rejects at once with `wamp.error.canceled`. A later
   * RESULT or ERROR for the call is dropped.
   *
   * @param mode `kill` (default), `killnowait` or `skip`.
   */
  cancel(mode: CancelMode = "kill"): void {
    this.#cancel(mode);
  }

  /**
   * Iterates the progressive results; ends when the call ends, and throws
   * the call's error if it fails.
   *
   * @returns An async iterator of progressive results.
   */
  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const queue: unknown[] = [];
    let done = false;
    let failed = false;
    let error: unknown;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    this.#handlers.push((value) => {
      queue.push(value);
      notify();
    });
    super.then(() => {
      done = true;
      notify();
    }, (err) => {
      done = true;
      failed = true;
      error = err;
      notify();
    });
    return {
      next: async (): Promise<IteratorResult<unknown>> => {
        for (;;) {
          if (queue.length > 0) return { value: queue.shift(), done: false };
          if (done) {
            if (failed) {
              failed = false;
              throw error;
            }
            return { value: undefined, done: true };
          }
          await new Promise<void>((r) => wake = r);
        }
      },
      return: (): Promise<IteratorResult<unknown>> => {
        done = true;
        queue.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
