/**
 * Serves the embedded router over WebSocket with `Deno.serve` and
 * `Deno.upgradeWebSocket`, and over RawSocket (TCP or a Unix socket) with
 * `Deno.listen` ({@linkcode serveRawSocket}).
 *
 * @example Usage
 * ```ts
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRouter } from "@wampkit/wamp/router/deno";
 * import { connect } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const server = serveRouter(router, { hostname: "127.0.0.1", port: 0 });
 * const session = await connect({ url: server.url, realm: "realm1" });
 * assert.ok(session.isOpen);
 * await session.leave();
 * await server.shutdown();
 * ```
 *
 * @module
 */

import { longPollHandler, type LongPollOptions } from "../longpoll.ts";
import { negotiate } from "../negotiate.ts";
import type { Router } from "../router.ts";
import { wrapWebSocket } from "../../transports/websocket.ts";
import { acceptRawSocketConnection } from "../rawsocket.ts";
import {
  type ByteStream,
  webByteStream,
} from "../../transports/byte_stream.ts";

/**
 * Answers a WebSocket upgrade request with the router, after
 * {@linkcode negotiate}: 426 when it is not an upgrade, 403 for an origin
 * not in `allowedOrigins`, 503 when `maxPendingHandshakes` connections are
 * opening, 400 when no subprotocol is agreed (`wamp.2.json`,
 * `wamp.2.msgpack`, `wamp.2.cbor`, as the router serves them, in the
 * client's order of preference). Use it inside your own `Deno.serve`
 * handler.
 *
 * Deno has no option to bound the size of an incoming WebSocket frame: a
 * frame is buffered whole before the router sees it and refuses it past
 * `maxMessageSize`. `maxPendingHandshakes` and `helloTimeout` bound what
 * connections that never join can hold.
 *
 * @example Usage
 * ```ts ignore
 * Deno.serve((req) =>
 *   new URL(req.url).pathname === "/ws" ? upgradeToRouter(router, req) : new Response("hi")
 * );
 * ```
 *
 * @param router The router.
 * @param request The HTTP request.
 * @returns The upgrade response.
 */
export function upgradeToRouter(router: Router, request: Request): Response {
  const { protocol, refusal } = negotiate(router, request);
  if (refusal) return refusal;
  // Deno's own check splits the offer at ", " only, and Node's `ws` joins
  // with ","; the agreed subprotocol is set on the response instead.
  let upgrade: { socket: WebSocket; response: Response };
  try {
    upgrade = Deno.upgradeWebSocket(request);
  } catch (err) {
    return new Response(`Cannot upgrade: ${(err as Error).message}`, {
      status: 400,
    });
  }
  upgrade.response.headers.set("sec-websocket-protocol", protocol);
  router.accept(wrapWebSocket(upgrade.socket, { protocol }));
  return upgrade.response;
}

/** Options of {@linkcode serveRouter}. */
export interface ServeOptions {
  /**
   * Interface to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * Port; 0 picks a free one.
   *
   * @default {8080}
   */
  port?: number;
  /**
   * The WebSocket path.
   *
   * @default {"/ws"}
   */
  path?: string;
  /**
   * Also serve WAMP's HTTP long-poll transport under this path (such as
   * `/lp`), with `longPollHandler`; an object sets its timeouts too.
   * Default: WebSocket only.
   */
  longpoll?: string | LongPollOptions;
}

/** A running router server. */
export interface RouterServer {
  /** The WebSocket URL clients connect to. */
  readonly url: string;
  /** The long-poll base URL, when `longpoll` is served. */
  readonly longpollUrl?: string;
  /** The port listened on. */
  readonly port: number;
  /** Ends every session with GOODBYE and stops listening. */
  shutdown(): Promise<void>;
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
}

/**
 * Serves a router on `ws://hostname:port/path`, and with the `longpoll`
 * option on `http://hostname:port/<longpoll>` too.
 *
 * @param router The router.
 * @param options Where to listen.
 * @returns The running server.
 */
export function serveRouter(
  router: Router,
  options: ServeOptions = {},
): RouterServer {
  const hostname = options.hostname ?? "127.0.0.1";
  const path = options.path ?? "/ws";
  // Reading request.signal makes Deno.serve warn (legacy abort): off
  // unless asked for.
  const longpoll = options.longpoll === undefined ? undefined : longPollHandler(
    router,
    typeof options.longpoll === "string"
      ? { path: options.longpoll, watchDisconnects: false }
      : { watchDisconnects: false, ...options.longpoll },
  );
  const server = Deno.serve({
    hostname,
    port: options.port ?? 8080,
    onListen: () => {},
  }, (request) => {
    const answer = longpoll?.(request);
    if (answer !== undefined) return answer;
    if (new URL(request.url).pathname !== path) {
      return new Response("Not found", { status: 404 });
    }
    return upgradeToRouter(router, request);
  });
  const addr = server.addr as Deno.NetAddr;
  const host = addr.hostname.includes(":")
    ? `[${addr.hostname}]`
    : addr.hostname;
  return {
    url: `ws://${host}:${addr.port}${path}`,
    longpollUrl: longpoll && `http://${host}:${addr.port}${longpoll.path}`,
    port: addr.port,
    finished: server.finished,
    async shutdown() {
      await router.close();
      await longpoll?.close();
      await server.shutdown();
    },
  };
}

