/**
 * A realm: its sessions, broker, dealer and the meta API.
 *
 * @module
 */

import { randomId } from "../protocol/ids.ts";
import type { Dict } from "../protocol/messages.ts";
import type { MatchPolicy } from "../protocol/uri.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import { Broker } from "./broker.ts";
import { Dealer, InternalError } from "./dealer.ts";
import type { RouterSession } from "./router_session.ts";

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

function matchOf(options: unknown): MatchPolicy {
  const m = (options as Dict | undefined)?.match;
  return m === "prefix" || m === "wildcard" ? m : "exact";
}

function idArg(args: unknown[], what: string): number {
  const id = args[0];
  if (typeof id !== "number") {
    throw new InternalError(ErrorUri.INVALID_ARGUMENT, `${what} id expected`);
  }
  return id;
}

/** The per-session limits a realm enforces. */
export interface RealmLimits {
  /** Pending calls one session may have. */
  readonly maxPendingCalls: number;
  /** Subscriptions one session may hold. */
  readonly maxSubscriptionsPerSession: number;
  /** Registrations one session may hold. */
  readonly maxRegistrationsPerSession: number;
}

/**
 * One realm: a routing namespace with its own broker and dealer.
 */
export class Realm {
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
    );
    this.#defineMeta();
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
      args: [this.#describe(session)],
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

  #describe(s: RouterSession): Dict {
    return {
      session: s.id,
      authid: s.authid,
      authrole: s.authrole,
      authmethod: s.authmethod,
      authprovider: "static",
      transport: s.transportInfo,
    };
  }

  #filtered(args: unknown[]): RouterSession[] {
    const roles = Array.isArray(args[0]) ? new Set(args[0]) : undefined;
    return [...this.#sessions.values()].filter((s) =>
      roles === undefined || roles.has(s.authrole)
    );
  }

  #defineMeta(): void {
    const d = this.dealer;
    const b = this.broker;
    d.define("wamp.session.count", (_c, args) => this.#filtered(args).length);
    d.define(
      "wamp.session.list",
      (_c, args) => this.#filtered(args).map((s) => s.id),
    );
    d.define("wamp.session.get", (_c, args) => {
      const s = this.#sessions.get(idArg(args, "Session"));
      if (!s) {
        throw new InternalError(ErrorUri.NO_SUCH_SESSION, "No such session");
      }
      return this.#describe(s);
    });
    d.define("wamp.registration.list", () => {
      const out: Record<string, number[]> = {
        exact: [],
        prefix: [],
        wildcard: [],
      };
      for (const r of d.all) out[r.match]!.push(r.id);
      return out;
    });
    d.define("wamp.registration.lookup", (_c, args) => {
      const r = d.lookup(String(args[0]), matchOf(args[1]));
      return r ? r.id : null;
    });
    d.define("wamp.registration.match", (_c, args) => {
      const r = d.match(String(args[0]));
      return r ? r.id : null;
    });
    const reg = (args: unknown[]) => {
      const r = d.get(idArg(args, "Registration"));
      if (!r) {
        throw new InternalError(
          ErrorUri.NO_SUCH_REGISTRATION,
          "No such registration",
        );
      }
      return r;
    };
    d.define("wamp.registration.get", (_c, args) => d.describe(reg(args)));
    d.define(
      "wamp.registration.list_callees",
      (_c, args) => reg(args).callees.map((s) => s.id),
    );
    d.define(
      "wamp.registration.count_callees",
      (_c, args) => reg(args).callees.length,
    );
    d.define("wamp.subscription.list", () => {
      const out: Record<string, number[]> = {
        exact: [],
        prefix: [],
        wildcard: [],
      };
      for (const s of b.all) out[s.match]!.push(s.id);
      return out;
    });
    d.define("wamp.subscription.lookup", (_c, args) => {
      const s = b.lookup(String(args[0]), matchOf(args[1]));
      return s ? s.id : null;
    });
    d.define("wamp.subscription.match", (_c, args) => {
      const list = b.matching(String(args[0]));
      return list.length ? list.map((s) => s.id) : null;
    });
    const sub = (args: unknown[]) => {
      const s = b.get(idArg(args, "Subscription"));
      if (!s) {
        throw new InternalError(
          ErrorUri.NO_SUCH_SUBSCRIPTION,
          "No such subscription",
        );
      }
      return s;
    };
    d.define("wamp.subscription.get", (_c, args) => b.describe(sub(args)));
    d.define(
      "wamp.subscription.list_subscribers",
      (_c, args) => [...sub(args).subscribers].map((s) => s.id),
    );
    d.define(
      "wamp.subscription.count_subscribers",
      (_c, args) => sub(args).subscribers.size,
    );
  }
}
