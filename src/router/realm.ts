/**
 * A realm: its sessions, broker, dealer and the meta API.
 *
 * @module
 */

import { randomId } from "../protocol/ids.ts";
import { MessageType as M, messageTypeName } from "../protocol/message_type.ts";
import type { Dict, Message } from "../protocol/messages.ts";
import { ProtocolError } from "../protocol/protocol_error.ts";
import { Broker } from "./broker.ts";
import type { Clock } from "../transports/clock.ts";
import { Dealer } from "./dealer.ts";
import { defineMetaApi } from "./meta_api.ts";
import type { RouterSession, SessionRealm } from "./router_session.ts";

/** Broker features this router implements. */
export const BROKER_FEATURES: readonly string[] = [
  "pattern_based_subscription",
  "publisher_exclusion",
  "publisher_identification",
  "subscriber_blackwhite_listing",
  "session_meta_api",
  "subscription_meta_api",
];

/** Dealer features this router implements. */
export const DEALER_FEATURES: readonly string[] = [
  "call_canceling",
  "call_timeout",
  "caller_identification",
  "pattern_based_registration",
  "progressive_call_results",
  "shared_registration",
  "session_meta_api",
  "registration_meta_api",
];

function features(list: readonly string[]): Dict {
  const out: Dict = {};
  for (const f of list) out[f] = true;
  return { features: out };
}

/** The handler of one message type from an established session. */
type Handler<K extends Message["type"]> = (
  session: RouterSession,
  msg: Extract<Message, { type: K }>,
) => void;

/** How a realm handles each message type an established client sends. */
type DispatchTable = { [K in Message["type"]]?: Handler<K> };

/** The per-session limits a realm enforces. */
export interface RealmLimits {
  /** Pending calls one session may have. */
  readonly maxPendingCalls: number;
  /** Subscriptions one session may hold. */
  readonly maxSubscriptionsPerSession: number;
  /** Registrations one session may hold. */
  readonly maxRegistrationsPerSession: number;
  /** Timers for call timeouts. */
  readonly clock?: Clock;
}

/**
 * One realm: a routing namespace with its own broker and dealer.
 */
export class Realm implements SessionRealm {
  /** The realm URI. */
  readonly name: string;
  /** The broker. */
  readonly broker: Broker;
  /** The dealer. */
  readonly dealer: Dealer;
  /** The roles dict announced in WELCOME. */
  readonly routerRoles: Dict = {
    broker: features(BROKER_FEATURES),
    dealer: features(DEALER_FEATURES),
  };
  #sessions = new Map<number, RouterSession>();
  #dispatch: DispatchTable;

  /**
   * Creates a realm.
   *
   * @param name The realm URI.
   * @param limits Per-session limits.
   */
  constructor(name: string, limits: RealmLimits) {
    this.name = name;
    const meta = (topic: string, args: unknown[]) =>
      this.broker.deliver(topic, randomId(), { options: {}, args }, undefined);
    this.broker = new Broker(meta, limits.maxSubscriptionsPerSession);
    this.dealer = new Dealer(
      meta,
      limits.maxPendingCalls,
      limits.maxRegistrationsPerSession,
      limits.clock,
    );
    const b = this.broker;
    const d = this.dealer;
    this.#dispatch = {
      [M.PUBLISH]: (s, m) => b.publish(s, m),
      [M.SUBSCRIBE]: (s, m) => b.subscribe(s, m),
      [M.UNSUBSCRIBE]: (s, m) => b.unsubscribe(s, m),
      [M.CALL]: (s, m) => d.call(s, m),
      [M.CANCEL]: (s, m) => d.cancel(s, m),
      [M.REGISTER]: (s, m) => d.register(s, m),
      [M.UNREGISTER]: (s, m) => d.unregister(s, m),
      [M.YIELD]: (s, m) => d.yield(s, m),
      [M.ERROR]: (s, m) => {
        if (m.requestType !== M.INVOCATION) {
          throw new ProtocolError(
            `ERROR: Request.Type must be 68 (INVOCATION) from a client, got ${m.requestType}`,
          );
        }
        d.invocationError(s, m);
      },
    };
    defineMetaApi(this);
  }

  /**
   * Handles a message from an established session: the broker's and the
   * dealer's requests; anything else is a protocol violation.
   *
   * @param session The sender.
   * @param msg The message.
   */
  handle(session: RouterSession, msg: Message): void {
    const handler = this.#dispatch[msg.type] as
      | Handler<typeof msg.type>
      | undefined;
    if (handler === undefined) {
      throw new ProtocolError(
        `${
          messageTypeName(msg.type)
        } is not a message a client sends in an established session`,
      );
    }
    handler(session, msg as never);
  }

  /** Sessions in this realm. */
  get sessions(): ReadonlyMap<number, RouterSession> {
    return this.#sessions;
  }

  /**
   * A session joined.
   *
   * @param session The session.
   */
  join(session: RouterSession): void {
    this.#sessions.set(session.id, session);
    this.broker.deliver("wamp.session.on_join", randomId(), {
      options: {},
      args: [this.describe(session)],
    }, undefined);
  }

  /**
   * A session left: its subscriptions and registrations go.
   *
   * @param session The session.
   */
  leave(session: RouterSession): void {
    if (!this.#sessions.delete(session.id)) return;
    this.broker.removeSession(session);
    this.dealer.removeSession(session);
    this.broker.deliver("wamp.session.on_leave", randomId(), {
      options: {},
      args: [session.id, session.authid, session.authrole],
    }, undefined);
  }

  /**
   * The meta API description of a session.
   *
   * @param s The session.
   * @returns `{session, authid, authrole, authmethod, authprovider, transport}`.
   */
  describe(s: RouterSession): Dict {
    return {
      session: s.id,
      authid: s.authid,
      authrole: s.authrole,
      authmethod: s.authmethod,
      authprovider: "static",
      transport: s.transportInfo,
    };
  }
}
