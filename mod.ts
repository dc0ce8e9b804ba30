/**
 * wampkit: a zero-dependency WAMP v2 client for Deno, Bun and Cloudflare
 * Workers, with the Autobahn|JS API done right: native Promises with
 * progressive results, cancel with AbortSignal, typed errors, and every
 * pending request settled when a session ends.
 *
 * This entry point holds the client, the JSON serializer, the WebSocket,
 * HTTP long-poll, RawSocket and memory transports (with RawSocket's
 * connectors for Deno, Bun, Node and Cloudflare Workers, which import
 * nothing), the error types and the protocol types. MessagePack and CBOR
 * live in `@wampkit/wamp/msgpack` and `@wampkit/wamp/cbor`; the embedded
 * router in `@wampkit/wamp/router`.
 *
 * @example Progressive call results
 * ```ts
 * import { connect } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * await session.register("com.myapp.longop", (args, _kwargs, details) => {
 *   const n = args[0] as number;
 *   for (let i = 0; i < n; i++) details.progress?.([i]);
 *   return n;
 * });
 * const progress: unknown[] = [];
 * const final = await session.call("com.myapp.longop", [3], {}, { receive_progress: true })
 *   .onProgress((value) => progress.push(value));
 * assert.deepEqual(progress, [0, 1, 2]);
 * assert.equal(final, 3);
 * await session.leave();
 * ```
 *
 * @module
 */

export * from "./src/client/connection.ts";
export * from "./src/client/session.ts";
export {
  CallPromise,
  type CancelMode,
  type ProgressHandler,
} from "./src/client/call_promise.ts";
export * from "./src/client/result.ts";
export * from "./src/client/subscription.ts";
export * from "./src/client/session_closed_error.ts";
export type * from "./src/client/types.ts";
export type { Clock } from "./src/transports/clock.ts";
export type {
  AuthDict,
  ClientAuth,
  HelloAuth,
} from "./src/auth/client_auth.ts";
export * from "./src/protocol/mod.ts";
export * from "./src/serializers/serializer.ts";
export * from "./src/serializers/errors.ts";
export * from "./src/serializers/json.ts";
export type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "./src/transports/transport.ts";
export * from "./src/transports/transport_error.ts";
export * from "./src/transports/memory.ts";
export * from "./src/transports/websocket.ts";
export * from "./src/transports/longpoll.ts";
export {
  type Connector,
  connectRawSocket,
  parseRawSocketUrl,
  type RawSocketAddress,
  type RawSocketConnectOptions,
  type RawSocketOffer,
} from "./src/transports/rawsocket.ts";
export {
  RawSocketError,
  type RawSocketErrorCode,
} from "./src/transports/rawsocket_error.ts";
export {
  type ByteStream,
  type ByteStreamHandlers,
  type StreamPair,
  webByteStream,
} from "./src/transports/byte_stream.ts";
export * from "./src/transports/connectors/deno.ts";
export * from "./src/transports/connectors/bun.ts";
export * from "./src/transports/connectors/node.ts";
export * from "./src/transports/connectors/workers.ts";
export * from "./src/transports/connectors/default_connector.ts";
