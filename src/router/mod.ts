/**
 * The embedded WAMP router: broker and dealer of the advanced profile, web
 * standards only, serving any transport. Runtime adapters live in
 * `@wampkit/wamp/router/deno`, `/router/bun` and `/router/workers`.
 *
 * @example In-process router and client
 * ```ts
 * import { Router } from "@wampkit/wamp/router";
 * import { connect } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * const events: unknown[] = [];
 * await session.subscribe("com.example.news", (args) => events.push(args[0]));
 * await session.publish("com.example.news", ["hello"], {}, { acknowledge: true, exclude_me: false });
 * await session.leave();
 * assert.deepEqual(events, ["hello"]);
 * ```
 *
 * @module
 */

export {
  type RealmConfig,
  Router,
  type RouterEvent,
  type RouterOptions,
} from "./router.ts";
export {
  type AuthenticateCallback,
  Authenticator,
  type AuthOptions,
  type AuthRequest,
  type AuthStart,
  type HelloInfo,
  type Identity,
  type MethodConfig,
  type Principal,
  type ScramConfig,
} from "./authenticator.ts";
export {
  ConfigError,
  type ListenConfig,
  readRouterConfig,
  type RouterConfig,
} from "./router_config.ts";
export {
  type Action,
  type Asker,
  type AuthorizeCallback,
  Authorizer,
  type Decision,
  type Match,
  type Permission,
  type RoleConfig,
  type SessionIdentity,
} from "./authorizer.ts";
export type { Clock } from "../transports/clock.ts";
export {
  type LongPollHandler,
  longPollHandler,
  type LongPollOptions,
} from "./longpoll.ts";
export {
  acceptRawSocketConnection,
  decideRawSocket,
  MIN_CLIENT_LENGTH,
} from "./rawsocket.ts";
export type { Handshake } from "../transports/rawsocket_codec.ts";
export type { RawSocketDecision } from "../transports/rawsocket.ts";
export {
  negotiate,
  type Negotiation,
  offeredProtocols,
  type UpgradePolicy,
} from "./negotiate.ts";
