// The message type codes as single constants, the same as `MessageType`
// (tests/protocol/codes_test.ts holds them equal). Client and protocol code
// takes these, as the namespace `M`, so that a bundler inlines `M.CALL` as
// `48` and leaves the `MessageType` object out of bundles that do not use it;
// `MessageType` keeps its literal object for the docs.

export const HELLO = 1;
export const WELCOME = 2;
export const ABORT = 3;
export const CHALLENGE = 4;
export const AUTHENTICATE = 5;
export const GOODBYE = 6;
export const ERROR = 8;
export const PUBLISH = 16;
export const PUBLISHED = 17;
export const SUBSCRIBE = 32;
export const SUBSCRIBED = 33;
export const UNSUBSCRIBE = 34;
export const UNSUBSCRIBED = 35;
export const EVENT = 36;
export const EVENT_RECEIVED = 337;
export const CALL = 48;
export const CANCEL = 49;
export const RESULT = 50;
export const REGISTER = 64;
export const REGISTERED = 65;
export const UNREGISTER = 66;
export const UNREGISTERED = 67;
export const INVOCATION = 68;
export const INTERRUPT = 69;
export const YIELD = 70;
