/**
 * The HTTP long-poll transport of the WAMP spec, for the router: a
 * web-standard `Request` → `Response` handler that any runtime adapter
 * mounts beside its WebSocket path.
 *
 * @module
 */

import { Inbox } from "../transports/_base.ts";
import { isTextProtocol, mediaType } from "../transports/_media_type.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "../transports/transport.ts";
import { type Clock, MAX_TIMER_DELAY } from "../transports/clock.ts";
import { type Router, routerHost } from "./router.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** Options of {@linkcode longPollHandler}. */
export interface LongPollOptions {
  /**
   * The base path: `<path>/open`, `<path>/<id>/send`, `<path>/<id>/receive`
   * and `<path>/<id>/close` are served.
   *
   * @default {"/lp"}
   */
  path?: string;
  /**
   * Milliseconds a `receive` is held when nothing is waiting for the
   * client; then it is answered with 204 and the client polls again. The
   * default stays below Autobahn|JS's request timeout (12 s), after which
   * it would close the transport, and below common proxy timeouts.
   *
   * @default {10000}
   */
  pollTimeout?: number;
  /**
   * Milliseconds a transport may go without a request (none held, none
   * arriving) before it is closed, and its session with it.
   *
   * @default {30000}
   */
  idleTimeout?: number;
  /**
   * Watch each held `receive`'s `request.signal`, so that frames for a
   * client that gave up on the request (its connection dropped) wait for
   * its next `receive` instead of going to a closed connection. The Deno
   * adapter turns it off: `Deno.serve` warns once when `request.signal` is
   * read, as that signal also aborts after every successful response
   * unless Deno runs with `--unstable-no-legacy-abort`. A newer `receive`
   * always replaces a held one.
   *
   * @default {true}
   */
  watchDisconnects?: boolean;
}

/** A long-poll request handler, from {@linkcode longPollHandler}. */
export interface LongPollHandler {
  /**
   * Answers a request under the long-poll path; undefined for any other
   * request, which the caller answers itself.
   *
   * @param request The HTTP request.
   * @returns The response, or undefined when the path is not long-poll's.
   */
  (request: Request): Promise<Response> | undefined;
  /** The base path served, without a trailing slash. */
  readonly path: string;
  /**
   * Milliseconds an idle `receive` is held before it is answered with 204:
   * an HTTP server's idle timeout must be longer (Bun's default, 10 s, is
   * not).
   */
  readonly pollTimeout: number;
  /** Transports open, or closed and still holding messages to deliver. */
  readonly transports: number;
  /**
   * Stops opening transports (`open` gets 503), gives clients up to `wait`
   * milliseconds to receive what the router queued for them before it
   * closed their transports (the GOODBYE of `router.close()`), then closes
   * every transport left (their sessions end), answers every held
   * `receive` and stops every timer. Call it after `router.close()`, before
   * stopping the HTTP server.
   *
   * @param wait Milliseconds to wait for clients to receive at most.
   * @returns Resolves once every transport is gone.
   */
  close(wait?: number): Promise<void>;
}

const OPEN_BODY_LIMIT = 64 * 1024;
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const TOO_LARGE = Symbol("too large");

/** 128 random bits, base64url: 22 characters no one can guess. */
function transportId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  const base64 = btoa(binary);
  return base64.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/**
 * Reads a request body of at most `limit` bytes: a declared
 * `Content-Length` past it is refused before any byte is read, and reading
 * stops as soon as the body passes it.
 */
async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    await request.body?.cancel().catch(() => {});
    return TOO_LARGE;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** What a transport needs of its handler. */
interface Owner {
  readonly clock: Clock;
  readonly pollTimeout: number;
  readonly idleTimeout: number;
  readonly watchDisconnects: boolean;
  /** The transport is over: forget its id. */
  remove(id: string): void;
}

interface HeldReceive {
  readonly signal: AbortSignal | undefined;
  readonly headers: Headers;
  readonly resolve: (response: Response) => void;
  readonly gone: () => void;
}

