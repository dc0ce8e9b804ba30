/**
 * What of a router outlives the router: its joined sessions (id, realm,
 * identity, announced features), their subscriptions and their
 * registrations, as plain records; and the restore of those records onto
 * a new router, over new transports for the same connections, so that
 * clients notice nothing. The Workers adapter keeps these records in
 * WebSocket attachments and Durable Object storage, so that a realm
 * survives hibernation.
 *
 * Not kept: calls in flight (the new router knows nothing of them, and
 * drops the callee's late answer), the round-robin position of shared
 * registrations (it starts again at the first callee), connections still
 * in their opening handshake, and features a client announced that are
 * not in {@linkcode CLIENT_FEATURES}.
 *
 * @example Move a session to a new router
 * ```ts
 * import { restore, snapshot } from "./snapshot.ts";
 * import { Router } from "./router.ts";
 * import { connect } from "../client/connection.ts";
 * import { memoryPair } from "../transports/memory.ts";
 * import assert from "node:assert/strict";
 *
 * const before = new Router({ realms: ["realm1"] });
 * const client = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => before.connectLocal() }],
 * });
 * await client.subscribe("com.example.news", () => {});
 * const saved = JSON.parse(JSON.stringify(snapshot(before))); // plain data
 * // A new router takes the session over, given a transport to its client.
 * const after = new Router({ realms: ["realm1"] });
 * const [_client, server] = memoryPair("wamp.2.json");
 * assert.deepEqual([...restore(after, saved, () => server)], [client.id]);
 * await after.close();
 * ```
 *
 * @module
 */

import { announceRoles, rolesOf } from "../protocol/features.ts";
import type { Dict } from "../protocol/messages.ts";
import type { MatchPolicy } from "../protocol/uri.ts";
import type { Transport } from "../transports/transport.ts";
import type { InvokePolicy } from "./dealer.ts";
import type { Realm } from "./realm.ts";
import { type Router, routerHost } from "./router.ts";
import { RouterSession } from "./router_session.ts";

/**
 * The client features a snapshot keeps, per role (from the WAMP spec); a
 * feature outside this list is forgotten, which bounds a session record
 * whatever a client announces.
 *
 * @example Usage
 * ```ts
 * import { CLIENT_FEATURES } from "./snapshot.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(CLIENT_FEATURES.has("call_canceling"));
 * ```
 */
export const CLIENT_FEATURES: ReadonlySet<string> = new Set([
  "call_canceling",
  "call_timeout",
  "call_trustlevels",
  "caller_identification",
  "event_history",
  "event_retention",
  "pattern_based_registration",
  "pattern_based_subscription",
  "payload_passthru_mode",
  "payload_transparency",
  "progressive_call_invocations",
  "progressive_call_results",
  "publisher_exclusion",
  "publisher_identification",
  "registration_revocation",
  "sharded_registration",
  "sharded_subscription",
  "shared_registration",
  "subscriber_blackwhite_listing",
  "subscription_revocation",
]);

const CLIENT_ROLES = ["caller", "callee", "publisher", "subscriber"];

/** What survives of one joined session. */
export interface SessionRecord {
  /** The session id. */
  readonly id: number;
  /** The realm it joined. */
  readonly realm: string;
  /** The subprotocol of its transport, such as `wamp.2.json`. */
  readonly protocol: string;
  /** The authid granted. */
  readonly authid: string;
  /** The authrole granted. */
  readonly authrole: string;
  /** The authmethod used. */
  readonly authmethod: string;
  /** Who verified the identity. */
  readonly authprovider: string;
  /** WELCOME's authextra, if any. */
  readonly authextra?: Dict;
  /** The client's roles and their features (of {@linkcode CLIENT_FEATURES}). */
  readonly roles: Readonly<Record<string, readonly string[]>>;
}

/** One session's membership of a subscription. */
export interface SubscriptionRecord {
  /** The subscriber's session id. */
  readonly session: number;
  /** The subscription id. */
  readonly id: number;
  /** The topic or pattern. */
  readonly uri: string;
  /** The match policy. */
  readonly match: MatchPolicy;
  /** When the subscription was created (ISO 8601). */
  readonly created: string;
}

/** One callee of a registration. */
export interface RegistrationRecord {
  /** The callee's session id. */
  readonly session: number;
  /** The registration id. */
  readonly id: number;
  /** The procedure or pattern. */
  readonly uri: string;
  /** The match policy. */
  readonly match: MatchPolicy;
  /** The shared registration policy. */
  readonly invoke: InvokePolicy;
  /** When the registration was created (ISO 8601). */
  readonly created: string;
}

/**
 * A router's joined sessions with their subscriptions and registrations;
 * plain data (JSON and structured clone carry it). Registrations are in
 * callee order: restored in this order, shared registrations keep their
 * callees' order.
 */
