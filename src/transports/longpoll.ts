/**
 * The HTTP long-poll transport of the WAMP spec, for clients, over nothing
 * but the web-standard `fetch`, `AbortController` and `TextEncoder`: it runs
 * in Deno, Bun, Node, Workers and browsers, where a WebSocket cannot be
 * opened (proxies that refuse upgrades, some serverless platforms).
 *
 * The exchange: `POST <url>/open` with `{"protocols": [...]}` answers
 * `{"transport": id, "protocol": p}`; then `POST <url>/<id>/send` carries
 * one message per request (in order, one request at a time),
 * `POST <url>/<id>/receive` is held by the router until a message is
 * waiting and answers one, and `POST <url>/<id>/close` ends the transport.
 *
 * @module
 */

import { Inbox } from "./_base.ts";
import { isTextProtocol, mediaType } from "./_media_type.ts";
import { openError } from "./_open_error.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "./transport.ts";
import { TransportError } from "./transport_error.ts";

/** The part of the web-standard `fetch` the long-poll transport uses. */
export type FetchLike = (
  input: string,
  init: RequestInit,
) => Promise<Response>;

/** Options for {@linkcode connectLongPoll}. */
export interface LongPollConnectOptions {
  /** Subprotocols to offer at `open`, in order of preference. */
  protocols: string[];
  /**
   * The `fetch` to use (tests pass a scripted one).
   *
   * @default {globalThis.fetch}
   */
  fetch?: FetchLike;
  /**
   * Milliseconds the `open` request, each `send` and the `close` may take
   * before they are given up.
   *
   * @default {10000}
   */
  timeout?: number;
  /**
   * Milliseconds a `receive` may go unanswered before it is abandoned and
   * sent again. Routers that answer an idle receive themselves (wampkit's
   * after 10 s) never reach it; for routers that hold it forever (Crossbar)
   * the fresh request also tells the router that the client is still
   * there. 0 waits forever.
   *
   * @default {25000}
   */
  receiveTimeout?: number;
  /**
   * Failed `receive` requests in a row (network error, HTTP 408, 429 or
   * 5xx) that are sent again, after 100, 200, 400 … ms, before the
   * transport counts as lost.
   *
   * @default {4}
   */
  receiveRetries?: number;
}

const MAX_DELAY = 2 ** 31 - 1;
const encoder = new TextEncoder();

/** A request's signal: aborted by its parent or after `ms` (0: never). */
class Deadline {
  readonly signal: AbortSignal;
  #controller = new AbortController();
  #parent: AbortSignal;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timedOut = false;
  #onAbort = () => this.#controller.abort(this.#parent.reason);

  constructor(parent: AbortSignal, ms: number) {
    this.signal = this.#controller.signal;
    this.#parent = parent;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener("abort", this.#onAbort, { once: true });
    if (ms > 0) {
      this.#timer = setTimeout(() => {
        this.#timedOut = true;
        this.#controller.abort(
          new DOMException("The request timed out", "TimeoutError"),
        );
      }, Math.min(ms, MAX_DELAY));
    }
  }

  /** Whether the time ran out (rather than the parent aborting). */
  get timedOut(): boolean {
    return this.#timedOut;
  }

  /** The request is over: stop the timer and the parent link. */
  done(): void {
    clearTimeout(this.#timer);
    this.#parent.removeEventListener("abort", this.#onAbort);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // nothing to free
  }
}

