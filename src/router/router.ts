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
import { Realm } from "./realm.ts";
import { RouterSession, type SessionHost } from "./router_session.ts";

/** A join, leave or abort, for logging. */
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

/** Options of a {@linkcode Router}. */
export interface RouterOptions {
  /**
   * Realms to serve. Without a list, any realm a client names is created.
   */
  realms?: string[];
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
   * Sessions the router serves at once; further HELLOs are refused.
   *
   * @default {10000}
   */
  maxSessions?: number;
  /**
   * Calls one session may have pending; further calls fail with
   * `wamp.error.unavailable`.
   *
   * @default {1000}
   */
  maxPendingCalls?: number;
  /** Receives joins, leaves and aborts. */
  onEvent?: (event: RouterEvent) => void;
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
export class Router implements SessionHost {
  /** Strict request id checking. */
  readonly strictRequestIds: boolean;
  /** Pending calls one session may have. */
  readonly maxPendingCalls: number;
  #realms = new Map<string, Realm>();
  #autoCreate: boolean;
  #serializers: Serializer[];
  #maxSessions: number;
  #sessions = new Set<RouterSession>();
  #onEvent: ((event: RouterEvent) => void) | undefined;

  /**
   * Creates a router.
   *
   * @param options Realms, serializers and limits.
   */
  constructor(options: RouterOptions = {}) {
    for (const name of options.realms ?? []) {
      if (!isValidUri(name)) throw new TypeError(`Invalid realm URI ${name}`);
      this.#realms.set(name, new Realm(name, options.maxPendingCalls ?? 1000));
    }
    this.#autoCreate = options.autoCreateRealms ?? options.realms === undefined;
    this.#serializers = options.serializers ?? [new JsonSerializer()];
    this.strictRequestIds = options.strictRequestIds ?? true;
    this.#maxSessions = options.maxSessions ?? 10000;
    this.maxPendingCalls = options.maxPendingCalls ?? 1000;
    this.#onEvent = options.onEvent;
  }

  /** The subprotocols served, in order of preference. */
  get protocols(): string[] {
    return this.#serializers.map((s) => s.protocol);
  }

  /** The number of sessions attached (joined or joining). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Picks the subprotocol to answer a WebSocket handshake with: the first of
   * the router's preferences that the client offered.
   *
   * @param offered The client's `Sec-WebSocket-Protocol` values.
   * @returns The agreed subprotocol, or undefined (refuse the handshake).
   */
  selectProtocol(offered: readonly string[]): string | undefined {
    for (const p of this.protocols) if (offered.includes(p)) return p;
    return undefined;
  }

  /**
   * A realm by name, creating it if the router auto-creates realms.
   *
   * @param name The realm URI.
   * @returns The realm, or undefined.
   */
  realmFor(name: string): Realm | undefined {
    let realm = this.#realms.get(name);
    if (realm === undefined && this.#autoCreate) {
      realm = new Realm(name, this.maxPendingCalls);
      this.#realms.set(name, realm);
    }
    return realm;
  }

  /**
   * Whether another session may join.
   *
   * @returns True below `maxSessions`.
   */
  admit(): boolean {
    return this.#sessions.size <= this.#maxSessions;
  }

  /**
   * A session ended; the router forgets it.
   *
   * @param session The session.
   */
  released(session: RouterSession): void {
    this.#sessions.delete(session);
  }

  /**
   * Reports an event to `onEvent`.
   *
   * @param type The event.
   * @param session The session.
   * @param detail More about it.
   */
  log(event: string, session: RouterSession, detail?: string): void {
    this.#onEvent?.({
      type: event as RouterEvent["type"],
      session: session.id,
      realm: session.realm?.name,
      authid: session.authid,
      protocol: session.serializer.protocol,
      detail,
    });
  }

  /**
   * Serves a transport: the client on its other end joins with HELLO. A
   * transport whose subprotocol the router does not serve is closed.
   *
   * @param transport An open transport.
   */
  accept(transport: Transport): void {
    const serializer = this.#serializers.find((s) =>
      s.protocol === transport.info.protocol
    );
    if (serializer === undefined) {
      transport.close(1002, "unsupported subprotocol");
      return;
    }
    this.#sessions.add(new RouterSession(transport, serializer, this));
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
   * Ends every session with GOODBYE `wamp.close.system_shutdown`.
   *
   * @param message A message for the clients.
   */
  close(message = "The router is shutting down"): void {
    for (const session of [...this.#sessions]) {
      if (session.isOpen) session.goodbye(ErrorUri.SYSTEM_SHUTDOWN, message);
      else session.abort(ErrorUri.SYSTEM_SHUTDOWN, message);
    }
  }

  /**
   * Closes the router, for `await using`.
   *
   * @returns Resolves once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
