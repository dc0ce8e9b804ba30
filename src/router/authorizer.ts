/**
 * The router's permission model: roles with per-URI permissions for call,
 * register, publish and subscribe (Crossbar's configuration shape), an
 * optional `authorize` callback, and a cache of decisions per role, URI and
 * action.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";
import { type Clock, systemClock } from "../transports/clock.ts";

/** What a session asks to do. */
export type Action = "call" | "register" | "publish" | "subscribe";

/** One permission of a role, as Crossbar configures it. */
export interface Permission {
  /** The URI, prefix or wildcard pattern (`""` with prefix: everything). */
  uri: string;
  /**
   * How `uri` matches.
   *
   * @default {"exact"}
   */
  match?: "exact" | "prefix" | "wildcard";
  /** The actions allowed; absent ones are denied. */
  allow?: Partial<Record<Action, boolean>>;
  /** Disclose the caller to callees / the publisher to subscribers. */
  disclose?: { caller?: boolean; publisher?: boolean };
  /** Whether decisions may be cached (always for static permissions). */
  cache?: boolean;
}

/** A role and its permissions. */
export interface RoleConfig {
  /** The role name (a session's `authrole`). */
  name: string;
  /** The permissions; the most specific matching one decides. */
  permissions?: Permission[];
  /**
   * A procedure that a client registered, deciding for this role as
   * Crossbar calls a dynamic authorizer: `(session, uri, action, options)`
   * returning `true`/`false` or `{allow, disclose, cache}`. Instead of
   * `permissions`.
   */
  authorizer?: string;
}

/** Calls a procedure registered in a realm (the router's trusted session). */
type Invoke = (
  realm: string,
  procedure: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
) => Promise<unknown[]>;

/** A decision: allowed or not, and whether to disclose the sender. */
export interface Decision {
  /** Whether the action is allowed. */
  allow: boolean;
  /** Disclose the caller (call) or publisher (publish). */
  disclose?: boolean;
  /** Whether the decision may be cached for the role, URI and action. */
  cache?: boolean;
}

/** Who asks: the role, and the whole identity for callbacks. */
export interface Asker {
  /** The verified role. */
  readonly authrole: string;
  /** The verified identity (read only when a callback decides). */
  readonly identity: SessionIdentity;
}

/** The identity an `authorize` callback decides for. */
export interface SessionIdentity {
  /** The session id. */
  session: number;
  /** The realm. */
  realm: string;
  /** The verified authid. */
  authid: string;
  /** The verified role. */
  authrole: string;
  /** The method used. */
  authmethod: string;
  /** `static` or `dynamic`. */
  authprovider: string;
  /** WELCOME's authextra, if any. */
  authextra?: Dict;
}

/**
 * Decides whether a session may do an action on a URI: `true`/`false`, or
 * a {@linkcode Decision}, or a promise of either. Throwing denies.
 */
export type AuthorizeCallback = (
  session: SessionIdentity,
  uri: string,
  action: Action,
  options: { match: Match },
) => boolean | Decision | Promise<boolean | Decision>;

/**
 * How a SUBSCRIBE or REGISTER pattern matches (`exact` for everything
 * else). A pattern is allowed only when every URI it can match is.
 */
export type Match = "exact" | "prefix" | "wildcard";

const DENY: Decision = { allow: false };
const ALLOW: Decision = { allow: true };
const MAX_CACHE = 10_000;

type CacheKey = [role: string, action: string, uri: string];

interface CompiledRole {
  authorizer?: string;
  exact: Map<string, Permission>;
  /** Longest first. */
  prefix: Permission[];
  /** Most non-empty components first. */
  wildcard: { parts: string[]; weight: number; p: Permission }[];
}

function compile(role: RoleConfig): CompiledRole {
  const out: CompiledRole = {
    authorizer: role.authorizer,
    exact: new Map(),
    prefix: [],
    wildcard: [],
  };
  for (const p of role.permissions ?? []) {
    const match = p.match ?? "exact";
    if (match === "exact") out.exact.set(p.uri, p);
    else if (match === "prefix") out.prefix.push(p);
    else if (match === "wildcard") {
      const parts = p.uri.split(".");
      out.wildcard.push({
        parts,
        weight: parts.filter((x) => x !== "").length,
        p,
      });
    } else throw new TypeError(`Unknown match policy ${match}`);
  }
  out.prefix.sort((a, b) => b.uri.length - a.uri.length);
  out.wildcard.sort((a, b) => b.weight - a.weight);
  return out;
}