export interface Snapshot {
  /** The sessions. */
  readonly sessions: readonly SessionRecord[];
  /** Their subscriptions. */
  readonly subscriptions: readonly SubscriptionRecord[];
  /** Their registrations. */
  readonly registrations: readonly RegistrationRecord[];
}

/**
 * The record of one joined session.
 *
 * @example Usage
 * ```ts
 * import { sessionRecord } from "./snapshot.ts";
 * import { Router, routerHost } from "./router.ts";
 * import { connect } from "../client/connection.ts";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ realms: ["realm1"] });
 * const client = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * const realm = routerHost(router).realms.get("realm1")!;
 * const record = sessionRecord(realm.sessions.get(client.id!)!);
 * assert.equal(record.id, client.id);
 * assert.ok(record.roles.caller?.includes("call_canceling"));
 * await client.leave();
 * ```
 *
 * @param session A joined session.
 * @returns Its record.
 */
export function sessionRecord(session: RouterSession): SessionRecord {
  const roles: Record<string, string[]> = {};
  const announced = rolesOf(session.roles);
  for (const role of CLIENT_ROLES) {
    const features = announced[role];
    if (features) roles[role] = features.filter((f) => CLIENT_FEATURES.has(f));
  }
  const record: {
    -readonly [K in keyof SessionRecord]: SessionRecord[K];
  } = {
    id: session.id,
    realm: session.realm?.name ?? "",
    protocol: session.serializer.protocol,
    authid: session.authid,
    authrole: session.authrole,
    authmethod: session.authmethod,
    authprovider: session.authprovider,
    roles,
  };
  if (session.authextra !== undefined) record.authextra = session.authextra;
  return record;
}

/**
 * Takes a snapshot of every joined session of a router, with its
 * subscriptions and registrations.
 *
 * @example Usage
 * ```ts
 * import { snapshot } from "./snapshot.ts";
 * import { Router } from "./router.ts";
 * import { connect } from "../client/connection.ts";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ realms: ["realm1"] });
 * const client = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * await client.subscribe("com.example.news", () => {});
 * const saved = snapshot(router);
 * assert.equal(saved.sessions[0]!.id, client.id);
 * assert.equal(saved.subscriptions[0]!.uri, "com.example.news");
 * await client.leave();
 * ```
 *
 * @param router The router.
 * @returns Its sessions, subscriptions and registrations.
 */
export function snapshot(router: Router): Snapshot {
  const sessions: SessionRecord[] = [];
  const subscriptions: SubscriptionRecord[] = [];
  const registrations: RegistrationRecord[] = [];
  for (const realm of routerHost(router).realms.values()) {
    for (const session of realm.sessions.values()) {
      if (session.isOpen) sessions.push(sessionRecord(session));
    }
    for (const sub of realm.broker.all) {
      const { id, uri, match, created } = sub;
      for (const s of sub.subscribers) {
        if (s.isOpen) {
          subscriptions.push({ session: s.id, id, uri, match, created });
        }
      }
    }
    for (const reg of realm.dealer.all) {
      const { id, uri, match, invoke, created } = reg;
      for (const s of reg.callees) {
        if (s.isOpen) {
          registrations.push({
            session: s.id,
            id,
            uri,
            match,
            invoke,
            created,
          });
        }
      }
    }
  }
  return { sessions, subscriptions, registrations };
}

/** Options of {@linkcode restore}. */
export interface RestoreOptions {
  /**
   * Restored sessions' INVOCATION ids continue after this one. Pass a
   * value above any id the earlier router may have sent when it may have
   * had invocations pending: their late answers are then dropped as
   * answers to finished invocations (otherwise a callee answering one
   * would be taken for a protocol violation).
   *
   * @default {0}
   */
  lastInvocation?: number;
}

/**
 * Restores a snapshot onto a router: each session whose transport
 * `transportOf` gives (a new transport to the same client) is established
 * again with its id, realm, identity and features, in its subscriptions
 * and registrations with their ids and policies, without a handshake and
 * without meta events, and starts receiving. A session the router cannot
 * take (its realm or serializer is not served, the router is full, its id
 * is taken) has its transport closed with 1012. A restored session's next
 * request id is taken as given; strict checking goes on from there.
 *
 * @example Usage
 * ```ts
 * import { restore } from "./snapshot.ts";
 * import { Router } from "./router.ts";
 * import { memoryPair } from "../transports/memory.ts";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ realms: ["realm1"] });
 * const [_client, server] = memoryPair("wamp.2.json");
 * const restored = restore(router, {
 *   sessions: [{
 *     id: 42, realm: "realm1", protocol: "wamp.2.json", authid: "alice",
 *     authrole: "user", authmethod: "ticket", authprovider: "static",
 *     roles: { subscriber: [] },
 *   }],
 *   subscriptions: [{
 *     session: 42, id: 7, uri: "com.example.news", match: "exact",
 *     created: new Date().toISOString(),
 *   }],
 *   registrations: [],
 * }, () => server);
 * assert.deepEqual([...restored], [42]);
 * await router.close();
 * ```
 *
 * @param router The router (a new one, or one without these sessions).
 * @param snapshot What to restore.
 * @param transportOf The new transport of a session, or undefined to leave
 *   the session out.
 * @param options Where INVOCATION ids continue.
 * @returns The ids of the sessions restored.
 */
