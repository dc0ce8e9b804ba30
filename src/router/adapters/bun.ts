/**
 * Serves the embedded router over WebSocket with `Bun.serve`, and over
 * RawSocket with `Bun.listen` ({@linkcode serveRawSocketBun}).
 *
 * @example Usage
 * ```ts ignore
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRouterBun } from "@wampkit/wamp/router/bun";
 *
 * const server = serveRouterBun(new Router(), { port: 8080 });
 * console.log(server.url);
 * ```
 *
 * @module
 */

import {
  type LongPollHandler,
  longPollHandler,
  type LongPollOptions,
} from "../longpoll.ts";
import { negotiate } from "../negotiate.ts";
import { acceptRawSocketConnection } from "../rawsocket.ts";
import type { Router } from "../router.ts";
import {
  type BunSocketHandlers,
  bunSocketHandlers,
} from "../../transports/connectors/bun.ts";
import { Inbox } from "../../transports/_base.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "../../transports/transport.ts";

/** The part of Bun's `ServerWebSocket` the adapter uses. */
export interface BunServerWebSocket {
  /** Per-connection data set at upgrade. */
  readonly data: BunSocketData;
  /** 1 while open. */
  readonly readyState: number;
  /**
   * Sends a message.
   *
   * @param data Text or bytes.
   */
  send(data: string | Uint8Array): unknown;
  /** Bytes queued and not yet sent. */
  getBufferedAmount?(): number;
  /**
   * Closes the socket.
   *
   * @param code Close code.
   * @param reason Close reason.
   */
  close(code?: number, reason?: string): void;
}

/** What the adapter keeps with each Bun socket. */
export interface BunSocketData {
  /** The negotiated subprotocol. */
  protocol: string;
  /** Where the socket's messages go, once open. */
  inbox?: { message(frame: Frame): void; close(info: CloseInfo): void };
}

/** The part of Bun's `Server` the adapter uses. */
export interface BunServer {
  /**
   * Upgrades a request to a WebSocket.
   *
   * @param request The request.
   * @param options Headers and data.
   * @returns Whether it upgraded.
   */
  upgrade(
    request: Request,
    options: { headers?: HeadersInit; data: BunSocketData },
  ): boolean;
  /** The port listened on. */
  readonly port: number;
  /** The host listened on. */
  readonly hostname: string;
  /**
   * Stops the server.
   *
   * @param closeActive Close open connections too.
   */
  stop(closeActive?: boolean): unknown;
}

class BunTransport implements Transport {
  readonly info: TransportInfo;
  readonly inbox: Inbox = new Inbox();
  #ws: BunServerWebSocket;

  constructor(ws: BunServerWebSocket) {
    this.#ws = ws;
    this.info = { type: "websocket", protocol: ws.data.protocol };
  }

  get isOpen(): boolean {
    return this.#ws.readyState === 1;
  }

  get bufferedAmount(): number | undefined {
    return this.#ws.getBufferedAmount?.();
  }

