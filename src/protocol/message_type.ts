/**
 * WAMP v2 message type codes, basic and advanced profile.
 *
 * @module
 */

/**
 * The integer code that starts every WAMP message. `EVENT_RECEIVED` (337) is
 * the subscriber's acknowledgement of an EVENT in Autobahn's acknowledged
 * event delivery, an implementation-specific code (37 once ratified).
 *
 * @example Usage
 * ```ts
 * import { MessageType } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(MessageType.CALL, 48);
 * assert.equal(MessageType.EVENT_RECEIVED, 337);
 * ```
 */
export const MessageType = {
  HELLO: 1,
  WELCOME: 2,
  ABORT: 3,
  CHALLENGE: 4,
  AUTHENTICATE: 5,
  GOODBYE: 6,
  ERROR: 8,
  PUBLISH: 16,
  PUBLISHED: 17,
  SUBSCRIBE: 32,
  SUBSCRIBED: 33,
  UNSUBSCRIBE: 34,
  UNSUBSCRIBED: 35,
  EVENT: 36,
  EVENT_RECEIVED: 337,
  CALL: 48,
  CANCEL: 49,
  RESULT: 50,
  REGISTER: 64,
  REGISTERED: 65,
  UNREGISTER: 66,
  UNREGISTERED: 67,
  INVOCATION: 68,
  INTERRUPT: 69,
  YIELD: 70,
} as const;

/**
 * One of the message type codes in {@linkcode MessageType}.
 */
export type MessageType = typeof MessageType[keyof typeof MessageType];

const NAMES: Record<number, string> = {};
for (const [name, code] of Object.entries(MessageType)) NAMES[code] = name;

/**
 * The upper-case name of a message type code, or `MESSAGE <code>` for an
 * unknown code.
 *
 * @example Usage
 * ```ts
 * import { messageTypeName } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.equal(messageTypeName(36), "EVENT");
 * ```
 *
 * @param code The message type code.
 * @returns The name of the message type.
 */
export function messageTypeName(code: number): string {
  return NAMES[code] ?? `MESSAGE ${code}`;
}
