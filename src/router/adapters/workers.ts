/**
 * Serves the embedded router on Cloudflare Workers, one Durable Object per
 * realm, with the WebSocket Hibernation API: an idle realm is evicted from
 * memory while its clients stay connected, and wakes up with its sessions,
 * subscriptions and registrations when a message arrives.
 *
 * **Routing.** {@linkcode routeToRouter} sends `/ws/<realm>` to the object
 * named `realm:<realm>`, which serves that realm only (a HELLO for another
 * gets ABORT `wamp.error.no_such_realm`), so that realms spread over
 * Cloudflare's machines; any other path (`/ws`, `/`, the long-poll path)
 * goes to the object `default`, which serves any realm, as before.
 *
 * **What survives eviction.** A joined session's id, realm, subprotocol,
 * authid, authrole, authmethod, authprovider, authextra and announced
 * features are its socket's attachment, written once at WELCOME (the
 * runtime keeps at most {@linkcode ATTACHMENT_LIMIT} bytes there; a record
 * that may not fit goes to storage as `ses:<session>`). Its subscriptions
 * and registrations are in the object's storage, one key each
 * (`sub:<session>:<id>`, `reg:<session>:<id>`) holding the id, URI, match
 * and invoke policies and creation time, written as they are made and
 * deleted as they go, in batches of at most 128 keys per call. On waking,
 * the object restores them before any event reaches it: ids are unchanged,
 * shared registrations keep their callees' order, and clients notice
 * nothing. Storage grows with what clients may hold and no further: at
 * most `maxSessions` × (`maxSubscriptionsPerSession` +
 * `maxRegistrationsPerSession` + 1) keys, and what belongs to sessions that
 * are gone is deleted on waking.
 *
 * **What does not.** Calls in flight are lost: the caller gets no answer,
 * and the callee's late YIELD or ERROR is dropped (a restored callee's
 * INVOCATION ids continue far above the old ones, so it is never taken for
 * a new one). A call with a `timeout` is not lost this way: its timer
 * keeps the object in memory, as a Durable Object does not hibernate while
 * a timer is pending. The same holds for connections in their opening
 * handshake (the HELLO timeout) and long-poll sessions (their idle
 * timeout); both are closed if the object is evicted anyway. No
 * publication is ever pending: an event reaches every subscriber while its
 * PUBLISH is handled. Round-robin registrations start again at their first
 * callee, and a restored session's next request id is taken as given.
 * Subscriptions and registrations whose URI is longer than
 * {@linkcode MAX_PERSISTED_URI}, or past {@linkcode MAX_PERSISTED} (1000
 * per session, 20,000 per object), are served but not persisted.
 *
 * @example A Worker with one router object per realm
 * ```ts ignore
 * import {
 *   type DurableObjectNamespaceLike,
 *   routeToRouter,
 *   WampRouterObject,
 * } from "@wampkit/wamp/router/workers";
 *
 * export { WampRouterObject };
 * export default {
 *   // wss://<host>/ws/realm1 reaches realm1's object; /ws the default one.
 *   fetch: (request: Request, env: { WAMP_ROUTER: DurableObjectNamespaceLike }) =>
 *     routeToRouter(request, env.WAMP_ROUTER),
 * };
 * // wrangler.toml: [[durable_objects.bindings]] name = "WAMP_ROUTER", class_name = "WampRouterObject"
 * ```
 *
 * @module
 */