/** `unix:///abs/path` or `unix:rel/path`, percent-encoded. */
function unixUrl(path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return path.startsWith("/") ? `unix://${encoded}` : `unix:${encoded}`;
}

/** Options of {@linkcode serveRawSocket}. */
export interface RawSocketServeOptions {
  /**
   * Interface to listen on.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /**
   * TCP port; 0 picks a free one.
   *
   * @default {8081}
   */
  port?: number;
  /**
   * A Unix socket path to listen on instead of TCP (Deno needs
   * `--allow-read`, `--allow-write` and `--allow-net=unix:<path>` for it).
   * The file is removed on shutdown.
   */
  path?: string;
  /**
   * Serve TLS (`rss://`) with this certificate and key (PEM), with
   * `Deno.listenTls`. Default: plain TCP.
   */
  tls?: { cert: string; key: string };
}

/** A running RawSocket listener. */
export interface RawSocketServer {
  /**
   * The URL clients connect to: `rs://host:port`, `rss://host:port` or
   * `unix:///path`.
   */
  readonly url: string;
  /** The TCP port listened on (0 for a Unix socket). */
  readonly port: number;
  /**
   * Ends every session with GOODBYE, closes the connections still in their
   * handshake and stops listening.
   */
  shutdown(): Promise<void>;
  /** Resolves once the listener has stopped. */
  readonly finished: Promise<void>;
}

/**
 * Serves a router over RawSocket with `Deno.listen`, on
 * `rs://hostname:port`, `rss://hostname:port` (TLS) or a Unix socket. Each connection gets the
 * RawSocket handshake (the router's serializers by id, its
 * `maxMessageSize` as the length limit, error replies for what it does not
 * serve) under the router's `maxPendingHandshakes` and `helloTimeout`, and
 * its sessions the router's `maxOutboundBytes`; Nagle's algorithm is off.
 *
 * RawSocket and WebSocket cannot share a port here: `Deno.serve` takes no
 * connection accepted elsewhere, so the first octet (0x7F for RawSocket)
 * cannot be read before HTTP is. Listen on two ports.
 *
 * @example Usage
 * ```ts
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRawSocket } from "@wampkit/wamp/router/deno";
 * import { connect } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const server = serveRawSocket(router, { hostname: "127.0.0.1", port: 0 });
 * const session = await connect({ realm: "realm1", transports: [{ type: "rawsocket", url: server.url }] });
 * assert.equal(session.transport.info.type, "rawsocket");
 * await session.leave();
 * await server.shutdown();
 * ```
 *
 * @param router The router.
 * @param options Where to listen.
 * @returns The running listener.
 */
export function serveRawSocket(
  router: Router,
  options: RawSocketServeOptions = {},
): RawSocketServer {
  const path = options.path;
  const hostname = options.hostname ?? "127.0.0.1";
  const tcpPort = options.port ?? 8081;
  const tls = options.tls;
  const listener: Deno.Listener = path !== undefined
    ? Deno.listen({ transport: "unix", path })
    : tls
    ? Deno.listenTls({ hostname, port: tcpPort, ...tls })
    : Deno.listen({ transport: "tcp", hostname, port: tcpPort });
  const streams = new Set<ByteStream>();
  let closing = false;
  const finished = (async () => {
    while (!closing) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (closing || err instanceof Deno.errors.BadResource) break;
        // Out of file descriptors, say: accept again a little later.
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      (conn as Partial<Deno.TcpConn>).setNoDelay?.(true);
      const stream: ByteStream = webByteStream({
        readable: conn.readable,
        writable: conn.writable,
        close() {
          streams.delete(stream);
          conn.close();
        },
        read: (into) => conn.read(into),
        write: (bytes) => conn.write(bytes),
      });
      streams.add(stream);
      void acceptRawSocketConnection(router, stream);
    }
  })();
  let url: string;
  let port = 0;
  if (path === undefined) {
    const addr = listener.addr as Deno.NetAddr;
    port = addr.port;
    url = `${tls ? "rss" : "rs"}://${
      addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname
    }:${port}`;
  } else url = unixUrl(path);
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    finished,
    shutdown() {
      return stopped ??= (async () => {
        await router.close();
        closing = true;
        listener.close();
        for (const stream of [...streams]) stream.close();
        await finished; // Deno removes a Unix socket's file on close
      })();
    },
  };
}
