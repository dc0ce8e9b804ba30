/**
 * Serves the embedded router over WebSocket with `Deno.serve` and
 * `Deno.upgradeWebSocket`.
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

import { negotiate } from "../negotiate.ts";
import type { Router } from "../router.ts";
import { wrapWebSocket } from "../../transports/websocket.ts";

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
}

/** A running router server. */
export interface RouterServer {
  /** The WebSocket URL clients connect to. */
  readonly url: string;
  /** The port listened on. */
  readonly port: number;
  /** Ends every session with GOODBYE and stops listening. */
  shutdown(): Promise<void>;
  /** Resolves once the server has stopped. */
  readonly finished: Promise<void>;
}

/**
 * Serves a router on `ws://hostname:port/path`.
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
  const server = Deno.serve({
    hostname,
    port: options.port ?? 8080,
    onListen: () => {},
  }, (request) => {
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
    port: addr.port,
    finished: server.finished,
    async shutdown() {
      await router.close();
      await server.shutdown();
    },
  };
}