/**
 * One long-poll transport on the router's side. Frames the router sends
 * wait in a queue (its size is `bufferedAmount`, which the router bounds
 * with `maxOutboundBytes`) until a `receive` takes them, one per request.
 * When the router closes it after a normal close (GOODBYE, ABORT), what is
 * queued can still be received; then, or after `idleTimeout`, the id is
 * forgotten.
 */
class LongPollServerTransport implements Transport {
  readonly info: TransportInfo;
  readonly id: string;
  readonly text: boolean;
  #owner: Owner;
  #inbox = new Inbox();
  #state: "open" | "draining" | "gone" = "open";
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #held: HeldReceive | undefined;
  #pollTimer: unknown;
  #idleTimer: unknown;
  #goneReason = "Transport closed";

  constructor(id: string, protocol: string, owner: Owner) {
    this.id = id;
    this.text = isTextProtocol(protocol);
    this.info = { type: "longpoll", protocol };
    this.#owner = owner;
    this.#armIdle();
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  /** Closed by the router, with frames still to be received. */
  get isDraining(): boolean {
    return this.#state === "draining";
  }

  get bufferedAmount(): number {
    return this.#queuedBytes;
  }

  send(frame: Frame): void {
    if (this.#state !== "open") return;
    const bytes = typeof frame === "string" ? encoder.encode(frame) : frame;
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.byteLength;
    this.#answerHeld();
  }

  close(code = 1000, reason = ""): void {
    if (this.#state !== "open") return;
    this.#state = "draining";
    this.#goneReason = reason
      ? `Transport closed by the router: ${reason}`
      : "Transport closed by the router";
    // After a normal close (GOODBYE, ABORT) the client may still fetch what
    // was queued; after any other (a slow consumer) nothing more goes out.
    if (code !== 1000) this.#dropQueue();
    this.#inbox.close({ code, reason, wasClean: true });
    if (this.#queue.length === 0) this.#gone();
    else this.#answerHeld();
  }

  listen(handlers: TransportHandlers): void {
    this.#inbox.listen(handlers);
  }

  /** A request arrived: the transport is not idle. */
  touch(): void {
    this.#owner.clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  /** A request is over: idle from now on unless a receive is held. */
  settle(): void {
    if (this.#held === undefined && this.#state !== "gone") this.#armIdle();
  }

  /** The client sent a frame. */
  deliver(frame: Frame): void {
    if (this.#state === "open") this.#inbox.message(frame);
  }

  /** The client's `receive`: answered now, or held until a frame waits. */
  receive(request: Request, headers: Headers): Promise<Response> {
    if (this.#state === "gone") {
      return Promise.resolve(
        new Response(this.#goneReason, {
          status: 404,
          headers: textHeaders(headers),
        }),
      );
    }
    this.touch();
    // A newer receive replaces a held one (the client gave up on it):
    // frames go to the newest request only.
    const replaced = this.#held;
    if (replaced !== undefined) {
      this.#answer(
        new Response(null, { status: 204, headers: replaced.headers }),
      );
      this.touch(); // answering armed the idle timer; this receive is held
    }
    const { promise, resolve } = withResolvers<Response>();
    const gone = () => {
      // The client went away: keep its frames for the next receive.
      if (this.#held?.gone !== gone) return;
      this.#answer(new Response(null, { status: 499 }));
    };
    const signal = this.#owner.watchDisconnects ? request.signal : undefined;
    this.#held = { signal, headers, resolve, gone };
    signal?.addEventListener("abort", gone, { once: true });
    if (this.#queue.length > 0) this.#answerHeld();
    else {
      this.#pollTimer = this.#owner.clock.setTimeout(() => {
        this.#pollTimer = undefined;
        this.#answer(new Response(null, { status: 204, headers }));
      }, Math.min(this.#owner.pollTimeout, MAX_TIMER_DELAY));
    }
    return promise;
  }

  /** The client's `close`. */
  clientClose(): void {
    this.#end({ code: 1000, reason: "Closed by the client", wasClean: true });
  }

  /** Ends the transport at once (idle, or the handler closing). */
  #end(info: CloseInfo): void {
    if (this.#state === "gone") return;
    this.#goneReason = info.reason;
    if (this.#state === "open") this.#inbox.close(info);
    this.#gone();
  }

  /** The handler is closing. */
  shutdown(): void {
    this.#end({
      code: 1001,
      reason: "The long-poll endpoint is closing",
      wasClean: false,
    });
  }

  #answerHeld(): void {
    const held = this.#held;
    if (held === undefined || this.#queue.length === 0) return;
    const frame = this.#queue.shift()!;
    this.#queuedBytes -= frame.byteLength;
    const headers = new Headers(held.headers);
    headers.set("content-type", mediaType(this.info.protocol));
    this.#answer(
      new Response(frame as Uint8Array<ArrayBuffer>, { status: 200, headers }),
    );
    if (this.#state === "draining" && this.#queue.length === 0) this.#gone();
  }

  /** Answers the held receive, if any, and stops holding it. */
  #answer(response: Response): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    this.#owner.clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    held.signal?.removeEventListener("abort", held.gone);
    held.resolve(response);
    if (this.#state !== "gone") this.#armIdle();
  }

  #armIdle(): void {
    const clock = this.#owner.clock;
    clock.clearTimeout(this.#idleTimer);
    const ms = this.#owner.idleTimeout;
    this.#idleTimer = clock.setTimeout(() => {
      this.#idleTimer = undefined;
      this.#end({
        code: 1001,
        reason: `No long-poll request for ${ms / 1000} s`,
        wasClean: false,
      });
    }, Math.min(ms, MAX_TIMER_DELAY));
  }

  #dropQueue(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #gone(): void {
    this.#state = "gone";
    this.#dropQueue();
    this.#owner.clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    const held = this.#held;
    if (held !== undefined) {
      this.#answer(
        new Response(this.#goneReason, {
          status: 404,
          headers: textHeaders(held.headers),
        }),
      );
    }
    this.#owner.remove(this.id);
  }
}