import {
  type LongPollHandler,
  longPollHandler,
  type LongPollOptions,
} from "../longpoll.ts";
import { negotiate } from "../negotiate.ts";
import {
  Router,
  type RouterEvent,
  routerHost,
  type RouterOptions,
} from "../router.ts";
import {
  observe,
  type RegistrationRecord,
  restore,
  type SessionRecord,
  sessionRecord,
  type SnapshotObserver,
  type SubscriptionRecord,
} from "../snapshot.ts";
import { isValidUri } from "../../protocol/uri.ts";
import { CborSerializer } from "../../serializers/cbor.ts";
import { JsonSerializer } from "../../serializers/json.ts";
import { MsgpackSerializer } from "../../serializers/msgpack.ts";
import { Inbox } from "../../transports/_base.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "../../transports/transport.ts";
import { TransportError } from "../../transports/transport_error.ts";
import {
  type WebSocketLike,
  wrapWebSocket,
} from "../../transports/websocket.ts";

/**
 * The most bytes the Workers runtime keeps as one socket's attachment; a
 * session record that may not fit goes to storage instead.
 */
export const ATTACHMENT_LIMIT = 2048;

/**
 * The longest subscription or registration URI persisted, in characters;
 * longer ones are served but do not survive eviction.
 */
export const MAX_PERSISTED_URI = 1024;

/**
 * Subscriptions and registrations persisted per session, and per object
 * in all: past them they are served but do not survive eviction. Waking
 * reads every persisted record into memory, so what one client (or all of
 * them) can make the object store must stay well inside its 128 MB.
 */
export const MAX_PERSISTED = { perSession: 1000, total: 20_000 } as const;

/** The path under which a realm names its object: `/ws/<realm>`. */
const REALM_PATH = /^\/ws\/([^/]+)\/?$/;

// A record whose JSON is this long or shorter fits an attachment even as
// two-byte characters.
const ATTACHED_CHARS = 1000;

// Durable Object storage takes at most 128 keys per put() or delete().
const BATCH = 128;

// Each waking moves restored INVOCATION ids up by this much.
const INVOCATION_EPOCH = 2 ** 40;

/** A Workers server-side WebSocket: a web WebSocket with `accept()`. */
export interface WorkersWebSocket extends WebSocketLike {
  /** Starts delivering events on a server-side socket. */
  accept(): void;
  /**
   * Keeps a value with the socket across hibernation (structured clone,
   * at most {@linkcode ATTACHMENT_LIMIT} bytes).
   *
   * @param value The value.
   */
  serializeAttachment?(value: unknown): void;
  /**
   * The value kept with `serializeAttachment`.
   *
   * @returns The value, or null.
   */
  deserializeAttachment?(): unknown;
}

/** The `WebSocketPair` constructor of the Workers runtime. */
type WebSocketPairConstructor = new () => {
  0: WorkersWebSocket;
  1: WorkersWebSocket;
};

/** The parts of a Durable Object namespace this adapter uses. */
export interface DurableObjectNamespaceLike {
  /**
   * The id for a name.
   *
   * @param name The name.
   * @returns The id.
   */
  idFromName(name: string): unknown;
  /**
   * The stub for an id.
   *
   * @param id The id.
   * @returns The stub.
   */
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}

/** The parts of a Durable Object's storage this adapter uses. */
export interface DurableObjectStorageLike {
  /**
   * A stored value.
   *
   * @param key The key.
   * @returns The value, or undefined.
   */
  get(key: string): Promise<unknown>;
  /**
   * Stores values (at most 128).
   *
   * @param entries Keys and values.
   */
  put(entries: Record<string, unknown>): Promise<void>;
  /**
   * Deletes keys (at most 128).
   *
   * @param keys The keys.
   * @returns How many there were.
   */
  delete(keys: string[]): Promise<number>;
  /**
   * Stored entries in key order.
   *
   * @param options A key prefix, where to start, how many.
   * @returns The entries.
   */
  list(options: {
    prefix?: string;
    startAfter?: string;
    limit?: number;
  }): Promise<Map<string, unknown>>;
}

