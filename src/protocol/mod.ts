/**
 * The pure WAMP v2 protocol layer: message type codes, typed messages,
 * {@linkcode parse} and {@linkcode toWire}, URI validation and matching, ID
 * generation and role/feature announcements. No I/O, no timers.
 *
 * @example Parse and re-encode a message
 * ```ts
 * import { parse, toWire } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const wire = [36, 5512315355, 4429313566, {}, [], { color: "orange" }];
 * assert.deepEqual(toWire(parse(wire)), wire);
 * ```
 *
 * @module
 */

export * from "./message_type.ts";
export * from "./messages.ts";
export * from "./parse.ts";
export * from "./protocol_error.ts";
export * from "./uri.ts";
export * from "./ids.ts";
export * from "./features.ts";
export * from "./wamp_error.ts";
