/**
 * The embedded WAMP router: realms of brokers and dealers, serving any
 * transport.
 *
 * @module
 */

import { isValidUri } from "../protocol/uri.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import { JsonSerializer } from "../serializers/json.ts";
import type { Serializer } from "../serializers/serializer.ts";
import { memoryPair } from "../transports/memory.ts";
import type { Transport } from "../transports/transport.ts";
import { type Clock, systemClock } from "../transports/clock.ts";
import type { UpgradePolicy } from "./negotiate.ts";
import { type MetaObserver, Realm, type RealmLimits } from "./realm.ts";
import { RouterSession, type SessionHost } from "./router_session.ts";
import { InternalCaller } from "./internal_caller.ts";
import { Authenticator, type AuthOptions } from "./authenticator.ts";
import {
  type AuthorizeCallback,
  Authorizer,
  type RoleConfig,
} from "./authorizer.ts";

/**
 * A join, leave or abort, for logging. `abort` covers every session the
 * router ends against the client's will: ABORT during the handshake, a
 * protocol violation, a handshake timeout, a slow consumer.
 */
export interface RouterEvent {
  /** What happened. */
  type: "join" | "leave" | "abort";
  /** The session id. */
  session: number;
  /** The realm, if joined. */
  realm?: string;
  /** The authid. */
  authid: string;
  /** The transport's subprotocol. */
  protocol: string;
  /** More about it (the ABORT reason). */
  detail?: string;
}

/** A realm with its own roles (Crossbar's `realms` entries). */
export interface RealmConfig {
  /** The realm URI. */
  name: string;
  /** The realm's roles; `RouterOptions.roles` when absent. */
  roles?: RoleConfig[];
}

/** Options of a {@linkcode Router}. */
export interface RouterOptions {
  /**
   * Realms to serve, by name or with their roles. Without a list, any
   * realm a client names is created.
   */
  realms?: (string | RealmConfig)[];
  /**
   * Authentication methods served. Default: anonymous only, with role
   * `anonymous` (the development default).
   */
  auth?: AuthOptions;
  /**
   * Roles and their permissions in every realm without roles of its own.
   * With roles, a role that is not listed may do nothing. Default: every
   * session may do everything (the development default) — unless some
   * realm has roles: then realms without any allow nothing.
   */
  roles?: RoleConfig[];
  /**
   * Decides for roles that are not listed in `roles`: `true`/`false` or a
   * `Decision` (`{allow, disclose, cache}`), or a promise of one.
   */
  authorize?: AuthorizeCallback;
  /**
   * Create realms clients name. Default: true when `realms` is not given.
   */
  autoCreateRealms?: boolean;
  /**
   * Serializers offered, in order of preference. Default: JSON only; pass
   * `new MsgpackSerializer()` and `new CborSerializer()` to add them.
   */
  serializers?: Serializer[];
  /**
   * Check that client request ids go 1, 2, 3 … as the spec requires. Turn
   * off for clients that use random ids (Autobahn|JS does).
   *
   * @default {true}
   */
  strictRequestIds?: boolean;
  /**
   * Joined sessions the router serves at once; further HELLOs get ABORT.
   * Connections still in their handshake do not count (see
   * `maxPendingHandshakes`).
   *
   * @default {10000}
   */
  maxSessions?: number;
  /**
   * Connections that may be in their opening handshake (connected, not yet
   * WELCOMEd) at once; adapters refuse further upgrades with HTTP 503.
   *
   * @default {1000}
   */
  maxPendingHandshakes?: number;
  /**
   * Milliseconds a connection has from being accepted to being WELCOMEd;
   * then it gets ABORT and is closed.
   *
   * @default {10000}
   */
  helloTimeout?: number;
  /**
   * Bytes that may wait to be sent to one session (the transport's
   * `bufferedAmount`). A session that stops reading past this bound is a
   * slow consumer: the router closes it, reports an `abort` event and the
   * realm's `wamp.session.on_leave`; everyone else carries on.
   *
   * @default {16777216}
   */
  maxOutboundBytes?: number;
  /**
   * Realms at once, configured and auto-created. Auto-created realms go
   * when their last session leaves; a HELLO that would create one past the
   * bound gets ABORT `wamp.error.no_such_realm`.
   *
   * @default {1000}
   */
  maxRealms?: number;
  /**
   * Subscriptions one session may hold; further SUBSCRIBEs get ERROR
   * `wamp.error.unavailable`.
   *
   * @default {100000}
   */
  maxSubscriptionsPerSession?: number;
  /**
   * Registrations one session may hold; further REGISTERs get ERROR
   * `wamp.error.unavailable`.
   *
   * @default {10000}
   */
  maxRegistrationsPerSession?: number;
  /**
   * Browser origins allowed to open a WebSocket (the `Origin` header, such
   * as `https://app.example.com`). When set, an upgrade from any other
   * origin gets HTTP 403, which stops other sites' pages from using a
   * visitor's browser to reach the router (cross-site WebSocket hijacking).
   * Requests without `Origin` (non-browser clients) are accepted.
   * Default: any origin.
   */
  allowedOrigins?: string[];
  /**
   * Calls one session may have pending; further calls fail with
   * `wamp.error.unavailable`.
   *
   * @default {1000}
   */
  maxPendingCalls?: number;
  /** Receives joins, leaves and aborts. */
  onEvent?: (event: RouterEvent) => void;
  /**
   * Timers for the hello timeout and call timeouts (tests pass a virtual
   * clock). Default: the runtime's `setTimeout` and `clearTimeout`.
   */
  clock?: Clock;
}

