/**
 * The connection: opens transports, joins sessions and reconnects, with the
 * Autobahn|JS `Connection` API.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";
import { JsonSerializer } from "../serializers/json.ts";
import type { Serializer } from "../serializers/serializer.ts";
import type { Transport, TransportInfo } from "../transports/transport.ts";
import type { FetchLike } from "../transports/longpoll.ts";
import type { Connector } from "../transports/rawsocket.ts";
import { TransportError } from "../transports/transport_error.ts";
import {
  connectWebSocket,
  type WebSocketConstructor,
} from "../transports/websocket.ts";
import * as ErrorUri from "../protocol/_uris.ts";
import {
  type Clock,
  MAX_TIMER_DELAY,
  systemClock,
} from "../transports/clock.ts";
import { type LeaveInfo, Session, type SessionOptions } from "./session.ts";
import type { Tracker } from "./subscription.ts";
import type {
  Endpoint,
  EventHandler,
  RegisterOptions,
  SubscribeOptions,
} from "./types.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** A WebSocket transport to try. */
export interface WebSocketTransportOptions {
  /** Transport kind. */
  type: "websocket";
  /** `ws://` or `wss://` URL; defaults to the connection's `url`. */
  url?: string;
  /** Serializers to offer; defaults to the connection's. */
  serializers?: Serializer[];
  /** The WebSocket class, for runtimes that need their own. */
  WebSocket?: WebSocketConstructor;
}

/**
 * An HTTP long-poll transport to try: the fallback where a WebSocket
 * cannot connect (see `connectLongPoll`).
 */
export interface LongPollTransportOptions {
  /** Transport kind. */
  type: "longpoll";
  /** The long-poll base URL, such as `http://127.0.0.1:8080/lp`. */
  url: string;
  /** Serializers to offer; defaults to the connection's. */
  serializers?: Serializer[];
  /** The `fetch` to use; defaults to the runtime's. */
  fetch?: FetchLike;
  /**
   * Milliseconds a `receive` may go unanswered before it is sent again;
   * below the router's idle timeout for routers that never answer an idle
   * receive (Crossbar's `session_timeout`, 30 s by default).
   *
   * @default {25000}
   */
  receiveTimeout?: number;
}

/**
 * A RawSocket transport to try (TCP or Unix socket; not in browsers, see
 * `connectRawSocket`).
 */
export interface RawSocketTransportOptions {
  /** Transport kind. */
  type: "rawsocket";
  /**
   * `rs://host:port`, `rss://host:port` (TLS), `unix:///path` or
   * `rs://unix:/path`; defaults to the connection's `url`.
   */
  url?: string;
  /**
   * Serializers to request, in order (RawSocket agrees on one per
   * connection; a router that answers "serializer unsupported" is asked for
   * the next); defaults to the connection's.
   */
  serializers?: Serializer[];
  /**
   * Opens the socket. Default: the runtime's own (Deno, Bun, Node 20.16+);
   * on Cloudflare Workers pass `workersConnector(connect)` with the
   * `connect` of `cloudflare:sockets`.
   */
  connector?: Connector;
}

/** Any other transport, opened by a function (memory, custom). */
export interface CustomTransportOptions {
  /** Transport kind, reported in `transport.info`. */
  type: string;
  /** Opens the transport. */
  connect: () => Transport | Promise<Transport>;
  /** Serializers to use; defaults to the connection's. */
  serializers?: Serializer[];
}

/** One entry of `transports`. */
export type TransportOptions =
  | WebSocketTransportOptions
  | LongPollTransportOptions
  | RawSocketTransportOptions
  | CustomTransportOptions;

/** Why `onclose` was called. */
export type CloseReason = "closed" | "lost" | "unreachable" | "unsupported";

