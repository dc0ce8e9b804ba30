/**
 * Typed WAMP v2 messages, one interface per message type.
 *
 * @module
 */

import type { MessageType } from "./message_type.ts";

/** A WAMP `dict`: string keys, any serializable values. */
export type Dict = Record<string, unknown>;

/**
 * The application payload that ends PUBLISH, EVENT, CALL, RESULT,
 * INVOCATION, YIELD, ERROR and ABORT. `args` and `kwargs` are absent when the
 * wire message omitted them. `payload` holds the opaque bytes of payload
 * transparency mode (`ppt_scheme` or `enc_algo` set), in place of `args`.
 */
export interface Payload {
  /** Positional arguments, absent when the message carried none. */
  args?: unknown[];
  /** Keyword arguments, absent when the message carried none. */
  kwargs?: Dict;
  /** Opaque payload in payload transparency mode. */
  payload?: Uint8Array;
}

/** `[HELLO, Realm|uri, Details|dict]` */
export interface HelloMessage {
  /** Message type code. */
  type: typeof MessageType.HELLO;
  /** The realm to join. */
  realm: string;
  /** Roles, agent and authentication details. */
  details: Dict;
}

/** `[WELCOME, Session|id, Details|dict]` */
export interface WelcomeMessage {
  /** Message type code. */
  type: typeof MessageType.WELCOME;
  /** The session id the router gave. */
  session: number;
  /** Router roles, agent and granted authentication. */
  details: Dict;
}

/** `[ABORT, Details|dict, Reason|uri, Arguments|list, ArgumentsKw|dict]` */
export interface AbortMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.ABORT;
  /** Details, usually `message`. */
  details: Dict;
  /** Why the session was aborted. */
  reason: string;
}

/** `[CHALLENGE, AuthMethod|string, Extra|dict]` */
export interface ChallengeMessage {
  /** Message type code. */
  type: typeof MessageType.CHALLENGE;
  /** The authentication method the router chose. */
  authMethod: string;
  /** Method-specific challenge data. */
  extra: Dict;
}

/** `[AUTHENTICATE, Signature|string, Extra|dict]` */
export interface AuthenticateMessage {
  /** Message type code. */
  type: typeof MessageType.AUTHENTICATE;
  /** The answer to the challenge. */
  signature: string;
  /** Method-specific data. */
  extra: Dict;
}

/** `[GOODBYE, Details|dict, Reason|uri]` */
export interface GoodbyeMessage {
  /** Message type code. */
  type: typeof MessageType.GOODBYE;
  /** Details, usually `message`. */
  details: Dict;
  /** Why the session closes. */
  reason: string;
}

/** `[ERROR, REQUEST.Type|int, REQUEST.Request|id, Details|dict, Error|uri, Arguments|list, ArgumentsKw|dict]` */
export interface ErrorMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.ERROR;
  /** The type of the request that failed. */
  requestType: number;
  /** The id of the request that failed. */
  requestId: number;
  /** Error details. */
  details: Dict;
  /** The error URI. */
  error: string;
}

/** `[PUBLISH, Request|id, Options|dict, Topic|uri, Arguments|list, ArgumentsKw|dict]` */
export interface PublishMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.PUBLISH;
  /** Request id. */
  requestId: number;
  /** Publish options. */
  options: Dict;
  /** The topic. */
  topic: string;
}

/** `[PUBLISHED, PUBLISH.Request|id, Publication|id]` */
export interface PublishedMessage {
  /** Message type code. */
  type: typeof MessageType.PUBLISHED;
  /** The PUBLISH request id. */
  requestId: number;
  /** The publication id. */
  publication: number;
}

/** `[SUBSCRIBE, Request|id, Options|dict, Topic|uri]` */
export interface SubscribeMessage {
  /** Message type code. */
  type: typeof MessageType.SUBSCRIBE;
  /** Request id. */
  requestId: number;
  /** Subscribe options. */
  options: Dict;
  /** The topic or topic pattern. */
  topic: string;
}

/** `[SUBSCRIBED, SUBSCRIBE.Request|id, Subscription|id]` */
export interface SubscribedMessage {
  /** Message type code. */
  type: typeof MessageType.SUBSCRIBED;
  /** The SUBSCRIBE request id. */
  requestId: number;
  /** The subscription id. */
  subscription: number;
}

/** `[UNSUBSCRIBE, Request|id, SUBSCRIBED.Subscription|id]` */
export interface UnsubscribeMessage {
  /** Message type code. */
  type: typeof MessageType.UNSUBSCRIBE;
  /** Request id. */
  requestId: number;
  /** The subscription to end. */
  subscription: number;
}

/** `[UNSUBSCRIBED, UNSUBSCRIBE.Request|id]`, or the revocation `[UNSUBSCRIBED, 0, Details|dict]` */
export interface UnsubscribedMessage {
  /** Message type code. */
  type: typeof MessageType.UNSUBSCRIBED;
  /** The UNSUBSCRIBE request id, or 0 for a revocation. */
  requestId: number;
  /** Revocation details (`subscription`, `reason`). */
  details?: Dict;
}