// The router's side that sessions see; kept off the public class.
const hosts = new WeakMap<Router, RouterHost>();

/** What sessions and adapters inside the package reach of a router. */
export interface RouterHost extends SessionHost {
  /** A realm by name, creating it if allowed. */
  realmFor(name: string): Realm | string;
  /** The serializers served (RawSocket picks one by its id). */
  readonly serializers: readonly Serializer[];
  /** Connections accepted and not yet WELCOMEd. */
  pendingHandshakes(): number;
  /** The bound on those (`maxPendingHandshakes`). */
  readonly maxPendingHandshakes: number;
  /**
   * Takes a place for a connection in a handshake of its transport's own
   * (RawSocket) before it is accepted; false when there is none.
   */
  reserveHandshake(): boolean;
  /** Gives back a place `reserveHandshake()` took. */
  releaseHandshake(): void;
  /** The realms, by name. */
  readonly realms: ReadonlyMap<string, Realm>;
  /**
   * Holds a session restored from a snapshot (`snapshot.ts`), which took
   * its place with `admit()` and has not started yet.
   */
  adopt(session: RouterSession): void;
  /** Told of every realm's meta events (`snapshot.ts` persists from them). */
  observer: MetaObserver | undefined;
}

/**
 * The internal side of a router, for the package's own modules and tests;
 * not part of the public entry point.
 *
 * @param router The router.
 * @returns Its host object.
 */
export function routerHost(router: Router): RouterHost {
  return hosts.get(router)!;
}

/**
 * An embedded WAMP router: broker and dealer of the advanced profile, in
 * process, over any {@linkcode Transport}. Runtime adapters serve it over
 * WebSocket; {@linkcode Router.connectLocal} gives an in-process transport.
 *
 * @example Usage
 * ```ts
 * import { Router } from "@wampkit/wamp/router";
 * import { Connection } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ realms: ["realm1"] });
 * const connection = new Connection({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * const session = await connection.openSession();
 * await session.register("com.example.add2", ([a, b]) => (a as number) + (b as number));
 * assert.equal(await session.call("com.example.add2", [2, 3]), 5);
 * await connection.close();
 * ```
 */
export class Router implements UpgradePolicy {
  /** Bytes that may wait to be sent to one session. */
  readonly maxOutboundBytes: number;
  /** Origins allowed to open a WebSocket; undefined allows any. */
  readonly allowedOrigins: ReadonlySet<string> | undefined;
  #realms = new Map<string, Realm>();
  #configured = new Set<string>();
  #serializers: Serializer[];
  #maxPendingHandshakes: number;
  #sessions = new Set<RouterSession>();
  #joined = 0;
  #opening = 0;
  #closing = 0;
  #host: RouterHost;
  #clock: Clock;