/** What `onclose` gets besides the reason. */
export interface CloseDetails {
  /**
   * Why, as a URI: the router's GOODBYE or ABORT reason, the reason given to
   * `close()`, `wamp.close.transport_lost`, or for failures without a WAMP
   * reason `wampkit.error.unreachable`, `wampkit.error.unsupported`,
   * `wampkit.error.permission_denied` (retrying cannot help) or
   * `wampkit.error.handshake_timeout`.
   */
  reason: string;
  /** What happened, in words. */
  message: string;
  /** Retries made so far. */
  retry_count: number;
  /** Seconds until the next try, when one will be made. */
  retry_delay?: number;
  /** Whether the connection will try again. */
  will_retry: boolean;
}

/**
 * Options of a connection, as in Autobahn|JS, and the options of
 * each session it opens (`clock` also times retries and the handshake).
 */
export interface ConnectionOptions extends Omit<SessionOptions, "track"> {
  /** The router URL, for WebSocket transports (and RawSocket ones without a url). */
  url?: string;
  /** Transports to try, in order; default: one WebSocket to `url`. */
  transports?: TransportOptions[];
  /** Serializers to offer, in order; default: JSON. */
  serializers?: Serializer[];
  /**
   * Retries after a failure; -1 for unlimited.
   *
   * @default {15}
   */
  max_retries?: number;
  /**
   * Seconds before the first retry.
   *
   * @default {1.5}
   */
  initial_retry_delay?: number;
  /**
   * Largest delay between retries, in seconds.
   *
   * @default {300}
   */
  max_retry_delay?: number;
  /**
   * Factor the delay grows by after each retry.
   *
   * @default {1.5}
   */
  retry_delay_growth?: number;
  /**
   * Standard deviation of the Gaussian jitter, as a fraction of the delay;
   * 0 disables jitter.
   *
   * @default {0.1}
   */
  retry_delay_jitter?: number;
  /**
   * Retry when no router could be reached on the first attempt.
   *
   * @default {true}
   */
  retry_if_unreachable?: boolean;
  /** Restore subscriptions on each new session after a reconnect. */
  resubscribe?: boolean;
  /** Restore registrations on each new session after a reconnect. */
  reregister?: boolean;
  /** Opening a transport gives up after this many ms (default 10000). */
  connect_timeout?: number;
  /**
   * Seconds to wait for the router's WELCOME (challenges included) once the
   * transport is open; then the transport is closed and the attempt counts
   * as failed (`details.reason` is `wampkit.error.handshake_timeout`), and
   * the retry options apply. 0 waits forever.
   *
   * @default {10}
   */
  handshake_timeout?: number;
}

const UNREACHABLE = "wampkit.error.unreachable";
const UNSUPPORTED = "wampkit.error.unsupported";
const PERMISSION_DENIED = "wampkit.error.permission_denied";
const HANDSHAKE_TIMEOUT = "wampkit.error.handshake_timeout";

const AUTH_FAILURES = new Set([
  "wamp.error.not_authorized",
  "wamp.error.authorization_failed",
  "wamp.error.authentication_failed",
  "wamp.error.authentication_denied",
  "wamp.error.no_auth_method",
  "wamp.error.no_matching_auth_method",
  "wamp.error.no_such_principal",
  "wamp.error.no_such_role",
  "wamp.error.cannot_authenticate",
  "wamp.error.no_such_realm",
]);