function textHeaders(base: Headers): Headers {
  const headers = new Headers(base);
  headers.set("content-type", "text/plain; charset=utf-8");
  return headers;
}

/**
 * The CORS and caching headers of every long-poll response: never cached;
 * the request's `Origin` echoed with credentials allowed (for Autobahn|JS's
 * `withCredentials`) only when `allowedOrigins` lists it, `*` without
 * credentials otherwise, so that no page of another site reads responses
 * made with a visitor's cookies.
 */
function standardHeaders(
  request: Request,
  allowed: ReadonlySet<string> | undefined,
): Headers {
  const origin = request.headers.get("origin");
  const headers = new Headers({
    "cache-control": "no-store, no-cache, must-revalidate, max-age=0",
    "vary": "Origin",
  });
  if (origin !== null && allowed?.has(origin)) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-allow-credentials", "true");
  } else {
    headers.set("access-control-allow-origin", "*");
  }
  return headers;
}

function text(status: number, body: string, base: Headers): Response {
  return new Response(body, { status, headers: textHeaders(base) });
}

/**
 * Serves WAMP's HTTP long-poll transport for a router, as a web-standard
 * handler: mount it in any server beside the WebSocket path (the Deno, Bun
 * and Workers adapters do with their `longpoll` option).
 *
 * - `POST <path>/open` with `{"protocols": [...]}` answers
 *   `{"transport": id, "protocol": p}`: the first of the client's
 *   protocols the router serves (400 when none is, or the body is not that
 *   JSON). The id is 128 random bits, base64url. As for WebSocket upgrades,
 *   a request whose `Origin` is not in `allowedOrigins` gets 403, and an
 *   `open` while `maxPendingHandshakes` connections are opening gets 503.
 * - `POST <path>/<id>/send` with one message (JSON text, or MessagePack or
 *   CBOR bytes) answers 204; a body past the router's `maxMessageSize` gets
 *   413, refused from its `Content-Length` before it is read when declared.
 * - `POST <path>/<id>/receive` answers one message (200), or 204 after
 *   `pollTimeout` (10 s) with nothing to send, so that a client's request
 *   timeout (Autobahn|JS: 12 s) never fires.
 * - `POST <path>/<id>/close` answers 204 and ends the session.
 * - An unknown or closed id gets 404, also to a `receive` held when the
 *   transport closes; `OPTIONS` answers CORS preflights.
 *
 * A transport without a request for `idleTimeout` (30 s) is closed. Frames
 * waiting for a `receive` count as the session's `bufferedAmount`, so past
 * `maxOutboundBytes` the session is a slow consumer and is closed, as over
 * WebSocket. Bad requests never affect other sessions.
 *
 * @example Usage
 * ```ts
 * import { longPollHandler, Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const longpoll = longPollHandler(router, { path: "/lp" });
 * const response = await longpoll(
 *   new Request("http://127.0.0.1/lp/open", {
 *     method: "POST",
 *     body: JSON.stringify({ protocols: ["wamp.2.json"] }),
 *   }),
 * );
 * const { transport, protocol } = await response!.json();
 * assert.equal(protocol, "wamp.2.json");
 * assert.equal(transport.length, 22);
 * assert.equal(longpoll(new Request("http://127.0.0.1/ws")), undefined);
 * await router.close();
 * longpoll.close();
 * ```
 *
 * @param router The router.
 * @param options The path and timeouts.
 * @returns The handler.
 */
