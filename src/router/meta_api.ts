/**
 * The session, registration and subscription meta API of a realm: the
 * `wamp.*` procedures the router answers itself.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";
import type { MatchPolicy } from "../protocol/uri.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import type { Broker } from "./broker.ts";
import { type Dealer, InternalError } from "./dealer.ts";
import type { RouterSession } from "./router_session.ts";

/** What the meta API reads of a realm. */
export interface MetaRealm {
  /** Sessions by id. */
  readonly sessions: ReadonlyMap<number, RouterSession>;
  /** The broker. */
  readonly broker: Broker;
  /** The dealer. */
  readonly dealer: Dealer;
  /** The description of a session. */
  describe(session: RouterSession): Dict;
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

function filtered(realm: MetaRealm, args: unknown[]): RouterSession[] {
  const roles = Array.isArray(args[0]) ? new Set(args[0]) : undefined;
  return [...realm.sessions.values()].filter((s) =>
    !s.trusted && (roles === undefined || roles.has(s.authrole))
  );
}

/**
 * Defines the meta procedures on a realm's dealer:
 * `wamp.session.count/list/get/kill/kill_by_authid/kill_by_authrole`,
 * `wamp.registration.list/lookup/match/get/list_callees/count_callees`,
 * `wamp.subscription.list/lookup/match/get/list_subscribers/count_subscribers`.
 *
 * @param realm The realm.
 */
export function defineMetaApi(realm: MetaRealm): void {
  const d = realm.dealer;
  const b = realm.broker;
  d.define("wamp.session.count", (_c, args) => filtered(realm, args).length);
  d.define(
    "wamp.session.list",
    (_c, args) => filtered(realm, args).map((s) => s.id),
  );
  d.define("wamp.session.get", (_c, args) => {
    const s = realm.sessions.get(idArg(args, "Session"));
    if (!s) {
      throw new InternalError(ErrorUri.NO_SUCH_SESSION, "No such session");
    }
    return realm.describe(s);
  });
  // Killing ends the other session with GOODBYE (never the caller's own);
  // like every meta procedure, only roles allowed to call it can.
  const kill = (caller: RouterSession, targets: RouterSession[], kw: Dict) => {
    const reason = typeof kw.reason === "string" && kw.reason.length <= 256
      ? kw.reason
      : "wamp.close.killed";
    const message = typeof kw.message === "string"
      ? kw.message.slice(0, 1024)
      : undefined;
    const killed: number[] = [];
    for (const s of targets) {
      // Never the caller, never the router's own sessions.
      if (s === caller || s.trusted) continue;
      s.goodbye(reason, message);
      killed.push(s.id);
    }
    return killed;
  };
  d.define("wamp.session.kill", (c, args, kw) => {
    const s = realm.sessions.get(idArg(args, "Session"));
    if (!s || s === c || s.trusted) {
      throw new InternalError(ErrorUri.NO_SUCH_SESSION, "No such session");
    }
    kill(c, [s], kw);
    return undefined;
  });
  d.define("wamp.session.kill_by_authid", (c, args, kw) => {
    const id = args[0];
    if (typeof id !== "string") {
      throw new InternalError(ErrorUri.INVALID_ARGUMENT, "authid expected");
    }
    const all = [...realm.sessions.values()];
    return kill(c, all.filter((s) => s.authid === id), kw);
  });
  d.define("wamp.session.kill_by_authrole", (c, args, kw) => {
    const role = args[0];
    if (typeof role !== "string") {
      throw new InternalError(ErrorUri.INVALID_ARGUMENT, "authrole expected");
    }
    const all = [...realm.sessions.values()];
    return kill(c, all.filter((s) => s.authrole === role), kw).length;
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