function leaveMessage(info: LeaveInfo): string {
  if (info.message) return info.message;
  switch (info.kind) {
    case "local":
      return "Session left by the client";
    case "goodbye":
      return `Router closed the session (${info.reason})`;
    case "abort":
      return `Router aborted the session (${info.reason})`;
    default:
      return `Session ended (${info.reason})`;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function gaussian(): number {
  // Box–Muller
  const u = 1 - Math.random();
  const v = Math.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Opens a transport of a kind other than WebSocket (long-poll, RawSocket):
 * what {@linkcode BaseConnection} is given for the kinds it serves.
 */
export type TransportOpener = (
  spec: TransportOptions,
  context: {
    serializers: Serializer[];
    url: string | undefined;
    timeout: number | undefined;
  },
) => Promise<Transport>;

/**
 * The connection with WebSocket and custom (`connect`) transports only:
 * what `@wampkit/wamp/lite` exports as `Connection`, so that a bundle that
 * needs neither long-poll nor RawSocket carries neither. The
 * `Connection` of `@wampkit/wamp` is this with both.
 *
 * A connection to a WAMP router that opens a session and keeps one open:
 * it tries the transports in order, joins the realm, calls `onopen` with
 * each new session and reconnects with exponential backoff when the
 * transport is lost, the router says GOODBYE or the handshake times out. It
 * stops on `close()`, on an authentication ABORT, when the runtime denies
 * network access, when retries run out, or when `onclose` returns a truthy
 * value (not a Promise). Every run ends with one `onclose` whose
 * `details.will_retry` is false.
 *
 * @example Usage
 * ```ts ignore
 * import { Connection } from "@wampkit/wamp";
 *
 * const connection = new Connection({ url: "ws://127.0.0.1:8080/ws", realm: "realm1" });
 * connection.onopen = async (session) => {
 *   console.log(await session.call("com.example.add2", [2, 3]));
 *   connection.close();
 * };
 * connection.open();
 * ```
 */
export class BaseConnection {
  /** Called with each new session. */
  onopen: ((session: Session, details: Dict) => void) | undefined;
  /**
   * Called when a session ends or an attempt fails; a truthy return (not a
   * Promise) stops reconnecting.
   */
  onclose:
    | ((reason: CloseReason, details: CloseDetails) => unknown)
    | undefined;

  #options: ConnectionOptions;
  #openers: Record<string, TransportOpener>;
  #clock: Clock;
  #track: Tracker | undefined;
  #session: Session | undefined;
  #transport: Transport | undefined;
  #running = false;
  #retrying = false;
  #retryCount = 0;
  #delay: number;
  #timer: unknown;
  #everOpened = false;
  #closed: PromiseWithResolvers<void> | undefined;
  #closing: { reason: string; message: string } | undefined;
  #durableSubs: {
    topic: string;
    handler: EventHandler;
    options: SubscribeOptions;
  }[] = [];
  #durableRegs: {
    procedure: string;
    endpoint: Endpoint;
    options: RegisterOptions;
  }[] = [];

  /**
   * Creates a connection; call `open()` to start it.
   *
   * @param options Where to connect, the realm, retries and authentication.
   * @param openers Openers for transport kinds besides WebSocket, by `type`.
   */
  constructor(
    options: ConnectionOptions,
    openers: Record<string, TransportOpener> = {},
  ) {
    this.#options = options;
    this.#openers = openers;
    this.#clock = options.clock ?? systemClock;
    this.#track = this.#tracker();
    this.#delay = options.initial_retry_delay ?? 1.5;
    if (!options.transports && !options.url) {
      throw new TypeError("Connection needs a url or transports");
    }
  }

  /** The current session, if one is open. */
  get session(): Session | undefined {
    return this.#session?.isOpen ? this.#session : undefined;
  }

  /** Whether a transport is connected. */
  get isConnected(): boolean {
    return this.#transport?.isOpen ?? false;
  }

  /** Whether a session is open. */
  get isOpen(): boolean {
    return this.#session?.isOpen ?? false;
  }

  /** Whether the connection is waiting to retry. */
  get isRetrying(): boolean {
    return this.#retrying;
  }

  /** The current transport's kind, URL and subprotocol. */
  get transport(): { info: TransportInfo | undefined } {
    return { info: this.#transport?.info };
  }

  /**
   * A deferred, as Autobahn|JS offers for endpoints that resolve later.
   *
   * @typeParam T The value type.
   * @returns `{ promise, resolve, reject }`.
   */
  defer<T = unknown>(): PromiseWithResolvers<T> {
    return withResolvers<T>();
  }

  /**
   * Starts connecting. Throws if the connection is already open or opening.
   */
  open(): void {
    if (this.#running) throw new Error("Connection already open (or opening)");
    this.#running = true;
    this.#retryCount = 0;
    this.#delay = this.#options.initial_retry_delay ?? 1.5;
    this.#closed = withResolvers<void>();
    this.#closing = undefined;
    void this.#attempt();
  }

  /**
   * Opens the connection and resolves with the first session, or rejects
   * with why the first attempt failed (no retries are made for it).
   *
   * @returns The session.
   */
  openSession(): Promise<Session> {
    const { promise, resolve, reject } = withResolvers<Session>();
    const onopen = this.onopen;
    const onclose = this.onclose;
    let opened = false;
    this.onopen = (session, details) => {
      opened = true;
      this.onopen = onopen;
      this.onclose = onclose;
      resolve(session);
      onopen?.(session, details);
    };
    this.onclose = (reason, details) => {
      if (opened) return onclose?.(reason, details);
      this.onopen = onopen;
      this.onclose = onclose;
      reject(
        new TransportError(
          `Could not open a session (${reason}${
            details.reason ? `: ${details.reason}` : ""
          }${details.message ? `, ${details.message}` : ""})`,
          {
            unsupported: reason === "unsupported",
            denied: details.reason === PERMISSION_DENIED,
          },
        ),
      );
      return true;
    };
    this.open();
    return promise;
  }

  /**
   * Closes the connection: leaves the session with GOODBYE and stops
   * reconnecting.
   *
   * @param reason The GOODBYE reason.
   * @param message A message for the router.
   * @returns Resolves once closed.
   */
  close(reason = "wamp.close.normal", message?: string): Promise<void> {
    if (!this.#running) return Promise.resolve();
    this.#running = false;
    this.#closing = {
      reason,
      message: message ?? "Connection closed by the client",
    };
    const closed = this.#closed!;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#retrying = false;
    const session = this.#session;
    if (session) void session.leave(reason, message);
    else if (this.#transport) this.#transport.close(1000, "close");
    else this.#stopped(); // waiting to retry, or opening a transport
    return closed.promise;
  }

  /**
   * Reports the end that `close()` asked for, once (the attempt it
   * interrupted may end later), and resolves `close()`.
   */
  #stopped(): void {
    const closing = this.#closing;
    this.#closing = undefined;
    if (closing) this.#report("closed", { ...closing, will_retry: false });
    this.#closed?.resolve();
  }

  /**
   * Closes the connection, for `await using`.
   *
   * @returns Resolves once closed.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #transportsToTry(): TransportOptions[] {
    return this.#options.transports ?? [{ type: "websocket" }];
  }

  async #open(spec: TransportOptions): Promise<[Transport, Serializer]> {
    const serializers = spec.serializers ?? this.#options.serializers ??
      [new JsonSerializer()];
    let transport: Transport;
    if ("connect" in spec) {
      transport = await spec.connect();
    } else if (spec.type !== "websocket" && spec.type !== undefined) {
      const opener = this.#openers[spec.type];
      if (opener === undefined) {
        throw new TransportError(
          `The ${spec.type} transport is not in this build: use Connection from @wampkit/wamp`,
          { unsupported: true },
        );
      }
      transport = await opener(spec, {
        serializers,
        url: this.#options.url,
        timeout: this.#options.connect_timeout,
      });
    } else {
      const url = spec.url ?? this.#options.url;
      if (!url) throw new TransportError("WebSocket transport without a url");
      transport = await connectWebSocket(url, {
        protocols: serializers.map((s) => s.protocol),
        WebSocket: spec.WebSocket,
        timeout: this.#options.connect_timeout,
      });
    }
    const serializer = serializers.find((s) =>
      s.protocol === transport.info.protocol
    );
    if (serializer === undefined) {
      transport.close(1002, "unsupported subprotocol");
      throw new TransportError(
        `No serializer for subprotocol ${transport.info.protocol}`,
        { unsupported: true },
      );
    }
    return [transport, serializer];
  }

  async #attempt(): Promise<void> {
    this.#timer = undefined;
    this.#retrying = false;
    let opened: [Transport, Serializer] | undefined;
    let allUnsupported = true;
    let allDenied = true;
    let lastError: unknown;
    for (const spec of this.#transportsToTry()) {
      try {
        opened = await this.#open(spec);
        break;
      } catch (err) {
        lastError = err;
        const known = err instanceof TransportError ? err : undefined;
        if (!known?.unsupported) allUnsupported = false;
        if (!known?.denied) allDenied = false;
      }
    }
    if (!this.#running) {
      opened?.[0].close(1000, "close");
      this.#stopped();
      return;
    }
    if (opened === undefined) {
      const reason: CloseReason = allUnsupported
        ? "unsupported"
        : "unreachable";
      const denied = allDenied && reason === "unreachable";
      const canRetry = reason === "unreachable" && !denied &&
        (this.#everOpened || (this.#options.retry_if_unreachable ?? true));
      this.#afterFailure(reason, {
        reason: denied
          ? PERMISSION_DENIED
          : reason === "unsupported"
          ? UNSUPPORTED
          : UNREACHABLE,
        message: lastError === undefined
          ? "No transport to try"
          : errorMessage(lastError),
      }, canRetry);
      return;
    }
    const [transport, serializer] = opened;
    this.#transport = transport;
    const o = this.#options;
    const session = new Session(transport, serializer, {
      ...o,
      track: this.#track,
    });
    this.#session = session;
    let joined = false;
    session.onleave = (info) => {
      this.#session = undefined;
      this.#transport = undefined;
      if (!joined) return; // reported by the join failure below
      if (info.kind === "local" || !this.#running) {
        this.#running = false;
        const closing = this.#closing;
        this.#closing = undefined;
        this.#report("closed", {
          reason: info.reason,
          message: info.message || closing?.message || leaveMessage(info),
          will_retry: false,
        });
        this.#closed?.resolve();
        return;
      }
      const reason: CloseReason = info.kind === "goodbye" ? "closed" : "lost";
      this.#afterFailure(reason, {
        reason: info.reason,
        message: leaveMessage(info),
      }, !AUTH_FAILURES.has(info.reason));
    };
    const seconds = o.handshake_timeout ?? 10;
    const clock = this.#clock;
    const handshake = seconds > 0
      ? clock.setTimeout(
        () =>
          void session.leave(
            HANDSHAKE_TIMEOUT,
            `No WELCOME from the router within ${seconds} s (handshake_timeout)`,
          ),
        Math.min(seconds * 1000, MAX_TIMER_DELAY),
      )
      : undefined;
    let details: Dict;
    try {
      details = await session.join();
    } catch (err) {
      const uri = (err as { uri?: unknown }).uri;
      const reason = typeof uri === "string" ? uri : ErrorUri.RUNTIME_ERROR;
      this.#session = undefined;
      this.#transport = undefined;
      if (!this.#running) {
        this.#stopped();
        return;
      }
      this.#afterFailure("closed", {
        reason,
        message: errorMessage(err),
      }, !AUTH_FAILURES.has(reason));
      return;
    } finally {
      clock.clearTimeout(handshake);
    }
    joined = true;
    this.#everOpened = true;
    this.#retryCount = 0;
    this.#delay = o.initial_retry_delay ?? 1.5;
    await this.#restore(session);
    // The session may have ended, or close() been called, while restoring:
    // onclose has been reported then, and onopen must not follow it.
    if (!this.#running || this.#session !== session || !session.isOpen) return;
    try {
      this.onopen?.(session, { ...details, transport: transport.info });
    } catch (err) {
      // deno-lint-ignore no-console
      console.error("wampkit: error in onopen:", err);
    }
  }

  async #restore(session: Session): Promise<void> {
    if (this.#options.resubscribe) {
      for (const s of this.#durableSubs) {
        await session.subscribe(s.topic, s.handler, s.options).catch(() => {});
      }
    }
    if (this.#options.reregister) {
      for (const r of this.#durableRegs) {
        await session.register(r.procedure, r.endpoint, r.options).catch(
          () => {},
        );
      }
    }
  }

  /**
   * The hooks that record subscriptions and registrations so that they can
   * be restored, when `resubscribe` or `reregister` asks for it.
   */
  #tracker(): Tracker | undefined {
    const { resubscribe, reregister } = this.#options;
    if (!resubscribe && !reregister) return undefined;
    const track: Tracker = {};
    if (resubscribe) {
      track.subscribed = ({ topic, handler, options }) => {
        if (
          !this.#durableSubs.some((d) =>
            d.handler === handler && d.topic === topic
          )
        ) {
          this.#durableSubs.push({ topic, handler, options });
        }
      };
      track.unsubscribed = (sub) => {
        this.#durableSubs = this.#durableSubs.filter((d) =>
          !(d.handler === sub.handler && d.topic === sub.topic)
        );
      };
    }
    if (reregister) {
      track.registered = ({ procedure, endpoint, options }) => {
        if (!this.#durableRegs.some((d) => d.procedure === procedure)) {
          this.#durableRegs.push({ procedure, endpoint, options });
        }
      };
      track.unregistered = (reg) => {
        this.#durableRegs = this.#durableRegs.filter((d) =>
          d.procedure !== reg.procedure
        );
      };
    }
    return track;
  }

  #report(
    reason: CloseReason,
    details: Omit<CloseDetails, "retry_count">,
  ): unknown {
    try {
      return this.onclose?.(reason, {
        ...details,
        retry_count: this.#retryCount,
      });
    } catch (err) {
      // deno-lint-ignore no-console
      console.error("wampkit: error in onclose:", err);
      return undefined;
    }
  }

  #nextDelay(): number {
    const o = this.#options;
    const jitter = o.retry_delay_jitter ?? 0.1;
    const max = o.max_retry_delay ?? 300;
    let delay = this.#delay;
    if (jitter > 0) delay = Math.max(0, delay + gaussian() * jitter * delay);
    this.#delay = Math.min(max, this.#delay * (o.retry_delay_growth ?? 1.5));
    return Math.min(max, delay);
  }

  #afterFailure(
    reason: CloseReason,
    details: { reason: string; message: string },
    canRetry: boolean,
  ): void {
    const max = this.#options.max_retries ?? 15;
    const willRetry = canRetry && this.#running &&
      (max === -1 || this.#retryCount < max);
    const delay = willRetry ? this.#nextDelay() : undefined;
    const stop = this.#report(reason, {
      ...details,
      retry_delay: delay,
      will_retry: willRetry,
    });
    const stopped = stop && !(stop instanceof Promise);
    if (!willRetry || stopped || !this.#running) {
      this.#running = false;
      this.#closed?.resolve();
      return;
    }
    this.#retryCount++;
    this.#retrying = true;
    this.#timer = this.#clock.setTimeout(
      () => void this.#attempt(),
      Math.min(delay! * 1000, MAX_TIMER_DELAY),
    );
  }
}

/**
 * Opens a connection (WebSocket and custom transports) and resolves with
 * its first session: the shortcut for scripts. The session's `leave()`
 * ends the connection too.
 *
 * @example Usage
 * ```ts
 * import { connect } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "memory", connect: () => router.connectLocal() }],
 * });
 * assert.ok(session.isOpen);
 * await session.leave();
 * ```
 *
 * @param options Connection options.
 * @returns The session.
 */
export function connect(options: ConnectionOptions): Promise<Session> {
  return new BaseConnection({ max_retries: 0, ...options }).openSession();
}