  send(frame: Frame): void {
    if (this.#ws.readyState === 1) this.#ws.send(frame);
  }

  close(code = 1000, reason = ""): void {
    this.#ws.close(code, reason);
  }

  listen(handlers: TransportHandlers): void {
    this.inbox.listen(handlers);
  }
}

/** The `fetch` and `websocket` handlers to pass to `Bun.serve`. */
export interface BunHandlers {
  /**
   * Upgrades WAMP WebSocket requests on the path, and answers long-poll
   * requests when `longpoll` is served.
   *
   * @param request The request.
   * @param server The Bun server.
   * @returns A response, or undefined once upgraded.
   */
  fetch(
    request: Request,
    server: BunServer,
  ): Response | Promise<Response> | undefined;
  /** The long-poll handler, when `longpoll` is served (close it on shutdown). */
  longpoll?: LongPollHandler;
  /** Bun's WebSocket handlers and limits. */
  websocket: {
    /** Frames larger than this are refused by Bun before they are buffered. */
    maxPayloadLength: number;
    /** Bytes queued to one socket past which Bun closes it. */
    backpressureLimit: number;
    /** Close a socket past `backpressureLimit`. */
    closeOnBackpressureLimit: boolean;
    open(ws: BunServerWebSocket): void;
    message(ws: BunServerWebSocket, message: string | Uint8Array): void;
    close(ws: BunServerWebSocket, code: number, reason: string): void;
  };
}

/** Where {@linkcode bunHandlers} serves. */
export interface BunHandlersOptions {
  /**
   * The WebSocket path.
   *
   * @default {"/ws"}
   */
  path?: string;
  /**
   * Also serve WAMP's HTTP long-poll transport under this path (such as
   * `/lp`); an object sets its timeouts too. Default: WebSocket only.
   */
  longpoll?: string | LongPollOptions;
}

/**
 * The handlers that serve a router under `Bun.serve`, for use in your own
 * server: {@linkcode negotiate} decides the upgrade (426, 403, 503 or 400
 * when it refuses). Bun refuses frames over the largest `maxMessageSize`
 * of the router's serializers before buffering them (`maxPayloadLength`),
 * and closes a socket whose queue passes `maxOutboundBytes`
 * (`backpressureLimit`), besides the router's own check.
 *
 * With long-poll, give your `Bun.serve` an `idleTimeout` longer than
 * `handlers.longpoll.pollTimeout` (Bun's default of 10 s would cut held
 * receives); `serveRouterBun` does.
 *
 * @param router The router.
 * @param options The WebSocket path (default `/ws`), or the paths.
 * @returns `fetch` and `websocket` for `Bun.serve`.
 */
export function bunHandlers(
  router: Router,
  options: string | BunHandlersOptions = "/ws",
): BunHandlers {
  const { path = "/ws", longpoll: lp } = typeof options === "string"
    ? { path: options }
    : options;
  const longpoll = lp === undefined
    ? undefined
    : longPollHandler(router, typeof lp === "string" ? { path: lp } : lp);
  return {
    longpoll,
    fetch(request, server) {
      const answer = longpoll?.(request);
      if (answer !== undefined) return answer;
      if (new URL(request.url).pathname !== path) {
        return new Response("Not found", { status: 404 });
      }
      const { protocol, refusal } = negotiate(router, request);
      if (refusal) return refusal;
      if (
        server.upgrade(request, {
          headers: { "Sec-WebSocket-Protocol": protocol },
          data: { protocol },
        })
      ) return undefined;
      return new Response("Expected a WebSocket upgrade", { status: 426 });
    },
    websocket: {
      maxPayloadLength: router.maxMessageSize,
      backpressureLimit: router.maxOutboundBytes,
      closeOnBackpressureLimit: true,
      open(ws) {
        const transport = new BunTransport(ws);
        ws.data.inbox = transport.inbox;
        router.accept(transport);
      },
      message(ws, message) {
        ws.data.inbox?.message(
          typeof message === "string" ? message : new Uint8Array(message),
        );
      },
      close(ws, code, reason) {
        ws.data.inbox?.close({ code, reason, wasClean: true });
      },
    },
  };
}

/** A running Bun router server. */
export interface BunRouterServer {
  /** The WebSocket URL. */
  readonly url: string;
  /** The long-poll base URL, when `longpoll` is served. */
  readonly longpollUrl?: string;
  /** Ends every session with GOODBYE and stops the server. */
  shutdown(): Promise<void>;
}

/**
 * Serves a router on `ws://hostname:port/path` with `Bun.serve`, and with
 * the `longpoll` option on `http://hostname:port/<longpoll>` too.
 *
 * @param router The router.
 * @param options Where to listen (port 0 picks a free one).
 * @returns The running server.
 */
export function serveRouterBun(
  router: Router,
  options: {
    hostname?: string;
    port?: number;
    path?: string;
    longpoll?: string | LongPollOptions;
  } = {},
): BunRouterServer {
  const bun = (globalThis as {
    Bun?: { serve(options: unknown): BunServer };
  }).Bun;
  if (bun === undefined) throw new Error("serveRouterBun needs Bun");
  const path = options.path ?? "/ws";
  const handlers = bunHandlers(router, { path, longpoll: options.longpoll });
  const longpoll = handlers.longpoll;
  const server = bun.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: options.port ?? 8080,
    // Bun closes a connection idle for 10 s by default: hold a long-poll
    // receive longer than that and Bun cuts it first (at most 255 s).
    ...(longpoll && {
      idleTimeout: Math.min(255, Math.ceil(longpoll.pollTimeout / 1000) + 10),
    }),
    fetch: handlers.fetch,
    websocket: handlers.websocket,
  });
  return {
    url: `ws://${server.hostname}:${server.port}${path}`,
    longpollUrl: longpoll &&
      `http://${server.hostname}:${server.port}${longpoll.path}`,
    async shutdown() {
      await router.close();
      await longpoll?.close();
      server.stop(true);
    },
  };
}

/** A running Bun RawSocket listener. */
export interface BunRawSocketServer {
  /**
   * The URL clients connect to: `rs://host:port`, `rss://host:port` or
   * `unix:///path`.
   */
  readonly url: string;
  /**
   * Ends every session with GOODBYE, stops listening and closes the
   * connections still open.
   */
  shutdown(): Promise<void>;
}

interface BunListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActive?: boolean): unknown;
}

/**
 * Serves a router over RawSocket with `Bun.listen`, on `rs://hostname:port`
 * (port 0 picks a free one, default 8081), on `rss://` with `tls` (PEM
 * `cert` and `key`), or, with `path`, on a Unix socket.
 * The handshake, limits and error replies are those of
 * `acceptRawSocketConnection`; Nagle's algorithm is off. `Bun.serve` and
 * `Bun.listen` cannot share a port, so RawSocket has its own.
 *
 * @example Usage
 * ```ts ignore
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRawSocketBun } from "@wampkit/wamp/router/bun";
 *
 * const server = serveRawSocketBun(new Router(), { port: 8081 });
 * console.log(server.url); // rs://127.0.0.1:8081
 * ```
 *
 * @param router The router.
 * @param options Where to listen.
 * @returns The running listener.
 */
export function serveRawSocketBun(
  router: Router,
  options: {
    hostname?: string;
    port?: number;
    path?: string;
    tls?: { cert: string; key: string };
  } = {},
): BunRawSocketServer {
  const bun = (globalThis as {
    Bun?: {
      listen(options: {
        hostname?: string;
        port?: number;
        unix?: string;
        tls?: { cert: string; key: string };
        socket: BunSocketHandlers;
      }): BunListener;
    };
  }).Bun;
  if (bun === undefined) throw new Error("serveRawSocketBun needs Bun");
  const socket = bunSocketHandlers((stream) =>
    void acceptRawSocketConnection(router, stream)
  );
  const path = options.path;
  const listener = path === undefined
    ? bun.listen({
      hostname: options.hostname ?? "127.0.0.1",
      port: options.port ?? 8081,
      tls: options.tls,
      socket,
    })
    : bun.listen({ unix: path, socket });
  const url = path === undefined
    ? `${options.tls ? "rss" : "rs"}://${listener.hostname}:${listener.port}`
    : path.startsWith("/")
    ? `unix://${path}`
    : `unix:${path}`;
  return {
    url,
    async shutdown() {
      await router.close();
      listener.stop(true);
    },
  };
}