export function restore(
  router: Router,
  snapshot: Snapshot,
  transportOf: (session: SessionRecord) => Transport | undefined,
  options: RestoreOptions = {},
): Set<number> {
  const host = routerHost(router);
  const restored = new Map<number, [RouterSession, Realm]>();
  for (const record of snapshot.sessions) {
    if (restored.has(record.id)) continue;
    const transport = transportOf(record);
    if (transport === undefined) continue;
    const serializer = host.serializers.find((s) =>
      s.protocol === record.protocol
    );
    const realm = host.realmFor(record.realm);
    if (
      serializer === undefined || typeof realm === "string" ||
      realm.sessions.has(record.id) || !host.admit()
    ) {
      transport.close(1012, "The router restarted and lost this session");
      continue;
    }
    const session = new RouterSession(transport, serializer, host);
    session.authid = record.authid;
    session.authrole = record.authrole;
    session.authmethod = record.authmethod;
    session.authprovider = record.authprovider;
    session.authextra = record.authextra;
    session.roles = announceRoles(record.roles);
    session.resume(realm, record.id);
    host.adopt(session);
    realm.restoreSession(session);
    realm.dealer.restoreSession(session, options.lastInvocation ?? 0);
    restored.set(record.id, [session, realm]);
  }
  for (const sub of snapshot.subscriptions) {
    const held = restored.get(sub.session);
    if (held === undefined) continue;
    const { id, uri, match, created } = sub;
    held[1].broker.restoreSubscription(held[0], { id, uri, match, created });
  }
  for (const reg of snapshot.registrations) {
    const held = restored.get(reg.session);
    if (held === undefined) continue;
    const { id, uri, match, invoke, created } = reg;
    held[1].dealer.restoreRegistration(held[0], {
      id,
      uri,
      match,
      invoke,
      created,
    });
  }
  for (const [session] of restored.values()) session.start();
  return new Set(restored.keys());
}

/**
 * Told of each change to what a {@linkcode Snapshot} holds, as it happens,
 * to keep a copy elsewhere (the Workers adapter writes Durable Object
 * storage from it). Sessions that leave lose their subscriptions and
 * registrations one by one first.
 */
export interface SnapshotObserver {
  /**
   * A session joined a subscription.
   *
   * @param record The membership.
   */
  subscribed(record: SubscriptionRecord): void;
  /**
   * A session left a subscription.
   *
   * @param session The session id.
   * @param id The subscription id.
   */
  unsubscribed(session: number, id: number): void;
  /**
   * A session became a callee of a registration.
   *
   * @param record The callee's registration.
   */
  registered(record: RegistrationRecord): void;
  /**
   * A session stopped being a callee of a registration.
   *
   * @param session The session id.
   * @param id The registration id.
   */
  unregistered(session: number, id: number): void;
}

/**
 * Tells an observer of every subscription and registration change of a
 * router from now on (restores do not count); one observer per router,
 * undefined removes it.
 *
 * @example Usage
 * ```ts
 * import { observe, type SubscriptionRecord } from "./snapshot.ts";
 * import { Router } from "./router.ts";
 * import { connect } from "../client/connection.ts";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ realms: ["realm1"] });
 * const seen: SubscriptionRecord[] = [];
 * observe(router, {
 *   subscribed: (record) => seen.push(record),
 *   unsubscribed: () => {},
 *   registered: () => {},
 *   unregistered: () => {},
 * });
 * const client = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * await client.subscribe("com.example.news", () => {});
 * assert.equal(seen[0]!.session, client.id);
 * await client.leave();
 * ```
 *
 * @param router The router.
 * @param observer The observer, or undefined for none.
 */
export function observe(
  router: Router,
  observer: SnapshotObserver | undefined,
): void {
  routerHost(router).observer = observer &&
    ((realm, topic, args) => {
      const session = args[0] as number;
      const id = args[1] as number;
      switch (topic) {
        case "wamp.subscription.on_subscribe": {
          const sub = realm.broker.get(id);
          if (sub === undefined) return;
          const { uri, match, created } = sub;
          return observer.subscribed({ session, id, uri, match, created });
        }
        case "wamp.subscription.on_unsubscribe":
          return observer.unsubscribed(session, id);
        case "wamp.registration.on_register": {
          const reg = realm.dealer.get(id);
          if (reg === undefined) return;
          const { uri, match, invoke, created } = reg;
          return observer.registered({
            session,
            id,
            uri,
            match,
            invoke,
            created,
          });
        }
        case "wamp.registration.on_unregister":
          return observer.unregistered(session, id);
      }
    });
}