function find(role: CompiledRole, uri: string): Permission | undefined {
  const exact = role.exact.get(uri);
  if (exact !== undefined) return exact;
  for (const p of role.prefix) if (uri.startsWith(p.uri)) return p;
  if (role.wildcard.length === 0) return undefined;
  const parts = uri.split(".");
  for (const w of role.wildcard) {
    if (w.parts.length !== parts.length) continue;
    if (w.parts.every((x, i) => x === "" || x === parts[i])) return w.p;
  }
  return undefined;
}

// The fixed start every URI a pattern matches shares: a prefix pattern
// itself; a wildcard's components up to the first empty one.
function fixedStart(uri: string, match: Match): string {
  if (match === "prefix") return uri;
  const parts = uri.split(".");
  const empty = parts.indexOf("");
  return empty === -1
    ? uri
    : parts.slice(0, empty).map((x) => `${x}.`).join("");
}

// A pattern (prefix or wildcard) is allowed when the longest prefix
// permission covering its fixed start allows the action, and no permission
// that could apply to some URI under it (a more specific exact, prefix or
// wildcard one) denies it. A wildcard permission identical to a wildcard
// pattern decides it as well.
function decidePattern(
  role: CompiledRole,
  uri: string,
  match: Match,
  action: Action,
): Decision {
  if (match === "wildcard") {
    const same = role.wildcard.find((w) => w.p.uri === uri);
    if (same !== undefined) return decisionOf(same.p, action);
  }
  const start = fixedStart(uri, match);
  const cover = role.prefix.find((p) => start.startsWith(p.uri));
  if (cover === undefined || cover.allow?.[action] !== true) return DENY;
  const denies = (p: Permission) => p.allow?.[action] !== true;
  for (const p of role.exact.values()) {
    if (p.uri.startsWith(start) && denies(p)) return DENY;
  }
  for (const p of role.prefix) {
    if (p !== cover && p.uri.startsWith(start) && denies(p)) return DENY;
  }
  for (const w of role.wildcard) {
    const ws = fixedStart(w.p.uri, "wildcard");
    if ((ws.startsWith(start) || start.startsWith(ws)) && denies(w.p)) {
      return DENY;
    }
  }
  return decisionOf(cover, action);
}

function decisionOf(p: Permission | undefined, action: Action): Decision {
  if (p === undefined || p.allow?.[action] !== true) return DENY;
  const disclose = action === "call"
    ? p.disclose?.caller === true
    : action === "publish"
    ? p.disclose?.publisher === true
    : false;
  return disclose ? { allow: true, disclose } : ALLOW;
}

/**
 * Decides actions of sessions from static roles, then an `authorize`
 * callback for roles that are not configured. With neither, everything is
 * allowed (the development default).
 *
 * @example Roles
 * ```ts
 * import { Authorizer } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const authorizer = new Authorizer({
 *   roles: [{
 *     name: "frontend",
 *     permissions: [
 *       { uri: "com.example.", match: "prefix", allow: { call: true } },
 *       { uri: "com.example.admin.", match: "prefix", allow: {} },
 *     ],
 *   }],
 * });
 * const who = { authrole: "frontend" } as never;
 * assert.equal(authorizer.decide(who, "com.example.add2", "call"), true);
 * assert.equal(authorizer.decide(who, "com.example.admin.kill", "call"), false);
 * ```
 */
export class Authorizer {
  #roles: Map<string, CompiledRole> | undefined;
  #callback: AuthorizeCallback | undefined;
  #invoke: Invoke | undefined;
  #clock: Clock;
  #timeout: number;
  // role → action (and match) → URI → decision: lookups allocate nothing.
  // One authorizer per realm, so decisions never cross realms; a callback's
  // `cache: true` applies to the whole role.
  #cache = new Map<string, Map<string, Map<string, Decision>>>();
  #cached = 0;

  /** Whether everything is allowed (no roles, no callback). */
  readonly open: boolean;