  /**
   * Creates a router.
   *
   * @param options Realms, serializers and limits.
   */
  constructor(options: RouterOptions = {}) {
    const autoCreate = options.autoCreateRealms ??
      options.realms === undefined;
    const maxRealms = options.maxRealms ?? 1000;
    const maxSessions = options.maxSessions ?? 10000;
    const onEvent = options.onEvent;
    const clock = this.#clock = options.clock ?? systemClock;
    this.#serializers = options.serializers ?? [new JsonSerializer()];
    this.#maxPendingHandshakes = options.maxPendingHandshakes ?? 1000;
    this.maxOutboundBytes = options.maxOutboundBytes ?? 16 * 1024 * 1024;
    this.allowedOrigins = options.allowedOrigins
      ? new Set(options.allowedOrigins)
      : undefined;
    // Shared by every realm; `observe` is set by `host.observer` (Workers
    // persistence) and is absent otherwise, so meta events cost nothing more.
    const limits: { -readonly [K in keyof RealmLimits]: RealmLimits[K] } = {
      maxPendingCalls: options.maxPendingCalls ?? 1000,
      maxSubscriptionsPerSession: options.maxSubscriptionsPerSession ??
        100_000,
      maxRegistrationsPerSession: options.maxRegistrationsPerSession ??
        10_000,
      clock,
    };
    const realms = this.#realms;
    const configured = this.#configured;
    // Dynamic authenticators and authorizers are procedures that clients
    // registered: the router calls them from a trusted session per realm.
    const callers = new Map<string, InternalCaller>();
    const invoke = (
      realm: string,
      procedure: string,
      args: unknown[],
      kwargs: Record<string, unknown>,
    ): Promise<unknown[]> => {
      let caller = callers.get(realm);
      if (caller === undefined || caller.closed) {
        let made: InternalCaller | undefined;
        caller = made = new InternalCaller(
          (server) => {
            const session = new RouterSession(
              server,
              new JsonSerializer(),
              this.#host,
              true,
            );
            this.#sessions.add(session);
            session.start();
          },
          realm,
          clock,
          10_000,
          () => {
            if (made === undefined || callers.get(realm) === made) {
              callers.delete(realm);
            }
          },
        );
        if (!caller.closed) callers.set(realm, caller);
      }
      return caller.call(procedure, args, kwargs);
    };
    const authenticator = new Authenticator(
      options.auth ?? { anonymous: true },
      invoke,
    );
    const authorizerFor = (roles: RoleConfig[] | undefined) =>
      new Authorizer({
        roles,
        authorize: options.authorize,
        invoke,
        clock,
      });
    // With roles configured anywhere, a realm without roles of its own (and
    // without top-level roles) allows nothing rather than everything.
    const anyRoles = options.roles !== undefined ||
      (options.realms ?? []).some((r) =>
        typeof r !== "string" && r.roles !== undefined
      );
    const defaultRoles = options.roles ?? (anyRoles ? [] : undefined);
    // One authorizer per realm: its decision cache never crosses realms.
    const realmAuthorizer = () => authorizerFor(defaultRoles);
    const host: RouterHost = {
      serializers: this.#serializers,
      pendingHandshakes: () => this.#sessions.size - this.#joined,
      maxPendingHandshakes: this.#maxPendingHandshakes,
      reserveHandshake: () => {
        if (!this.acceptingHandshakes) return false;
        this.#opening++;
        return true;
      },
      releaseHandshake: () => {
        this.#opening--;
      },
      realms,
      adopt: (session) => {
        this.#sessions.add(session);
      },
      get observer() {
        return limits.observe;
      },
      set observer(observer) {
        limits.observe = observer;
      },
      strictRequestIds: options.strictRequestIds ?? true,
      helloTimeout: options.helloTimeout ?? 10_000,
      maxOutboundBytes: this.maxOutboundBytes,
      clock,
      authenticator,
      realmFor(name) {
        const realm = realms.get(name);
        if (realm !== undefined) return realm;
        if (!autoCreate) return `No realm ${name}`;
        if (realms.size >= maxRealms) {
          return `No realm ${name}, and the router serves as many realms as it may`;
        }
        const created = new Realm(name, limits, realmAuthorizer());
        realms.set(name, created);
        return created;
      },
      admit: () => {
        if (this.#joined >= maxSessions) return false;
        this.#joined++;
        return true;
      },
      released: (session, joined) => {
        if (!this.#sessions.delete(session)) return;
        if (joined) this.#joined--;
        const name = session.realm?.name;
        if (name === undefined || configured.has(name)) return;
        const realm = realms.get(name);
        if (
          realm !== undefined && realm === session.realm &&
          realm.sessions.size === 0
        ) {
          realms.delete(name);
        }
      },
      log(event, session, detail) {
        onEvent?.({
          type: event as RouterEvent["type"],
          session: session.id,
          realm: session.realm?.name,
          authid: session.authid,
          protocol: session.serializer.protocol,
          detail,
        });
      },
    };
    this.#host = host;
    hosts.set(this, host);
    for (const entry of options.realms ?? []) {
      const name = typeof entry === "string" ? entry : entry.name;
      if (!isValidUri(name)) throw new TypeError(`Invalid realm URI ${name}`);
      const roles = typeof entry === "string" ? undefined : entry.roles;
      realms.set(
        name,
        new Realm(
          name,
          limits,
          roles ? authorizerFor(roles) : realmAuthorizer(),
        ),
      );
      configured.add(name);
    }
  }

  /** The subprotocols served, in order of preference. */
  get protocols(): string[] {
    return this.#serializers.map((s) => s.protocol);
  }

  /** The largest frame any of the router's serializers accepts, in bytes. */
  get maxMessageSize(): number {
    return Math.max(...this.#serializers.map((s) => s.maxMessageSize));
  }

  /** The number of sessions attached (joined or joining). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The number of realms (configured and auto-created). */
  get realmCount(): number {
    return this.#realms.size;
  }

  /**
   * Whether another connection may start its handshake now: false past
   * `maxPendingHandshakes` (connections accepted and not yet WELCOMEd, and
   * RawSocket connections still in their own handshake) and while
   * `close()` runs.
   */
  get acceptingHandshakes(): boolean {
    return this.#closing === 0 &&
      this.#sessions.size - this.#joined + this.#opening <
        this.#maxPendingHandshakes;
  }

  /**
   * Serves a transport: the client on its other end joins with HELLO. A
   * transport is closed instead when the router does not serve its
   * subprotocol (1002), when `maxPendingHandshakes` connections are opening
   * (1013) or while `close()` runs (1001).
   *
   * @param transport An open transport.
   * @returns Whether the router serves it.
   */
  accept(transport: Transport): boolean {
    const serializer = this.#serializers.find((s) =>
      s.protocol === transport.info.protocol
    );
    if (serializer === undefined) {
      transport.close(1002, "unsupported subprotocol");
      return false;
    }
    if (this.#closing > 0) {
      transport.close(1001, "The router is shutting down");
      return false;
    }
    if (!this.acceptingHandshakes) {
      transport.close(1013, "Too many connections are opening");
      return false;
    }
    // Held before it listens: a transport that closed already reports its
    // close from listen(), and the session must be known to be released.
    const session = new RouterSession(transport, serializer, this.#host);
    this.#sessions.add(session);
    session.start();
    return true;
  }

  /**
   * An in-process connection: the returned transport's other end is served
   * by this router.
   *
   * @param protocol The subprotocol (one of the router's serializers).
   * @returns The client's end.
   */
  connectLocal(protocol: string = this.protocols[0]!): Transport {
    const [client, server] = memoryPair(protocol);
    this.accept(server);
    return client;
  }

  /**
   * Ends every session with GOODBYE `wamp.close.system_shutdown` (ABORT for
   * those still in their handshake) and waits for their transports to
   * close, at most `wait` milliseconds: a peer that does not answer the
   * closing handshake does not hold the router up. While it waits, new
   * connections are refused (503, RawSocket error 4, 1001); afterwards the
   * router serves again, so that closing one listener's sessions does not
   * end a router another listener still serves.
   *
   * @param message A message for the clients.
   * @param wait Milliseconds to wait for the transports at most.
   * @returns Resolves once every transport has closed, or after `wait`.
   */
  close(message = "The router is shutting down", wait = 1000): Promise<void> {
    // No session may join while the others are being closed; once close()
    // is done the router serves again (another listener may still use it).
    this.#closing++;
    const sessions = [...this.#sessions];
    for (const session of sessions) {
      if (session.isOpen) session.goodbye(ErrorUri.SYSTEM_SHUTDOWN, message);
      else session.abort(ErrorUri.SYSTEM_SHUTDOWN, message);
    }
    const done = () => {
      this.#closing--;
    };
    if (sessions.length === 0) {
      done();
      return Promise.resolve();
    }
    let timer: unknown;
    const timeout = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, wait);
    });
    return Promise.race([
      Promise.all(sessions.map((s) => s.closed)).then(() => {}),
      timeout,
    ]).finally(() => {
      this.#clock.clearTimeout(timer);
      done();
    });
  }

  /**
   * Closes the router, for `await using`.
   *
   * @returns Resolves once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