async function statusText(response: Response): Promise<string> {
  try {
    return (await response.text()).trim().slice(0, 300);
  } catch {
    return "";
  }
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

class LongPollTransport implements Transport {
  readonly info: TransportInfo;
  #fetch: FetchLike;
  #base: string;
  #text: boolean;
  #contentType: string;
  #timeout: number;
  #receiveTimeout: number;
  #retries: number;
  #inbox = new Inbox();
  #state: "open" | "closing" | "closed" = "open";
  // Aborts every request: the transport closed or was lost.
  #stop = new AbortController();
  // Aborts the receive loop only (close() lets sends finish first).
  #stopReceiving = new AbortController();
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #sending: Promise<void> | undefined;

  constructor(
    fetch: FetchLike,
    url: string,
    id: string,
    protocol: string,
    options: LongPollConnectOptions,
  ) {
    this.#fetch = fetch;
    this.#base = `${url}/${encodeURIComponent(id)}`;
    this.#text = isTextProtocol(protocol);
    this.#contentType = mediaType(protocol);
    this.#timeout = options.timeout ?? 10000;
    this.#receiveTimeout = options.receiveTimeout ?? 25000;
    this.#retries = options.receiveRetries ?? 4;
    this.info = { type: "longpoll", url, protocol };
    void this.#receiveLoop();
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** Bytes of frames sent and not yet accepted by the router. */
  get bufferedAmount(): number {
    return this.#queuedBytes;
  }

  send(frame: Frame): void {
    if (this.#state !== "open") return;
    const bytes = typeof frame === "string" ? encoder.encode(frame) : frame;
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.byteLength;
    this.#sending ??= this.#sendLoop();
  }

  close(code = 1000, reason = ""): void {
    if (this.#state !== "open") return;
    this.#state = "closing";
    this.#stopReceiving.abort();
    void this.#closeAfterSends({ code, reason, wasClean: true });
  }

  listen(handlers: TransportHandlers): void {
    this.#inbox.listen(handlers);
  }

  #post(
    action: string,
    signal: AbortSignal,
    body?: Uint8Array,
  ): Promise<Response> {
    const init: RequestInit = { method: "POST", signal };
    if (body !== undefined) {
      init.body = body as Uint8Array<ArrayBuffer>;
      init.headers = { "content-type": this.#contentType };
    }
    return this.#fetch(`${this.#base}/${action}`, init);
  }

  // Sends go one at a time, in order: two requests in flight could reach
  // the router in either order.
  async #sendLoop(): Promise<void> {
    while (this.#queue.length > 0 && this.#state !== "closed") {
      const frame = this.#queue[0]!;
      const deadline = new Deadline(this.#stop.signal, this.#timeout);
      let failure: string | undefined;
      try {
        const response = await this.#post("send", deadline.signal, frame);
        if (response.status === 404 || response.status === 410) {
          // The router has closed the transport: what it sent before is
          // still to be received, so the receive loop reports the close.
          await discard(response);
          this.#dropQueue();
          break;
        }
        if (!response.ok) {
          failure = `HTTP ${response.status} ${await statusText(response)}`;
        } else await discard(response);
      } catch (err) {
        failure = deadline.timedOut ? "timed out" : String(err);
      } finally {
        deadline.done();
      }
      // close() or a lost receive may have ended the transport meanwhile.
      if ((this.#state as string) === "closed") break;
      if (failure !== undefined) {
        this.#lost(`Long-poll send failed: ${failure}`);
        break;
      }
      this.#queue.shift();
      this.#queuedBytes -= frame.byteLength;
    }
    this.#sending = undefined;
  }

  #dropQueue(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  async #receiveLoop(): Promise<void> {
    let failures = 0;
    const stop = this.#stopReceiving.signal;
    while (this.#state === "open") {
      const deadline = new Deadline(stop, this.#receiveTimeout);
      let status = 0;
      let body: Frame = "";
      let failure: string | undefined;
      try {
        const response = await this.#post("receive", deadline.signal);
        status = response.status;
        if (response.ok) {
          body = this.#text
            ? await response.text()
            : new Uint8Array(await response.arrayBuffer());
        } else body = await statusText(response);
      } catch (err) {
        // Past receiveTimeout the router is holding the request: poll again.
        if (deadline.timedOut) continue;
        failure = String(err);
      } finally {
        deadline.done();
      }
      if (this.#state !== "open") return;
      if (failure === undefined) {
        if (status >= 200 && status < 300) {
          failures = 0;
          if (body.length > 0) this.#inbox.message(body);
          continue;
        }
        if (status === 404 || status === 410) {
          this.#ended({
            code: 1000,
            reason: (body as string) || "Transport closed by the router",
            wasClean: true,
          });
          return;
        }
        failure = `HTTP ${status}${body ? ` ${body}` : ""}`;
        if (!retryable(status)) {
          this.#lost(`Long-poll receive failed: ${failure}`);
          return;
        }
      }
      failures++;
      if (failures > this.#retries) {
        this.#lost(
          `Long-poll receive failed ${failures} times in a row: ${failure}`,
        );
        return;
      }
      await sleep(Math.min(100 * 2 ** (failures - 1), 2000), stop);
    }
  }

  async #closeAfterSends(info: CloseInfo): Promise<void> {
    while (this.#sending) await this.#sending;
    if (this.#state === "closed") return;
    const deadline = new Deadline(this.#stop.signal, this.#timeout);
    try {
      await discard(await this.#post("close", deadline.signal));
    } catch {
      // the router forgets an idle transport anyway
    } finally {
      deadline.done();
    }
    this.#ended(info);
  }

  #lost(reason: string): void {
    this.#ended({ code: 1006, reason, wasClean: false });
  }

  #ended(info: CloseInfo): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#stopReceiving.abort();
    this.#stop.abort();
    this.#dropQueue();
    this.#inbox.close(info);
  }
}

function openUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new TypeError(`Long-poll needs an http or https URL, got ${url}`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
}

/**
 * Opens an HTTP long-poll transport to a WAMP router: `POST <url>/open`
 * offers the subprotocols (the router picks one, and with it the body
 * format: JSON text, or `application/x-msgpack` and `application/cbor`
 * bytes), then a receive loop polls `<url>/<id>/receive`. A receive that
 * fails (network error, HTTP 408, 429 or 5xx) is sent again a few times
 * with a growing pause before the transport counts as lost (close code
 * 1006); a 404 on receive means the router closed the transport. Every
 * request carries an `AbortSignal`; `close()` aborts the pending receive,
 * lets queued sends finish and sends `<url>/<id>/close`.
 *
 * Fails with {@linkcode TransportError} when the router cannot be reached,
 * answers `open` with an error (`unsupported` is true for HTTP 400, the
 * answer to offers it does not serve), picks a subprotocol not offered, or
 * when the runtime lacks the permission to connect (`denied`).
 *
 * @example Usage
 * ```ts ignore
 * import { connectLongPoll } from "@wampkit/wamp";
 *
 * const transport = await connectLongPoll("http://127.0.0.1:8080/lp", {
 *   protocols: ["wamp.2.json"],
 * });
 * ```
 *
 * @example A scripted fetch
 * ```ts
 * import { connectLongPoll } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const paths: string[] = [];
 * const transport = await connectLongPoll("http://router.test/lp", {
 *   protocols: ["wamp.2.json"],
 *   fetch: (url, init) => {
 *     paths.push(new URL(url).pathname);
 *     if (url.endsWith("/open")) {
 *       return Promise.resolve(Response.json({ transport: "t1", protocol: "wamp.2.json" }));
 *     }
 *     if (url.endsWith("/receive")) {
 *       return new Promise((_, reject) =>
 *         init.signal!.addEventListener("abort", () => reject(init.signal!.reason))
 *       );
 *     }
 *     return Promise.resolve(new Response(null, { status: 204 }));
 *   },
 * });
 * assert.equal(transport.info.type, "longpoll");
 * const closed = new Promise((resolve) => transport.listen({ message() {}, close: resolve }));
 * transport.close();
 * await closed;
 * assert.deepEqual(paths, ["/lp/open", "/lp/t1/receive", "/lp/t1/close"]);
 * ```
 *
 * @param url The long-poll base URL, such as `http://127.0.0.1:8080/lp`.
 * @param options Subprotocols, `fetch`, timeouts and receive retries.
 * @returns The open transport.
 */
export async function connectLongPoll(
  url: string,
  options: LongPollConnectOptions,
): Promise<Transport> {
  const fetch: FetchLike = options.fetch ??
    ((input, init) => globalThis.fetch(input, init));
  let base: string;
  try {
    base = openUrl(url);
  } catch (err) {
    throw new TransportError(`Cannot open ${url}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const deadline = new Deadline(
    new AbortController().signal,
    options.timeout ?? 10000,
  );
  let response: Response;
  let answer: unknown;
  try {
    response = await fetch(`${base}/open`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ protocols: options.protocols }),
      signal: deadline.signal,
    });
    if (!response.ok) {
      const text = await statusText(response);
      throw new TransportError(
        `${url} refused to open a long-poll transport: HTTP ${response.status}${
          text ? ` ${text}` : ""
        }`,
        { unsupported: response.status === 400 },
      );
    }
    answer = await response.json();
  } catch (err) {
    if (err instanceof TransportError) throw err;
    if (deadline.timedOut) {
      throw new TransportError(`Timed out opening ${url}`, { cause: err });
    }
    throw openError(url, err);
  } finally {
    deadline.done();
  }
  const { transport, protocol } = (answer ?? {}) as {
    transport?: unknown;
    protocol?: unknown;
  };
  if (typeof transport !== "string" || transport.length === 0) {
    throw new TransportError(`${url} answered open without a transport id`);
  }
  if (typeof protocol !== "string" || !options.protocols.includes(protocol)) {
    throw new TransportError(
      `${url} agreed on no offered subprotocol (${
        options.protocols.join(", ")
      })`,
      { unsupported: true },
    );
  }
  return new LongPollTransport(fetch, base, transport, protocol, options);
}
