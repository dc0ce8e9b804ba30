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
import { type Action, Authorizer, type Decision } from "./authorizer.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
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

// A denied request gets ERROR; an unacknowledged publication is dropped
// without an answer.
function refuse(
  s: RouterSession,
  m: { requestId: number },
  uri: string,
  action: Action,
  type: number,
): void {
  if (
    action === "publish" &&
    (m as unknown as { options: Dict }).options.acknowledge !== true
  ) return;
  s.error(
    type,
    m.requestId,
    ErrorUri.NOT_AUTHORIZED,
    `Session is not authorized to ${action} ${uri}`,
  );
}

function features(list: readonly string[]): Dict {
  const out: Dict = {};
  for (const f of list) out[f] = true;
  return { features: out };
}

/** The handler of one message type from an established session. */
type Handler<K extends Message["type"]> = (
  session: RouterSession,
  msg: Extract<Message, { type: K }>,
) => void | Promise<void>;

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
  /** Told of each meta event the broker and dealer publish. */
  readonly observe?: MetaObserver;
}

/**
 * Receives a realm's broker and dealer meta events (such as
 * `wamp.subscription.on_subscribe` with `[session, subscription]`) as they
 * are published, whoever subscribes to them.
 */
export type MetaObserver = (
  realm: Realm,
  topic: string,
  args: unknown[],
) => void;

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
  /** Who may do what in this realm. */
  readonly authorizer: Authorizer;
  #sessions = new Map<number, RouterSession>();
  #dispatch: DispatchTable;

  /**
   * Creates a realm.
   *
   * @param name The realm URI.
   * @param limits Per-session limits.
   * @param authorizer Permissions (everything is allowed without one).
   */
  constructor(name: string, limits: RealmLimits, authorizer?: Authorizer) {
    this.name = name;
    this.authorizer = authorizer ?? new Authorizer({});
    const meta = (topic: string, args: unknown[]) => {
      limits.observe?.(this, topic, args);
      this.broker.deliver(topic, randomId(), { options: {}, args }, undefined);
    };
    this.broker = new Broker(meta, limits.maxSubscriptionsPerSession);
    this.dealer = new Dealer(
      meta,
      limits.maxPendingCalls,
      limits.maxRegistrationsPerSession,
      limits.clock,
    );
    const b = this.broker;
    const d = this.dealer;
    const az = this.authorizer;
    // Every request is authorized before anything is looked up; a decision
    // that is not cached yet may take a promise (a callback's), which the
    // session waits for before it handles its next message.
    const guard = <T extends { requestId: number }>(
      action: Action,
      type: number,
      uriOf: (m: T) => string,
      then: (s: RouterSession, m: T, d?: Decision) => void,
    ): (s: RouterSession, m: T) => void | Promise<void> =>
      // Without roles or callbacks (the default) nothing is checked: the
      // handler itself, no wrapper on the path of every message.
      az.open ? then : (s: RouterSession, m: T): void | Promise<void> => {
        if (s.trusted) return then(s, m);
        const uri = uriOf(m);
        const match = (m as unknown as { options?: Dict }).options?.match;
        const decided = az.decision(
          s,
          uri,
          action,
          match === "prefix" || match === "wildcard" ? match : "exact",
        );
        if (decided instanceof Promise) {
          return decided.then((dec) => {
            if (!s.isOpen) return;
            if (dec.allow) then(s, m, dec);
            else refuse(s, m, uri, action, type);
          });
        }
        if (decided.allow) return then(s, m, decided);
        refuse(s, m, uri, action, type);
      };
    this.#dispatch = {
      [M.PUBLISH]: guard(
        "publish",
        M.PUBLISH,
        (m) => m.topic,
        (s, m, dec) => b.publish(s, m, dec?.disclose === true),
      ),
      [M.SUBSCRIBE]: guard(
        "subscribe",
        M.SUBSCRIBE,
        (m) => m.topic,
        (s, m) => b.subscribe(s, m),
      ),
      [M.UNSUBSCRIBE]: (s, m) => b.unsubscribe(s, m),
      [M.CALL]: guard(
        "call",
        M.CALL,
        (m) => m.procedure,
        (s, m, dec) => d.call(s, m, dec?.disclose === true),
      ),
      [M.CANCEL]: (s, m) => d.cancel(s, m),
      [M.REGISTER]: guard(
        "register",
        M.REGISTER,
        (m) => m.procedure,
        (s, m) => d.register(s, m),
      ),
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
   * @returns A promise while an authorization decision is pending.
   */
  handle(session: RouterSession, msg: Message): void | Promise<void> {
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
    return handler(session, msg as never);
  }

  /** Sessions in this realm. */
  get sessions(): ReadonlyMap<number, RouterSession> {
    return this.#sessions;
  }

  /**
   * Holds a session restored from a snapshot (`snapshot.ts`): it was in
   * the realm already, so no `wamp.session.on_join` is published.
   *
   * @param session The session.
   */
  restoreSession(session: RouterSession): void {
    this.#sessions.set(session.id, session);
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
      authprovider: s.authprovider,
      transport: s.transportInfo,
    };
  }
}