/** The parts of a Durable Object's state this adapter uses. */
export interface DurableObjectStateLike {
  /** The object's storage. */
  readonly storage: DurableObjectStorageLike;
  /**
   * Accepts a server-side WebSocket for the Hibernation API.
   *
   * @param socket The socket.
   */
  acceptWebSocket(socket: WorkersWebSocket): void;
  /**
   * The sockets accepted with `acceptWebSocket` and still open.
   *
   * @returns The sockets.
   */
  getWebSockets(): WorkersWebSocket[];
  /**
   * Runs `fn` before the object receives any event.
   *
   * @param fn The work.
   * @returns Its result.
   */
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}

function hibernatable(state: unknown): state is DurableObjectStateLike {
  const s = state as Partial<DurableObjectStateLike> | undefined;
  return typeof s?.acceptWebSocket === "function" &&
    typeof s.getWebSockets === "function" &&
    typeof s.blockConcurrencyWhile === "function" && s.storage !== undefined;
}

/**
 * The realm a request path names (`/ws/<realm>`, percent-decoded):
 * undefined for any other path, null when it names an invalid realm URI.
 *
 * @example Usage
 * ```ts
 * import { realmOfPath } from "@wampkit/wamp/router/workers";
 * import assert from "node:assert/strict";
 *
 * assert.equal(realmOfPath("/ws/realm1"), "realm1");
 * assert.equal(realmOfPath("/ws"), undefined);
 * assert.equal(realmOfPath("/ws/not%20a%20uri"), null);
 * ```
 *
 * @param path The URL path.
 * @returns The realm, undefined or null.
 */