/** `[EVENT, SUBSCRIBED.Subscription|id, PUBLISHED.Publication|id, Details|dict, Arguments|list, ArgumentsKw|dict]` */
export interface EventMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.EVENT;
  /** The subscription the event is for. */
  subscription: number;
  /** The publication id. */
  publication: number;
  /** Event details. */
  details: Dict;
}

/**
 * `[EVENT_RECEIVED, EVENT.Publication|id]`: a subscriber acknowledges an
 * EVENT (Autobahn's acknowledged event delivery; implementation-specific
 * code 337).
 */
export interface EventReceivedMessage {
  /** Message type code. */
  type: typeof MessageType.EVENT_RECEIVED;
  /** The publication id of the EVENT received. */
  publication: number;
}

/** `[CALL, Request|id, Options|dict, Procedure|uri, Arguments|list, ArgumentsKw|dict]` */
export interface CallMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.CALL;
  /** Request id. */
  requestId: number;
  /** Call options. */
  options: Dict;
  /** The procedure to call. */
  procedure: string;
}

/** `[CANCEL, CALL.Request|id, Options|dict]` */
export interface CancelMessage {
  /** Message type code. */
  type: typeof MessageType.CANCEL;
  /** The CALL request id. */
  requestId: number;
  /** Cancel options (`mode`). */
  options: Dict;
}

/** `[RESULT, CALL.Request|id, Details|dict, YIELD.Arguments|list, YIELD.ArgumentsKw|dict]` */
export interface ResultMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.RESULT;
  /** The CALL request id. */
  requestId: number;
  /** Result details (`progress`). */
  details: Dict;
}

/** `[REGISTER, Request|id, Options|dict, Procedure|uri]` */
export interface RegisterMessage {
  /** Message type code. */
  type: typeof MessageType.REGISTER;
  /** Request id. */
  requestId: number;
  /** Register options. */
  options: Dict;
  /** The procedure or procedure pattern. */
  procedure: string;
}

/** `[REGISTERED, REGISTER.Request|id, Registration|id]` */
export interface RegisteredMessage {
  /** Message type code. */
  type: typeof MessageType.REGISTERED;
  /** The REGISTER request id. */
  requestId: number;
  /** The registration id. */
  registration: number;
}

/** `[UNREGISTER, Request|id, REGISTERED.Registration|id]` */
export interface UnregisterMessage {
  /** Message type code. */
  type: typeof MessageType.UNREGISTER;
  /** Request id. */
  requestId: number;
  /** The registration to end. */
  registration: number;
}

/** `[UNREGISTERED, UNREGISTER.Request|id]`, or the revocation `[UNREGISTERED, 0, Details|dict]` */
export interface UnregisteredMessage {
  /** Message type code. */
  type: typeof MessageType.UNREGISTERED;
  /** The UNREGISTER request id, or 0 for a revocation. */
  requestId: number;
  /** Revocation details (`registration`, `reason`). */
  details?: Dict;
}

/** `[INVOCATION, Request|id, REGISTERED.Registration|id, Details|dict, CALL.Arguments|list, CALL.ArgumentsKw|dict]` */
export interface InvocationMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.INVOCATION;
  /** Request id (router to callee scope). */
  requestId: number;
  /** The registration being invoked. */
  registration: number;
  /** Invocation details. */
  details: Dict;
}

/** `[INTERRUPT, INVOCATION.Request|id, Options|dict]` */
export interface InterruptMessage {
  /** Message type code. */
  type: typeof MessageType.INTERRUPT;
  /** The INVOCATION request id. */
  requestId: number;
  /** Interrupt options (`mode`, `reason`). */
  options: Dict;
}

/** `[YIELD, INVOCATION.Request|id, Options|dict, Arguments|list, ArgumentsKw|dict]` */
export interface YieldMessage extends Payload {
  /** Message type code. */
  type: typeof MessageType.YIELD;
  /** The INVOCATION request id. */
  requestId: number;
  /** Yield options (`progress`). */
  options: Dict;
}

/** Any WAMP v2 message. */
export type Message =
  | HelloMessage
  | WelcomeMessage
  | AbortMessage
  | ChallengeMessage
  | AuthenticateMessage
  | GoodbyeMessage
  | ErrorMessage
  | PublishMessage
  | PublishedMessage
  | SubscribeMessage
  | SubscribedMessage
  | UnsubscribeMessage
  | UnsubscribedMessage
  | EventMessage
  | EventReceivedMessage
  | CallMessage
  | CancelMessage
  | ResultMessage
  | RegisterMessage
  | RegisteredMessage
  | UnregisterMessage
  | UnregisteredMessage
  | InvocationMessage
  | InterruptMessage
  | YieldMessage;
