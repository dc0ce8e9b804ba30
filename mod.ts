/**
 * wampkit: a zero-dependency WAMP v2 implementation for Deno, Bun and
 * Cloudflare Workers.
 *
 * This entry point holds the JSON serializer, the error types and the
 * protocol types that every client needs. MessagePack and CBOR live in
 * `@wampkit/wamp/msgpack` and `@wampkit/wamp/cbor`, so a browser client that
 * speaks JSON loads neither. The pure protocol codec is in
 * `@wampkit/wamp/protocol`.
 *
 * @example Encode and decode a WAMP message
 * ```ts
 * import { JsonSerializer, parse, toWire, MessageType } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const json = new JsonSerializer();
 * const frame = json.serialize(toWire({
 *   type: MessageType.CALL,
 *   requestId: 1,
 *   options: { receive_progress: true },
 *   procedure: "com.myapp.longop",
 *   args: [3],
 * }));
 * assert.equal(frame, '[48,1,{"receive_progress":true},"com.myapp.longop",[3]]');
 * const msg = parse(json.deserialize(frame));
 * assert.equal(msg.type, MessageType.CALL);
 * ```
 *
 * @module
 */

export * from "./src/protocol/mod.ts";
export * from "./src/serializers/serializer.ts";
export * from "./src/serializers/errors.ts";
export * from "./src/serializers/json.ts";