export function longPollHandler(
  router: Router,
  options: LongPollOptions = {},
): LongPollHandler {
  const path = (options.path ?? "/lp").replace(/\/+$/, "");
  const transports = new Map<string, LongPollServerTransport>();
  let closed = false;
  let drained: (() => void) | undefined;
  const owner: Owner = {
    clock: routerHost(router).clock,
    pollTimeout: options.pollTimeout ?? 10_000,
    idleTimeout: options.idleTimeout ?? 30_000,
    watchDisconnects: options.watchDisconnects ?? true,
    remove(id) {
      transports.delete(id);
      if (drained !== undefined && !draining()) drained();
    },
  };

  function draining(): boolean {
    for (const transport of transports.values()) {
      if (transport.isDraining) return true;
    }
    return false;
  }

  async function open(request: Request, headers: Headers): Promise<Response> {
    if (!router.acceptingHandshakes) {
      await request.body?.cancel().catch(() => {});
      const refusal = text(
        503,
        "Too many connections are opening: try again later",
        headers,
      );
      refusal.headers.set("retry-after", "1");
      return refusal;
    }
    const body = await readBody(request, OPEN_BODY_LIMIT);
    if (body === TOO_LARGE) {
      return text(
        413,
        `An open request is at most ${OPEN_BODY_LIMIT} bytes`,
        headers,
      );
    }
    let offered: unknown;
    try {
      offered = (JSON.parse(strictUtf8.decode(body)) as { protocols?: unknown })
        ?.protocols;
    } catch {
      return text(400, 'Expected a JSON body {"protocols": [...]}', headers);
    }
    if (
      !Array.isArray(offered) || !offered.every((p) => typeof p === "string")
    ) {
      return text(400, 'Expected a JSON body {"protocols": [...]}', headers);
    }
    const protocol = (offered as string[]).find((p) =>
      router.protocols.includes(p)
    );
    if (protocol === undefined) {
      return text(
        400,
        `No agreed WAMP subprotocol: offered ${
          offered.length > 0 ? offered.join(", ") : "none"
        }, the router serves ${router.protocols.join(", ")}`,
        headers,
      );
    }
    if (closed) return text(503, "The long-poll endpoint is closed", headers);
    const id = transportId();
    const transport = new LongPollServerTransport(id, protocol, owner);
    // Opens that passed the first check while this one read its body may
    // have filled the handshake places since: accept() checks again.
    if (!router.accept(transport)) {
      headers.set("retry-after", "1");
      return text(
        503,
        "Too many connections are opening: try again later",
        headers,
      );
    }
    transports.set(id, transport);
    headers.set("content-type", "application/json; charset=utf-8");
    return new Response(JSON.stringify({ transport: id, protocol }), {
      status: 200,
      headers,
    });
  }

  async function send(
    transport: LongPollServerTransport,
    request: Request,
    headers: Headers,
  ): Promise<Response> {
    transport.touch();
    try {
      const body = await readBody(request, router.maxMessageSize);
      if (body === TOO_LARGE) {
        return text(
          413,
          `A message is at most ${router.maxMessageSize} bytes`,
          headers,
        );
      }
      if (!transport.isOpen) return text(404, "Transport closed", headers);
      if (body.byteLength === 0) {
        return text(400, "Expected one WAMP message", headers);
      }
      let frame: Frame = body;
      if (transport.text) {
        try {
          frame = strictUtf8.decode(body);
        } catch {
          return text(400, "A JSON message must be UTF-8", headers);
        }
      }
      transport.deliver(frame);
      return new Response(null, { status: 204, headers });
    } catch {
      return text(400, "Could not read the request body", headers);
    } finally {
      transport.settle();
    }
  }

  async function route(request: Request, rest: string): Promise<Response> {
    const headers = standardHeaders(request, router.allowedOrigins);
    const origin = request.headers.get("origin");
    const allowed = router.allowedOrigins;
    if (origin !== null && allowed !== undefined && !allowed.has(origin)) {
      await request.body?.cancel().catch(() => {});
      return new Response(`Origin ${origin} is not allowed`, {
        status: 403,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    if (request.method === "OPTIONS") {
      headers.set("access-control-allow-methods", "POST, OPTIONS");
      headers.set(
        "access-control-allow-headers",
        request.headers.get("access-control-request-headers") ??
          "content-type",
      );
      headers.set("access-control-max-age", "7200");
      return new Response(null, { status: 204, headers });
    }
    if (request.method !== "POST") {
      await request.body?.cancel().catch(() => {});
      const refusal = text(405, "Long-poll requests are POSTs", headers);
      refusal.headers.set("allow", "POST, OPTIONS");
      return refusal;
    }
    if (rest === "open") {
      if (closed) {
        await request.body?.cancel().catch(() => {});
        return text(503, "The long-poll endpoint is closed", headers);
      }
      return await open(request, headers);
    }
    const [id, action, extra] = rest.split("/");
    const transport = id === undefined ? undefined : transports.get(id);
    if (
      transport === undefined || extra !== undefined ||
      (action !== "send" && action !== "receive" && action !== "close")
    ) {
      await request.body?.cancel().catch(() => {});
      return text(404, "No such long-poll transport", headers);
    }
    if (action === "send") {
      if (!transport.isOpen) {
        await request.body?.cancel().catch(() => {});
        return text(404, "Transport closed", headers);
      }
      return await send(transport, request, headers);
    }
    await request.body?.cancel().catch(() => {});
    if (action === "receive") return await transport.receive(request, headers);
    transport.clientClose();
    return new Response(null, { status: 204, headers });
  }

  const handler = (request: Request): Promise<Response> | undefined => {
    const pathname = new URL(request.url).pathname;
    if (pathname !== path && !pathname.startsWith(`${path}/`)) return undefined;
    return route(request, pathname.slice(path.length + 1));
  };
  async function close(wait = 1000): Promise<void> {
    closed = true;
    if (draining()) {
      const { promise, resolve } = withResolvers<void>();
      drained = resolve;
      const timer = owner.clock.setTimeout(resolve, wait);
      await promise;
      owner.clock.clearTimeout(timer);
      drained = undefined;
    }
    for (const transport of [...transports.values()]) transport.shutdown();
    transports.clear();
  }
  return Object.defineProperties(handler, {
    path: { value: path },
    pollTimeout: { value: owner.pollTimeout },
    transports: { get: () => transports.size },
    close: { value: close },
  }) as LongPollHandler;
}
