/**
 * The client for bundles that count bytes: the same `Connection`,
 * `connect` and `Session` as `@wampkit/wamp`, with WebSocket and custom
 * (`connect`) transports only. HTTP long-poll and RawSocket, and the
 * runtime connectors RawSocket needs, are left out: a transport of those
 * kinds fails with an `unsupported` error that says to use
 * `@wampkit/wamp`.
 *
 * @example Connect and call
 * ```ts
 * import { connect } from "@wampkit/wamp/lite";
 * import { Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const callee = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * await callee.register("com.example.add2", ([a, b]) => (a as number) + (b as number));
 * const caller = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * assert.equal(await caller.call("com.example.add2", [2, 3]), 5);
 * await caller.leave();
 * await callee.leave();
 * ```
 *
 * @module
 */

export {
  BaseConnection as Connection,
  type CloseDetails,
  type CloseReason,
  connect,
  type ConnectionOptions,
  type CustomTransportOptions,
  type TransportOptions,
  type WebSocketTransportOptions,
} from "./base_connection.ts";
export * from "./session.ts";
export * from "./result.ts";
export * from "./session_closed_error.ts";
export type * from "./types.ts";
export { WampError } from "../protocol/wamp_error.ts";
export { JsonSerializer } from "../serializers/json.ts";
export type { Serializer } from "../serializers/serializer.ts";