  /**
   * Creates an authorizer.
   *
   * @param options Static roles and/or a callback; `invoke` calls roles'
   * authorizer procedures (the router passes it); a callback that has not
   * answered within `timeout` ms (10 s) is taken as a denial.
   */
  constructor(
    options: {
      roles?: RoleConfig[];
      authorize?: AuthorizeCallback;
      invoke?: Invoke;
      clock?: Clock;
      timeout?: number;
    },
  ) {
    this.#invoke = options.invoke;
    if (options.roles !== undefined) {
      this.#roles = new Map(options.roles.map((r) => [r.name, compile(r)]));
    }
    this.#callback = options.authorize;
    this.#clock = options.clock ?? systemClock;
    this.#timeout = options.timeout ?? 10_000;
    this.open = this.#roles === undefined && this.#callback === undefined;
  }

  /**
   * Decides an action. A cached or static decision comes back at once; a
   * callback's may be a promise.
   *
   * @param session Who asks.
   * @param uri The URI.
   * @param action The action.
   * @param match The match policy of a SUBSCRIBE or REGISTER pattern.
   * @returns The decision: a boolean when nothing is disclosed.
   */
  decide(
    session: Asker,
    uri: string,
    action: Action,
    match: Match = "exact",
  ): boolean | Decision | Promise<Decision> {
    const d = this.decision(session, uri, action, match);
    if (d instanceof Promise) return d;
    return d.disclose ? d : d.allow;
  }

  /**
   * Like {@linkcode Authorizer.decide}, always as a {@linkcode Decision}.
   *
   * @param session Who asks.
   * @param uri The URI.
   * @param action The action.
   * @param match The match policy of a SUBSCRIBE or REGISTER pattern.
   * @returns The decision.
   */
  decision(
    session: Asker,
    uri: string,
    action: Action,
    match: Match = "exact",
  ): Decision | Promise<Decision> {
    if (this.open) return ALLOW;
    const kind = match === "exact" ? action : `${action} ${match}`;
    const hit = this.#cache.get(session.authrole)?.get(kind)?.get(uri);
    if (hit !== undefined) return hit;
    const key: CacheKey = [session.authrole, kind, uri];
    const role = this.#roles?.get(session.authrole);
    if (role?.authorizer !== undefined) {
      return this.#dynamic(role.authorizer, session, uri, action, match, key);
    }
    if (role !== undefined || this.#callback === undefined) {
      const d = role === undefined
        ? DENY
        : match === "exact"
        ? decisionOf(find(role, uri), action)
        : decidePattern(role, uri, match, action);
      this.#remember(key, d);
      return d;
    }
    let answer;
    try {
      answer = this.#callback(session.identity, uri, action, { match });
    } catch {
      return DENY;
    }
    if (answer instanceof Promise) {
      return this.#bounded(answer).then((a) => this.#settle(a, key));
    }
    return this.#settle(answer, key);
  }

  // A decision from what a callback or procedure answered: `true`, or
  // `{allow, disclose, cache}`; anything else denies.
  #settle(answer: unknown, key: CacheKey): Decision {
    const a = answer as Decision | boolean | undefined;
    const d = a === true
      ? ALLOW
      : a && typeof a === "object" && a.allow === true
      ? (a.disclose === true ? { allow: true, disclose: true } : ALLOW)
      : DENY;
    if (typeof a === "object" && a?.cache === true) this.#remember(key, d);
    return d;
  }

  // A pending answer, or false (a denial) if it rejects or takes too long:
  // the session's messages wait behind it.
  #bounded(answer: Promise<unknown>): Promise<unknown> {
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(
        () => resolve(false),
        this.#timeout,
      );
      answer.then((a) => {
        this.#clock.clearTimeout(timer);
        resolve(a);
      }, () => {
        this.#clock.clearTimeout(timer);
        resolve(false);
      });
    });
  }

  #dynamic(
    procedure: string,
    session: Asker,
    uri: string,
    action: Action,
    match: Match,
    key: CacheKey,
  ): Decision | Promise<Decision> {
    const identity = session.identity;
    if (this.#invoke === undefined) return DENY;
    return this.#invoke(
      identity.realm,
      procedure,
      [identity, uri, action, { match }],
      {},
    ).then(([a]) => this.#settle(a, key), () => DENY);
  }

  #remember([role, action, uri]: CacheKey, d: Decision): void {
    if (this.#cached >= MAX_CACHE) {
      this.#cache.clear();
      this.#cached = 0;
    }
    let byAction = this.#cache.get(role);
    if (byAction === undefined) this.#cache.set(role, byAction = new Map());
    let byUri = byAction.get(action);
    if (byUri === undefined) byAction.set(action, byUri = new Map());
    if (!byUri.has(uri)) this.#cached++;
    byUri.set(uri, d);
  }
}
