/**
 * Serves the embedded router on Cloudflare Workers: a Durable Object holds
 * the router (so every client of a realm meets in one place) and accepts
 * WebSockets through `WebSocketPair`.
 *
 * @example A Worker with the router in a Durable Object
 * ```ts ignore
 * import { routeToRouter, WampRouterObject } from "@wampkit/wamp/router/workers";
 *
 * export { WampRouterObject };
 * export default {
 *   fetch: (request: Request, env: { WAMP_ROUTER: DurableObjectNamespaceLike }) =>
 *     routeToRouter(request, env.WAMP_ROUTER),
 * };
 * // wrangler.toml: [[durable_objects.bindings]] name = "WAMP_ROUTER", class_name = "WampRouterObject"
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
import { Router, type RouterOptions } from "../router.ts";
import { CborSerializer } from "../../serializers/cbor.ts";
import { JsonSerializer } from "../../serializers/json.ts";
import { MsgpackSerializer } from "../../serializers/msgpack.ts";
import {
  type WebSocketLike,
  wrapWebSocket,
} from "../../transports/websocket.ts";

/** A Workers server-side WebSocket: a web WebSocket with `accept()`. */
export interface WorkersWebSocket extends WebSocketLike {
  /** Starts delivering events on a server-side socket. */
  accept(): void;
}

/** The `WebSocketPair` constructor of the Workers runtime. */
type WebSocketPairConstructor = new () => {
  0: WorkersWebSocket;
  1: WorkersWebSocket;
};

/** The parts of a Durable Object namespace this adapter uses. */
export interface DurableObjectNamespaceLike {
  /**
   * The id for a name.
   *
   * @param name The name.
   * @returns The id.
   */
  idFromName(name: string): unknown;
  /**
   * The stub for an id.
   *
   * @param id The id.
   * @returns The stub.
   */
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/**
 * Answers a WebSocket upgrade with the router, using `WebSocketPair`, after
 * {@linkcode negotiate} (426, 403, 503 or 400 when it refuses). The Workers
 * platform bounds the size of an incoming WebSocket message itself (32 MiB
 * at the time of writing) and gives a server socket no `bufferedAmount`:
 * there, `maxMessageSize` applies once a frame has arrived and
 * `maxOutboundBytes` cannot be enforced.
 *
 * @param router The router.
 * @param request The upgrade request.
 * @returns The 101 response carrying the client socket.
 */
export function upgradeOnWorkers(router: Router, request: Request): Response {
  const { protocol, refusal } = negotiate(router, request);
  if (refusal) return refusal;
  const Pair = (globalThis as { WebSocketPair?: WebSocketPairConstructor })
    .WebSocketPair;
  if (Pair === undefined) throw new Error("upgradeOnWorkers needs Workers");
  const pair = new Pair();
  const server = pair[1];
  server.accept();
  router.accept(wrapWebSocket(server, { protocol }));
  return new Response(null, {
    status: 101,
    headers: { "Sec-WebSocket-Protocol": protocol },
    webSocket: pair[0],
  } as ResponseInit);
}

/** Options of a {@linkcode WampRouterObject}: the router's, and long-poll. */
export interface WampRouterObjectOptions extends RouterOptions {
  /**
   * Also serve WAMP's HTTP long-poll transport under this path (such as
   * `/lp`); an object sets its timeouts too. Default: WebSocket only.
   */
  longpoll?: string | LongPollOptions;
}

/**
 * A Durable Object class holding one embedded router that serves JSON,
 * MessagePack and CBOR and creates realms on demand. Export it from your
 * Worker and bind it (see the module example); subclass it to pass other
 * {@linkcode WampRouterObjectOptions}, such as `longpoll: "/lp"` to serve
 * HTTP long-poll beside WebSocket.
 */
export class WampRouterObject {
  /** The router this object serves. */
  readonly router: Router;
  #longpoll: LongPollHandler | undefined;

  /**
   * Creates the object; the Workers runtime does this.
   *
   * @param _state The Durable Object state (unused).
   * @param _env The Worker's env (unused).
   * @param options Router options and the long-poll path, for subclasses.
   */
  constructor(
    _state?: unknown,
    _env?: unknown,
    options: WampRouterObjectOptions = {},
  ) {
    const { longpoll, ...routerOptions } = options;
    this.router = new Router({
      serializers: [
        new JsonSerializer(),
        new MsgpackSerializer(),
        new CborSerializer(),
      ],
      ...routerOptions,
    });
    this.#longpoll = longpoll === undefined ? undefined : longPollHandler(
      this.router,
      typeof longpoll === "string" ? { path: longpoll } : longpoll,
    );
  }

  /**
   * Handles a request forwarded by the Worker: long-poll requests under the
   * `longpoll` path, WebSocket upgrades otherwise.
   *
   * @param request The request.
   * @returns The response.
   */
  fetch(request: Request): Response | Promise<Response> {
    return this.#longpoll?.(request) ?? upgradeOnWorkers(this.router, request);
  }
}

/**
 * Forwards a WebSocket or long-poll request to the router's Durable Object
 * (one object per name, default `"default"`).
 *
 * @param request The request.
 * @param namespace The Durable Object namespace binding.
 * @param name Which router object.
 * @returns The object's response.
 */
export function routeToRouter(
  request: Request,
  namespace: DurableObjectNamespaceLike,
  name = "default",
): Promise<Response> {
  return namespace.get(namespace.idFromName(name)).fetch(request);
}