export function realmOfPath(path: string): string | undefined | null {
  const m = REALM_PATH.exec(path);
  if (m === null) return undefined;
  let realm: string;
  try {
    realm = decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
  return isValidUri(realm) ? realm : null;
}

// The 101 answer, over a WebSocketPair whose server end `accept` takes.
function upgrade(
  router: Router,
  request: Request,
  accept: (server: WorkersWebSocket, protocol: string) => void,
): Response {
  const { protocol, refusal } = negotiate(router, request);
  if (refusal) return refusal;
  const Pair = (globalThis as { WebSocketPair?: WebSocketPairConstructor })
    .WebSocketPair;
  if (Pair === undefined) throw new Error("upgradeOnWorkers needs Workers");
  const pair = new Pair();
  accept(pair[1], protocol);
  return new Response(null, {
    status: 101,
    headers: { "Sec-WebSocket-Protocol": protocol },
    webSocket: pair[0],
  } as ResponseInit);
}

/**
 * Answers a WebSocket upgrade with the router, using `WebSocketPair`, after
 * {@linkcode negotiate} (426, 403, 503 or 400 when it refuses), without
 * hibernation: the socket keeps the isolate in memory. The Workers
 * platform bounds the size of an incoming WebSocket message itself (32 MiB
 * at the time of writing) and gives a server socket no `bufferedAmount`:
 * there, `maxMessageSize` applies once a frame has arrived and
 * `maxOutboundBytes` cannot be enforced.
 *
 * @example In a Worker's fetch handler
 * ```ts ignore
 * import { Router } from "@wampkit/wamp/router";
 * import { upgradeOnWorkers } from "@wampkit/wamp/router/workers";
 *
 * const router = new Router({ realms: ["realm1"] });
 * export default { fetch: (request: Request) => upgradeOnWorkers(router, request) };
 * ```
 *
 * @param router The router.
 * @param request The upgrade request.
 * @returns The 101 response carrying the client socket.
 */
export function upgradeOnWorkers(router: Router, request: Request): Response {
  return upgrade(router, request, (server, protocol) => {
    server.accept();
    router.accept(wrapWebSocket(server, { protocol }));
  });
}

// A socket accepted with the Hibernation API: the object's webSocket*
// handlers deliver its events. Closing reports the close at once (a
// hibernated socket's close handshake may end after the object is gone).
class HibernatedTransport implements Transport {
  readonly info: TransportInfo;
  readonly socket: WorkersWebSocket;
  #inbox = new Inbox();
  #closed = false;
  #gone: () => void;

  constructor(socket: WorkersWebSocket, protocol: string, gone: () => void) {
    this.socket = socket;
    this.info = { type: "websocket", protocol };
    this.#gone = gone;
  }

  get isOpen(): boolean {
    return !this.#closed && this.socket.readyState === 1;
  }

  send(frame: Frame): void {
    if (this.isOpen) this.socket.send(frame);
  }

  close(code = 1000, reason = ""): void {
    if (this.#closed) return;
    try {
      this.socket.close(code, reason);
    } catch {
      // closed already
    }
    this.ended({ code, reason, wasClean: true });
  }

  listen(handlers: TransportHandlers): void {
    this.#inbox.listen(handlers);
  }

  received(data: string | ArrayBuffer): void {
    this.#inbox.message(typeof data === "string" ? data : new Uint8Array(data));
  }

  ended(info: CloseInfo): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#gone();
    this.#inbox.close(info);
  }
}

// What a socket's attachment holds: the session's record, or its id when
// the record is in storage (ses:<id>). Absent until WELCOME.
type Attachment =
  | { v: 1; session: SessionRecord }
  | { v: 1; id: number };

// Writes records to storage in batches, once per turn of the event loop.
class StorageWriter implements SnapshotObserver {
  /** Sessions whose records are kept (hibernated sockets). */
  readonly kept = new Set<number>();
  #storage: DurableObjectStorageLike;
  #pending = new Map<string, unknown>();
  #scheduled = false;
  #seq = 0;
  // The sub:/reg: keys persisted, per session: bounded by MAX_PERSISTED.
  #persisted = new Map<number, Set<string>>();
  #total = 0;

  constructor(storage: DurableObjectStorageLike, seq: number) {
    this.#storage = storage;
    this.#seq = seq;
  }

  /**
   * Counts a key that is in storage already (restored on waking).
   *
   * @param key The sub:/reg: key.
   */
  counted(key: string): void {
    const session = sessionOfKey(key);
    let keys = this.#persisted.get(session);
    if (keys === undefined) this.#persisted.set(session, keys = new Set());
    if (!keys.has(key)) this.#total++;
    keys.add(key);
  }

  subscribed(record: SubscriptionRecord): void {
    this.#add(`sub:${record.session}:${record.id}`, record);
  }

  unsubscribed(session: number, id: number): void {
    this.#remove(session, `sub:${session}:${id}`);
  }

  registered(record: RegistrationRecord): void {
    const stored = { ...record, seq: this.#seq++ };
    this.#add(`reg:${record.session}:${record.id}`, stored);
  }

  unregistered(session: number, id: number): void {
    this.#remove(session, `reg:${session}:${id}`);
  }

  /**
   * Forgets a session that left (its sub:/reg: keys are deleted).
   *
   * @param session The session id.
   */
  left(session: number): void {
    this.kept.delete(session);
    const keys = this.#persisted.get(session);
    if (keys === undefined) return;
    this.#persisted.delete(session);
    this.#total -= keys.size;
    for (const key of keys) this.write(key, undefined);
  }

  #add(key: string, record: { session: number; uri: string }): void {
    if (!this.kept.has(record.session)) return;
    if (record.uri.length > MAX_PERSISTED_URI) return;
    if (this.#total >= MAX_PERSISTED.total) return;
    let keys = this.#persisted.get(record.session);
    if (keys === undefined) {
      this.#persisted.set(record.session, keys = new Set());
    }
    if (keys.size >= MAX_PERSISTED.perSession) return;
    keys.add(key);
    this.#total++;
    this.write(key, record);
  }

  #remove(session: number, key: string): void {
    const keys = this.#persisted.get(session);
    if (keys?.delete(key) !== true) return;
    this.#total--;
    this.write(key, undefined);
  }

  write(key: string, value: unknown): void {
    this.#pending.set(key, value);
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  flush(): void {
    this.#scheduled = false;
    const puts: [string, unknown][] = [];
    const deletes: string[] = [];
    for (const [key, value] of this.#pending) {
      if (value === undefined) deletes.push(key);
      else puts.push([key, value]);
    }
    this.#pending.clear();
    // A failed write loses what it held on the next eviction only; the
    // router serves on.
    for (let i = 0; i < puts.length; i += BATCH) {
      const batch = Object.fromEntries(puts.slice(i, i + BATCH));
      this.#storage.put(batch).catch(() => {});
    }
    for (let i = 0; i < deletes.length; i += BATCH) {
      this.#storage.delete(deletes.slice(i, i + BATCH)).catch(() => {});
    }
  }
}

async function listAll(
  storage: DurableObjectStorageLike,
  prefix: string,
): Promise<Map<string, unknown>> {
  const all = new Map<string, unknown>();
  let startAfter: string | undefined;
  for (;;) {
    const page = await storage.list({ prefix, startAfter, limit: 1000 });
    for (const [key, value] of page) all.set(key, value);
    if (page.size < 1000) return all;
    startAfter = [...page.keys()].at(-1);
  }
}

// The session id in a sub:/reg:/ses: key.
const sessionOfKey = (key: string) => Number(key.split(":")[1]);

/**
 * Options of a {@linkcode WampRouterObject}: the router's, long-poll and
 * hibernation.
 */
export interface WampRouterObjectOptions extends RouterOptions {
  /**
   * Also serve WAMP's HTTP long-poll transport under this path (such as
   * `/lp`); an object sets its timeouts too. Long-poll requests reach the
   * default object. Default: WebSocket only.
   */
  longpoll?: string | LongPollOptions;
  /**
   * Accept WebSockets with the Hibernation API and restore the router's
   * sessions when the object wakes (see the module doc); false keeps every
   * socket's object in memory, as `upgradeOnWorkers` does.
   *
   * @default {true}
   */
  hibernate?: boolean;
}

/**
 * A Durable Object class holding one embedded router that serves JSON,
 * MessagePack and CBOR, over WebSockets accepted with the Hibernation API.
 * An object reached as `/ws/<realm>` (see {@linkcode routeToRouter}) serves
 * that realm only, with its entry of `realms` if one is configured; the
 * default object creates realms on demand. Export it from your Worker and
 * bind it (see the module example); subclass it to pass other
 * {@linkcode WampRouterObjectOptions}, such as `longpoll: "/lp"` to serve
 * HTTP long-poll beside WebSocket.
 *
 * @example A subclass with long-poll and authentication
 * ```ts ignore
 * import { WampRouterObject } from "@wampkit/wamp/router/workers";
 *
 * export class RouterObject extends WampRouterObject {
 *   constructor(state: unknown, env: { TICKET: string }) {
 *     super(state, env, {
 *       longpoll: "/lp",
 *       auth: { ticket: { principals: { joe: { ticket: env.TICKET, role: "user" } } } },
 *     });
 *   }
 * }
 * ```
 */
export class WampRouterObject {
  #options: WampRouterObjectOptions;
  #state: DurableObjectStateLike | undefined;
  #router: Router | undefined;
  // The realm served: null for any (the default object), undefined until
  // known.
  #realm: string | null | undefined;
  #longpoll: LongPollHandler | undefined;
  #sockets = new Map<WorkersWebSocket, HibernatedTransport>();
  #writer: StorageWriter | undefined;
  #inStorage = new Set<number>();

  /**
   * Creates the object; the Workers runtime does this, and again when the
   * object wakes from hibernation, before any event reaches it.
   *
   * @param state The Durable Object state (hibernation needs it).
   * @param _env The Worker's env (unused).
   * @param options Router options, long-poll and hibernation, for
   *   subclasses.
   */
  constructor(
    state?: unknown,
    _env?: unknown,
    options: WampRouterObjectOptions = {},
  ) {
    this.#options = options;
    if (options.hibernate !== false && hibernatable(state)) {
      this.#state = state;
      state.blockConcurrencyWhile(() => this.#wake());
    }
  }

  /**
   * The router this object serves. Read before the first request, it makes
   * this the default object, serving any realm.
   */
  get router(): Router {
    return this.#router ?? this.#open(null);
  }

  /**
   * Handles a request forwarded by the Worker: long-poll requests under the
   * `longpoll` path, WebSocket upgrades otherwise. A request naming
   * another realm than the object's gets 404.
   *
   * @param request The request.
   * @returns The response.
   */
  fetch(request: Request): Response | Promise<Response> {
    const realm = realmOfPath(new URL(request.url).pathname) ?? null;
    if (this.#router === undefined) {
      this.#open(realm);
      this.#state?.storage.put({ realm: realm ?? "" }).catch(() => {});
    }
    if (realm !== this.#realm) {
      return new Response(
        `This router object serves ${
          this.#realm === null ? "the default route" : `realm ${this.#realm}`
        }`,
        { status: 404 },
      );
    }
    const router = this.#router!;
    return this.#longpoll?.(request) ??
      (this.#state === undefined
        ? upgradeOnWorkers(router, request)
        : upgrade(router, request, (server, protocol) => {
          this.#state!.acceptWebSocket(server);
          router.accept(this.#hibernated(server, protocol));
        }));
  }

  /**
   * A message on a hibernatable socket (the runtime calls this).
   *
   * @param socket The socket.
   * @param message The message.
   */
  webSocketMessage(
    socket: WorkersWebSocket,
    message: string | ArrayBuffer,
  ): void {
    const transport = this.#sockets.get(socket);
    if (transport) return transport.received(message);
    try {
      socket.close(1012, "The router restarted and lost this session");
    } catch {
      // closed already
    }
  }

  /**
   * A hibernatable socket closed (the runtime calls this).
   *
   * @param socket The socket.
   * @param code The close code.
   * @param reason The close reason.
   * @param wasClean Whether the closing handshake completed.
   */
  webSocketClose(
    socket: WorkersWebSocket,
    code: number,
    reason: string,
    wasClean: boolean,
  ): void {
    this.#sockets.get(socket)?.ended({ code, reason, wasClean });
    try {
      // Completes the closing handshake where the runtime does not.
      socket.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // closed already
    }
  }

  /**
   * A hibernatable socket failed (the runtime calls this).
   *
   * @param socket The socket.
   * @param error What went wrong.
   */
  webSocketError(socket: WorkersWebSocket, error: unknown): void {
    this.#sockets.get(socket)?.ended({
      code: 1006,
      reason: String(error),
      wasClean: false,
    });
  }

  #open(realm: string | null): Router {
    const { longpoll, hibernate: _, onEvent, ...routerOptions } = this.#options;
    if (realm !== null) {
      const entry = routerOptions.realms === undefined
        ? realm
        : routerOptions.realms.find((r) =>
          (typeof r === "string" ? r : r.name) === realm
        );
      routerOptions.realms = entry === undefined ? [] : [entry];
      routerOptions.autoCreateRealms = false;
    }
    const router = new Router({
      serializers: [
        new JsonSerializer(),
        new MsgpackSerializer(),
        new CborSerializer(),
      ],
      ...routerOptions,
      onEvent: this.#state === undefined ? onEvent : (event) => {
        this.#event(event);
        onEvent?.(event);
      },
    });
    this.#router = router;
    this.#realm = realm;
    this.#longpoll = longpoll === undefined ? undefined : longPollHandler(
      router,
      typeof longpoll === "string" ? { path: longpoll } : longpoll,
    );
    return router;
  }

  #hibernated(socket: WorkersWebSocket, protocol: string): HibernatedTransport {
    const transport = new HibernatedTransport(socket, protocol, () => {
      this.#sockets.delete(socket);
    });
    this.#sockets.set(socket, transport);
    return transport;
  }

  #writerFor(seq = 0): StorageWriter {
    if (this.#writer === undefined) {
      this.#writer = new StorageWriter(this.#state!.storage, seq);
      observe(this.#router!, this.#writer);
    }
    return this.#writer;
  }

  // A hibernated session joined: its record goes in its socket's
  // attachment (or storage). One that left: its stored record goes.
  #event(event: RouterEvent): void {
    const writer = this.#writerFor();
    if (event.type !== "join") {
      writer.left(event.session);
      if (this.#inStorage.delete(event.session)) {
        writer.write(`ses:${event.session}`, undefined);
      }
      return;
    }
    const realm = routerHost(this.#router!).realms.get(event.realm ?? "");
    const session = realm?.sessions.get(event.session);
    const transport = session?.transport;
    if (!(transport instanceof HibernatedTransport)) return;
    const record = sessionRecord(session!);
    writer.kept.add(record.id);
    const socket = transport.socket;
    try {
      if (JSON.stringify(record).length > ATTACHED_CHARS) {
        throw new RangeError();
      }
      socket.serializeAttachment?.({ v: 1, session: record });
    } catch {
      socket.serializeAttachment?.({ v: 1, id: record.id });
      this.#inStorage.add(record.id);
      writer.write(`ses:${record.id}`, record);
    }
  }

  // Restores the router's sessions from the sockets' attachments and the
  // storage, before any event reaches the object.
  async #wake(): Promise<void> {
    const state = this.#state!;
    const storage = state.storage;
    const sockets = state.getWebSockets();
    const subs = await listAll(storage, "sub:");
    const regs = await listAll(storage, "reg:");
    const records = await listAll(storage, "ses:");
    const sessions: SessionRecord[] = [];
    const socketOf = new Map<number, WorkersWebSocket>();
    for (const socket of sockets) {
      const a = socket.deserializeAttachment?.() as Attachment | null;
      let record: SessionRecord | undefined;
      if (a?.v === 1 && "session" in a) record = a.session;
      else if (a?.v === 1 && "id" in a) {
        record = records.get(`ses:${a.id}`) as SessionRecord | undefined;
        if (record) this.#inStorage.add(record.id);
      }
      if (record === undefined) {
        // In its opening handshake when the object went, or unknown.
        socket.close(1012, "The router restarted during the handshake");
        continue;
      }
      sessions.push(record);
      socketOf.set(record.id, socket);
    }
    let restored = new Set<number>();
    if (sessions.length > 0) {
      const stored = await storage.get("realm");
      this.#open(typeof stored === "string" && stored !== "" ? stored : null);
      const wakes = ((await storage.get("wakes") as number) ?? 0) + 1;
      await storage.put({ wakes });
      const subscriptions = [...subs.values()] as SubscriptionRecord[];
      const registrations = [...regs.values()] as (RegistrationRecord & {
        seq: number;
      })[];
      registrations.sort((a, b) => a.seq - b.seq);
      restored = restore(
        this.#router!,
        { sessions, subscriptions, registrations },
        (record) => this.#hibernated(socketOf.get(record.id)!, record.protocol),
        // 1 … 8191 epochs, never 0: ids stay above the last wake's.
        { lastInvocation: (((wakes - 1) % 8191) + 1) * INVOCATION_EPOCH },
      );
      const writer = this.#writerFor((registrations.at(-1)?.seq ?? 0) + 1);
      for (const id of restored) writer.kept.add(id);
      for (const key of [...subs.keys(), ...regs.keys()]) {
        if (restored.has(sessionOfKey(key))) writer.counted(key);
      }
    }
    const stale = [...subs.keys(), ...regs.keys(), ...records.keys()]
      .filter((key) => !restored.has(sessionOfKey(key)));
    for (let i = 0; i < stale.length; i += BATCH) {
      await storage.delete(stale.slice(i, i + BATCH));
    }
  }
}

/**
 * Forwards a WebSocket or long-poll request to a router's Durable Object:
 * `/ws/<realm>` to the object of that realm (named `realm:<realm>`), any
 * other path to the object `default`, or to the object `name` when given.
 * A path naming an invalid realm URI gets 400.
 *
 * @example In the Worker's fetch handler
 * ```ts ignore
 * import { routeToRouter } from "@wampkit/wamp/router/workers";
 *
 * export default {
 *   fetch: (request: Request, env: { WAMP_ROUTER: DurableObjectNamespaceLike }) =>
 *     routeToRouter(request, env.WAMP_ROUTER),
 * };
 * ```
 *
 * @param request The request.
 * @param namespace The Durable Object namespace binding.
 * @param name Which router object, instead of the one the path names.
 * @returns The object's response.
 */
export function routeToRouter(
  request: Request,
  namespace: DurableObjectNamespaceLike,
  name?: string,
): Promise<Response> {
  if (name === undefined) {
    const realm = realmOfPath(new URL(request.url).pathname);
    if (realm === null) {
      return Promise.resolve(
        new Response("Invalid realm URI in the path", { status: 400 }),
      );
    }
    name = realm === undefined ? "default" : `realm:${realm}`;
  }
  return namespace.get(namespace.idFromName(name)).fetch(request);
}

/** Options of {@linkcode connectRouterObject}. */
export interface RouterObjectConnectOptions {
  /**
   * The realm whose object to reach, as `/ws/<realm>` does; the default
   * object when absent.
   */
  realm?: string;
  /**
   * Subprotocols to offer, in order of preference.
   *
   * @default {["wamp.2.json"]}
   */
  protocols?: string[];
}

/**
 * Opens a WebSocket from inside a Worker to a router's Durable Object of
 * the same account, through its stub (no public URL needed), for a client
 * session: pass it as a transport's `connect`.
 *
 * @example A Worker that calls a procedure of realm1
 * ```ts ignore
 * import { connect } from "@wampkit/wamp";
 * import { connectRouterObject } from "@wampkit/wamp/router/workers";
 *
 * export default {
 *   async fetch(_request: Request, env: { WAMP_ROUTER: DurableObjectNamespaceLike }) {
 *     const session = await connect({
 *       realm: "realm1",
 *       transports: [{
 *         type: "websocket",
 *         connect: () => connectRouterObject(env.WAMP_ROUTER, { realm: "realm1" }),
 *       }],
 *     });
 *     const sum = await session.call("com.example.add2", [2, 3]);
 *     await session.leave();
 *     return Response.json(sum);
 *   },
 * };
 * ```
 *
 * @param namespace The router objects' namespace binding.
 * @param options The realm and subprotocols.
 * @returns The open transport.
 */
export async function connectRouterObject(
  namespace: DurableObjectNamespaceLike,
  options: RouterObjectConnectOptions = {},
): Promise<Transport> {
  const path = options.realm === undefined
    ? "/ws"
    : `/ws/${encodeURIComponent(options.realm)}`;
  const url = `https://router.internal${path}`;
  const response = await routeToRouter(
    new Request(url, {
      headers: {
        upgrade: "websocket",
        "sec-websocket-protocol": (options.protocols ?? ["wamp.2.json"]).join(
          ", ",
        ),
      },
    }),
    namespace,
  );
  const socket = (response as { webSocket?: WorkersWebSocket | null })
    .webSocket;
  if (response.status !== 101 || !socket) {
    throw new TransportError(
      `The router object refused the WebSocket (${response.status}): ${await response
        .text()}`,
    );
  }
  socket.accept();
  return wrapWebSocket(socket, {
    protocol: response.headers.get("sec-websocket-protocol") ?? undefined,
    url,
  });
}
