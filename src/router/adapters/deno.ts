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

import type { Router } from "../router.ts";
import { wrapWebSocket } from "../../transports/websocket.ts";

/**
 * Answers a WebSocket upgrade request with the router: negotiates the
 * subprotocol (`wamp.2.json`, `wamp.2.msgpack`, `wamp.2.cbor`, as the router
 * serves them) and refuses the handshake with 400 when none is agreed.
 * Use it inside your own `Deno.serve` handler.
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
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("Expected a WebSocket upgrade", { status: 426 });
  }
  const offered = (request.headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const protocol = router.selectProtocol(offered);
  if (protocol === undefined) {
    return new Response(
      `No agreed WAMP subprotocol: the router serves ${
        router.protocols.join(", ")
      }`,
      { status: 400 },
    );
  }
  const { socket, response } = Deno.upgradeWebSocket(request, { protocol });
  socket.addEventListener(
    "open",
    () => router.accept(wrapWebSocket(socket, { protocol })),
  );
  return response;
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
      router.close();
      // Let GOODBYEs reach the sockets before the server goes.
      await new Promise((r) => setTimeout(r, 20));
      await server.shutdown();
    },
  };
}
