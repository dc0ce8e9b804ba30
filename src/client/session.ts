/**
 * The client session: the WAMP session state machine over one transport,
 * and the table that hands each message the router sends to the role it is
 * for (caller, callee, publisher, subscriber).
 *
 * @module
 */

import { announceRoles, hasFeature } from "../protocol/features.ts";
import * as M from "../protocol/_codes.ts";
import { type MessageType, messageTypeName } from "../protocol/message_type.ts";
import type {
  Dict,
  ErrorMessage,
  GoodbyeMessage,
  Message,
} from "../protocol/messages.ts";
import { parse, toWire } from "../protocol/parse.ts";
import { ProtocolError } from "../protocol/protocol_error.ts";
import { isValidUri } from "../protocol/uri.ts";
import * as ErrorUri from "../protocol/_uris.ts";
import { WampError } from "../protocol/wamp_error.ts";
import type { ClientAuth, HelloAuth } from "../auth/client_auth.ts";
import type { Serializer } from "../serializers/serializer.ts";
import type { CloseInfo, Frame, Transport } from "../transports/transport.ts";
import type { CallPromise } from "./call_promise.ts";
import { AGENT, CLIENT_ROLES, sharedFeatures } from "./client_roles.ts";
import { Callee, type CalleeContext } from "./callee.ts";
import { Caller, type CallerContext } from "./caller.ts";
import {
  type Clock,
  MAX_TIMER_DELAY,
  systemClock,
} from "../transports/clock.ts";
import { Publisher, type PublisherContext } from "./publisher.ts";
import {
  notOpen,
  type Pending,
  Requests,
  type RequestsContext,
} from "./requests.ts";
import type { Publication } from "./result.ts";
import { SessionClosedError } from "./session_closed_error.ts";
import { Subscriber, type SubscriberContext } from "./subscriber.ts";
import type { Registration, Subscription, Tracker } from "./subscription.ts";
import { Tracer } from "./tracer.ts";
import type {
  CallOptions,
  Endpoint,
  EventHandler,
  PublishOptions,
  RegisterOptions,
  SubscribeOptions,
} from "./types.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** Why a session ended, as its `onleave` callback reports it. */
export interface LeaveInfo {
  /** The reason URI (`wamp.close.transport_lost` when the transport died). */
  reason: string;
  /** A human-readable message, if any. */
  message?: string;
  /** How it ended. */
  kind: "local" | "goodbye" | "abort" | "lost" | "violation";
}

/**
 * Answers an authentication CHALLENGE: gets the session, the method the
 * router chose and the CHALLENGE extra, returns the signature for
 * AUTHENTICATE (or a promise of it). Throwing aborts the session with
 * `wamp.error.cannot_authenticate`.
 *
 * @example A ticket
 * ```ts
 * import type { ChallengeHandler } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const onchallenge: ChallengeHandler = (_session, method) => {
 *   if (method !== "ticket") throw new Error(`Cannot answer ${method}`);
 *   return "secret!";
 * };
 * assert.equal(onchallenge(undefined as never, "ticket", {}), "secret!");
 * ```
 */
export type ChallengeHandler = (
  session: Session,
  method: string,
  extra: Dict,
) => string | Promise<string>;

/** Options of a {@linkcode Session}. */
export interface SessionOptions {
  /** The realm to join. */
  realm: string;
  /** Authentication methods to offer. */
  authmethods?: string[];
  /** The authid to authenticate as. */
  authid?: string;
  /** The authrole to request. */
  authrole?: string;
  /** Extra authentication data. */
  authextra?: Dict;
  /** Answers CHALLENGE messages. */
  onchallenge?: ChallengeHandler;
  /**
   * An authentication method from `@wampkit/wamp/auth`, such as
   * `wampcra({ authid, secret })`: it fills HELLO's `authmethods`, `authid`
   * and `authextra` (options given here win), answers CHALLENGE when no
   * `onchallenge` is set, and checks WELCOME (SCRAM's server signature)
   * before the session opens.
   */
  auth?: ClientAuth;
  /**
   * Print every message sent and received.
   *
   * @default {false, or true when WAMPKIT_DEBUG=1}
   */
  debug?: boolean;
  /** Where the debug trace goes (default `console.debug`). */
  trace?: (line: string) => void;
  /** Receives errors thrown by event handlers and onleave. */
  onUserError?: (error: unknown, context: string) => void;
  /**
   * How long `leave()` waits for the router's GOODBYE, in ms.
   *
   * @default {5000}
   */
  leaveTimeout?: number;
  /**
   * The timers for call timeouts and the leave timeout.
   *
   * @default {the runtime's setTimeout and clearTimeout}
   */
  clock?: Clock;
  /**
   * Told when the application adds or removes subscriptions and
   * registrations.
   */
  track?: Tracker;
}

/**
 * The session's states: `new` until `join()`, then `establishing` →
 * `established` → `closing` (after `leave()`) → `closed`; any state but
 * `new` may go to `closed` at once (ABORT, transport lost, violation).
 */
type State = "new" | "establishing" | "established" | "closing" | "closed";

/** The handler of one message type. */
type Handler<K extends MessageType> = (
  msg: Extract<Message, { type: K }>,
) => void;

/** How a session handles each message type the router sends. */
type DispatchTable = { [K in MessageType]?: Handler<K> };

/** What a session does with messages in one state. */
interface StateTable {
  /** The message types this state expects. */
  readonly handlers: DispatchTable;
  /**
   * Any other message: a protocol violation, or ignored.
   *
   * @param msg The message.
   */
  otherwise(msg: Message): void;
}

/** Where an ERROR goes, by the type of the request it answers. */
type ErrorTable = {
  [K in MessageType]?: (requestId: number, error: WampError) => void;
};

/**
 * A WAMP session over one transport. Usually created by a `Connection`;
 * create one directly to run a session over a transport you opened.
 *
 * Every pending request settles when the session ends: calls, subscribes,
 * registers, acknowledged publishes and unsubscribes reject with
 * {@linkcode SessionClosedError}. Requests made while the session is not
 * open reject with it too.
 *
 * @example A session over an in-memory transport
 * ```ts
 * import { JsonSerializer, Session } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const session = new Session(router.connectLocal(), new JsonSerializer(), {
 *   realm: "realm1",
 * });
 * await session.join();
 * await session.register("com.example.add2", ([a, b]) => Number(a) + Number(b));
 * const sum = await session.call<number>("com.example.add2", [2, 3]);
 * assert.equal(sum, 5);
 * await session.leave();
 * await router.close();
 * ```
 */
export class Session {
  /** Called once when the session has ended, with why. */
  onleave: ((info: LeaveInfo) => void) | undefined;

  #transport: Transport;
  #serializer: Serializer;
  #options: SessionOptions;
  #clock: Clock;
  #state: State = "new";
  #id: number | undefined;
  #welcome: Dict = {};
  #routerRoles: Dict = {};
  #tracer: Tracer;
  #prefixes = new Map<string, string>();
  #joinPromise: Pending<Dict> | undefined;
  #leavePromise: Pending<void> | undefined;
  #leaveTimer: unknown;

  // The roles, made in this order: Requests.rejectAll settles their
  // pending requests in it.
  #requests: Requests;
  #caller: Caller;
  #subscriber: Subscriber;
  #publisher: Publisher;
  #callee: Callee;

  // The dispatch tables, built once: the current one and one per state.
  #table: StateTable;
  #establishing: StateTable;
  #established: StateTable;
  #closing: StateTable;
  #errors: ErrorTable;

  /**
   * Creates a session over an open transport; call {@linkcode join} next.
   *
   * @param transport The open transport.
   * @param serializer The serializer matching the transport's subprotocol.
   * @param options Realm, authentication and debugging.
   */
  constructor(
    transport: Transport,
    serializer: Serializer,
    options: SessionOptions,
  ) {
    this.#transport = transport;
    this.#serializer = serializer;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#tracer = new Tracer(options);

    const context:
      & RequestsContext
      & CallerContext
      & CalleeContext
      & PublisherContext
      & SubscriberContext = {
        clock: this.#clock,
        owner: this,
        track: (hook: keyof Tracker, item: Subscription | Registration) =>
          this.#track(hook, item),
        send: (message: Message) => this.#send(message),
        dropped: (requestId: number, what: string) =>
          this.#dropped(requestId, what),
        target: (uri: string, what: "procedure" | "topic", match?: unknown) =>
          this.#target(uri, what, match),
        isOpen: () => this.#state === "established",
        canCancel: () =>
          hasFeature(this.#routerRoles, "dealer", "call_canceling"),
        userError: (error: unknown, where: string) =>
          this.#userError(error, where),
      };
    const requests = this.#requests = new Requests(context);
    const caller = this.#caller = new Caller(context, requests);
    const subscriber = this.#subscriber = new Subscriber(context, requests);
    const publisher = this.#publisher = new Publisher(context, requests);
    const callee = this.#callee = new Callee(context, requests);

    this.#establishing = {
      handlers: {
        [M.WELCOME]: (m) => this.#welcomed(m.session, m.details),
        [M.ABORT]: (m) => this.#aborted(m.reason, m.details),
        [M.CHALLENGE]: (m) => this.#challenged(m.authMethod, m.extra),
      },
      otherwise: (m) => {
        throw new ProtocolError(
          `${
            messageTypeName(m.type)
          } received before the session was established`,
        );
      },
    };
    this.#established = {
      handlers: {
        [M.RESULT]: (m) => caller.result(m),
        [M.EVENT]: (m) => subscriber.event(m),
        [M.INVOCATION]: (m) => callee.invocation(m),
        [M.ERROR]: (m) => this.#error(m),
        [M.SUBSCRIBED]: (m) => subscriber.subscribed(m),
        [M.UNSUBSCRIBED]: (m) => subscriber.unsubscribed(m),
        [M.PUBLISHED]: (m) => publisher.published(m),
        [M.REGISTERED]: (m) => callee.registered(m),
        [M.UNREGISTERED]: (m) => callee.unregistered(m),
        [M.INTERRUPT]: (m) => callee.interrupt(m),
        [M.GOODBYE]: (m) => this.#goodbye(m),
        [M.ABORT]: (m) => this.#aborted(m.reason, m.details),
      },
      otherwise: (m) => {
        throw new ProtocolError(
          `${
            messageTypeName(m.type)
          } is not a message a router sends to an established client session`,
        );
      },
    };
    // While shutting down only GOODBYE (the reply) and ABORT matter.
    this.#closing = {
      handlers: {
        [M.GOODBYE]: () => this.#goodbyeReply(),
        [M.ABORT]: (m) => this.#aborted(m.reason, m.details),
      },
      otherwise: () => {},
    };
    this.#table = this.#establishing;
    this.#errors = {
      [M.CALL]: (id, e) => caller.failed(id, e),
      [M.SUBSCRIBE]: (id, e) => subscriber.subscribeFailed(id, e),
      [M.UNSUBSCRIBE]: (id, e) => subscriber.unsubscribeFailed(id, e),
      [M.PUBLISH]: (id, e) => publisher.failed(id, e),
      [M.REGISTER]: (id, e) => callee.registerFailed(id, e),
      [M.UNREGISTER]: (id, e) => callee.unregisterFailed(id, e),
    };
  }

  /** The session id, once joined. */
  get id(): number | undefined {
    return this.#id;
  }

  /** The realm. */
  get realm(): string {
    return this.#options.realm;
  }

  /** Whether the session is established. */
  get isOpen(): boolean {
    return this.#state === "established";
  }

  /**
   * The WELCOME details: the identity the router verified (`authid`,
   * `authrole`, `authmethod`, `authprovider`, `authextra`) and its roles.
   */
  get details(): Dict {
    return this.#welcome;
  }

  /** The authid the router assigned in WELCOME, once established. */
  get authid(): string | undefined {
    const id = this.#welcome.authid;
    return typeof id === "string" ? id : undefined;
  }

  /** The authrole the router assigned in WELCOME, once established. */
  get authrole(): string | undefined {
    const role = this.#welcome.authrole;
    return typeof role === "string" ? role : undefined;
  }

  /** The authentication method the router used, once established. */
  get authmethod(): string | undefined {
    const method = this.#welcome.authmethod;
    return typeof method === "string" ? method : undefined;
  }

  /** The transport the session runs over. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * The advanced features both this client and the router announced, per
   * client role: `{ caller: { progressive_call_results: true, … }, … }`.
   */
  get features(): Record<string, Record<string, boolean>> {
    return sharedFeatures(this.#routerRoles);
  }

  /** Active subscriptions, grouped per router subscription. */
  get subscriptions(): Subscription[][] {
    return this.#subscriber.subscriptions;
  }

  /** Active registrations. */
  get registrations(): Registration[] {
    return this.#callee.registrations;
  }

  /**
   * Logs with the session id in front.
   *
   * @param args What to log.
   */
  log(...args: unknown[]): void {
    // deno-lint-ignore no-console
    console.log(`[session ${this.#id ?? "-"}]`, ...args);
  }

  /**
   * Defines a CURIE prefix: `prefix("api", "com.example.api")` makes
   * `api:add` mean `com.example.api.add`. A `null` uri removes it.
   *
   * @param shortcut The prefix.
   * @param uri The URI it stands for, or null to remove it.
   */
  prefix(shortcut: string, uri: string | null): void {
    if (uri === null) this.#prefixes.delete(shortcut);
    else this.#prefixes.set(shortcut, uri);
  }

  /**
   * Resolves a CURIE (`prefix:rest`) to a full URI; other strings are
   * returned unchanged.
   *
   * @param curie A URI or CURIE.
   * @returns The full URI.
   */
  resolve(curie: string): string {
    const colon = curie.indexOf(":");
    if (colon <= 0) return curie;
    const base = this.#prefixes.get(curie.slice(0, colon));
    if (base === undefined) {
      throw new WampError(ErrorUri.INVALID_URI, [
        `Cannot resolve CURIE prefix of ${curie}`,
      ]);
    }
    return `${base}.${curie.slice(colon + 1)}`;
  }

  /**
   * Sends HELLO and waits for WELCOME (answering any CHALLENGE).
   *
   * @returns The WELCOME details.
   */
  join(): Promise<Dict> {
    if (this.#state !== "new") {
      return Promise.reject(new Error("Session has already joined"));
    }
    this.#enter("establishing", this.#establishing);
    // Hold the join promise before listening: a transport that closed
    // already delivers its close inside listen(), and that must reject it.
    const { promise, resolve, reject } = withResolvers<Dict>();
    this.#joinPromise = { resolve, reject };
    this.#transport.listen({
      message: (frame) => this.#receive(frame),
      close: (info) => this.#transportClosed(info),
    });
    // listen() may have ended the session already.
    if ((this.#state as State) !== "establishing") return promise;
    const auth = this.#options.auth;
    if (!auth) {
      this.#hello({});
      return promise;
    }
    Promise.resolve().then(() => auth.hello()).then((hello) => {
      if (this.#state === "establishing") this.#hello(hello);
    }, (err) => {
      if (this.#state === "establishing") {
        this.#cannotAuthenticate(`Authentication failed: ${errorText(err)}`);
      }
    });
    return promise;
  }

  /**
   * Leaves the session: sends GOODBYE and waits for the router's reply (or
   * the transport closing, or `leaveTimeout`), then closes the transport.
   *
   * @param reason The GOODBYE reason.
   * @param message A message for the router.
   */
  leave(reason = "wamp.close.normal", message?: string): Promise<void> {
    if (this.#state === "closed") return Promise.resolve();
    if (this.#state === "closing") {
      return new Promise((resolve) => {
        const previous = this.#leavePromise;
        this.#leavePromise = {
          resolve: () => {
            previous?.resolve();
            resolve();
          },
          reject: () => resolve(),
        };
      });
    }
    if (this.#state !== "established") {
      this.#end({ reason, message, kind: "local" });
      this.#transport.close(1000, "leave");
      return Promise.resolve();
    }
    this.#enter("closing", this.#closing);
    const details: Dict = message === undefined ? {} : { message };
    this.#send({ type: M.GOODBYE, details, reason });
    return new Promise((resolve) => {
      this.#leavePromise = { resolve, reject: () => resolve() };
      this.#leaveTimer = this.#clock.setTimeout(() => {
        this.#end({ reason, message, kind: "local" });
        this.#transport.close(1000, "leave");
      }, Math.min(this.#options.leaveTimeout ?? 5000, MAX_TIMER_DELAY));
    });
  }

  /**
   * Leaves the session, for `await using`.
   *
   * @returns Resolves once left.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.leave();
  }

  // ------------------------------------------------------------------ roles

  /**
   * Calls a procedure.
   *
   * The promise resolves to the single result value, to `undefined` for an
   * empty result, or to a {@linkcode Result} when there are several values
   * or keyword values; it rejects with {@linkcode WampError}.
   *
   * @typeParam T The result type (not checked: what the callee returns).
   * @param procedure The procedure URI or CURIE.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments.
   * @param options Call options, `signal`, `onProgress` and `timeout`.
   * @returns A {@linkcode CallPromise}.
   */
  call<T = unknown>(
    procedure: string,
    args?: unknown[],
    kwargs?: Dict,
    options: CallOptions = {},
  ): CallPromise<T> {
    return this.#caller.call<T>(procedure, args, kwargs, options);
  }

  /**
   * Registers a procedure.
   *
   * @param procedure The procedure URI, CURIE or pattern.
   * @param endpoint Called for each invocation.
   * @param options Register options.
   * @returns The registration.
   */
  register(
    procedure: string,
    endpoint: Endpoint,
    options: RegisterOptions = {},
  ): Promise<Registration> {
    return this.#callee.register(procedure, endpoint, options);
  }

  /**
   * Unregisters a procedure.
   *
   * @param registration What `register` returned.
   * @returns True once unregistered.
   */
  unregister(registration: Registration): Promise<boolean> {
    return this.#callee.unregister(registration);
  }

  /**
   * Publishes an event. Returns a promise of the {@linkcode Publication}
   * when `options.acknowledge` is set, else nothing.
   *
   * @param topic The topic URI or CURIE.
   * @param args Positional payload.
   * @param kwargs Keyword payload.
   * @param options Publish options.
   * @returns The acknowledgement, if asked for.
   */
  publish(
    topic: string,
    args?: unknown[],
    kwargs?: Dict,
    options: PublishOptions = {},
  ): Promise<Publication> | undefined {
    return this.#publisher.publish(topic, args, kwargs, options);
  }

  /**
   * Subscribes a handler to a topic. Several handlers on one topic share a
   * router subscription.
   *
   * @param topic The topic URI, CURIE or pattern.
   * @param handler Called with `(args, kwargs, details)` for each event.
   * @param options Subscribe options.
   * @returns The subscription.
   */
  subscribe(
    topic: string,
    handler: EventHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    return this.#subscriber.subscribe(topic, handler, options);
  }

  /**
   * Removes a handler. The router subscription ends (UNSUBSCRIBE) with the
   * last handler; the promise resolves `true` then and `false` while other
   * handlers remain.
   *
   * @param subscription What `subscribe` returned.
   * @returns Whether the router subscription ended.
   */
  unsubscribe(subscription: Subscription): Promise<boolean> {
    return this.#subscriber.unsubscribe(subscription);
  }

  // ---------------------------------------------------------------- sending

  #send(message: Message): void {
    let frame: Frame;
    try {
      frame = this.#serializer.serialize(toWire(message));
    } catch (err) {
      throw new WampError(ErrorUri.INVALID_ARGUMENT, [
        `Cannot serialize ${messageTypeName(message.type)}: ${
          (err as Error).message
        }`,
      ]);
    }
    if (this.#tracer.enabled) this.#tracer.message("→", frame, message);
    this.#transport.send(frame);
  }

  /**
   * The full URI a request is for; throws SessionClosedError when the
   * session is not open and WampError `wamp.error.invalid_uri` for a bad URI.
   */
  #target(uri: string, what: "procedure" | "topic", match?: unknown): string {
    if (this.#state !== "established") throw notOpen();
    const full = this.resolve(uri);
    const pattern = match === "prefix" || match === "wildcard";
    if (!isValidUri(full, { allowEmpty: pattern })) {
      throw new WampError(ErrorUri.INVALID_URI, [`Invalid ${what} URI ${uri}`]);
    }
    return full;
  }

  // -------------------------------------------------------------- receiving

  #enter(state: State, table: StateTable): void {
    this.#state = state;
    this.#table = table;
  }

  #receive(frame: Frame): void {
    if (this.#state === "closed") return;
    let message: Message;
    try {
      message = parse(this.#serializer.deserialize(frame));
    } catch (err) {
      if (this.#tracer.enabled) this.#tracer.line(() => `← bad frame: ${err}`);
      this.#violation((err as Error).message);
      return;
    }
    if (this.#tracer.enabled) this.#tracer.message("←", frame, message);
    try {
      const table = this.#table;
      const handler = table.handlers[message.type] as
        | Handler<typeof message.type>
        | undefined;
      if (handler === undefined) table.otherwise(message);
      else handler(message as never);
    } catch (err) {
      if (err instanceof ProtocolError) this.#violation(err.message);
      else this.#userError(err, `handling ${messageTypeName(message.type)}`);
    }
  }

  #error(msg: ErrorMessage): void {
    const error = new WampError(
      msg.error,
      msg.args ?? [],
      msg.kwargs ?? {},
      msg.details,
    );
    const route = this.#errors[msg.requestType as MessageType];
    if (route === undefined) {
      throw new ProtocolError(
        `ERROR for ${messageTypeName(msg.requestType)} is not sent to clients`,
      );
    }
    route(msg.requestId, error);
  }

  #goodbye(msg: GoodbyeMessage): void {
    this.#send({
      type: M.GOODBYE,
      details: {},
      reason: ErrorUri.GOODBYE_AND_OUT,
    });
    this.#end({
      reason: msg.reason,
      message: typeof msg.details.message === "string"
        ? msg.details.message
        : undefined,
      kind: "goodbye",
    });
    this.#transport.close(1000, "goodbye");
  }

  #dropped(requestId: number, what: string): void {
    // Answers to requests this session does not know are dropped: routers
    // answer late after a local cancel or timeout, and some answer twice.
    if (this.#tracer.enabled) {
      this.#tracer.line(() => `dropped ${what} for request ${requestId}`);
    }
  }

  #hello(auth: Partial<HelloAuth>): void {
    const details: Dict = {
      roles: announceRoles(CLIENT_ROLES),
      agent: AGENT,
    };
    const o = this.#options;
    const authmethods = o.authmethods ?? auth.authmethods;
    const authid = o.authid ?? auth.authid;
    const authrole = o.authrole ?? auth.authrole;
    const authextra = auth.authextra || o.authextra
      ? { ...auth.authextra, ...o.authextra }
      : undefined;
    if (authmethods) details.authmethods = authmethods;
    if (authid !== undefined) details.authid = authid;
    if (authrole !== undefined) details.authrole = authrole;
    if (authextra) details.authextra = authextra;
    try {
      this.#send({ type: M.HELLO, realm: o.realm, details });
    } catch (err) {
      const join = this.#joinPromise;
      this.#joinPromise = undefined;
      join?.reject(err);
      void this.leave(ErrorUri.INVALID_ARGUMENT, (err as Error).message);
    }
  }

  #welcomed(session: number, details: Dict): void {
    const check = this.#options.auth?.welcome;
    if (!check) {
      this.#opened(session, details);
      return;
    }
    // The session is not open until the router proved who it is (SCRAM's
    // server signature); messages that arrive meanwhile are protocol
    // violations, as before WELCOME.
    Promise.resolve().then(() => check(details)).then(() => {
      if (this.#state === "establishing") this.#opened(session, details);
    }, (err) => {
      if (this.#state === "establishing") {
        this.#cannotAuthenticate(
          `Router failed authentication: ${errorText(err)}`,
        );
      }
    });
  }

  #opened(session: number, details: Dict): void {
    this.#id = session;
    this.#welcome = details;
    this.#routerRoles = (details.roles ?? {}) as Dict;
    this.#enter("established", this.#established);
    const join = this.#joinPromise;
    this.#joinPromise = undefined;
    join?.resolve(details);
  }

  #challenged(method: string, extra: Dict): void {
    const { onchallenge, auth } = this.#options;
    const handler = onchallenge ??
      (auth && ((_s: Session, m: string, e: Dict) => auth.challenge(m, e)));
    if (!handler) {
      this.#cannotAuthenticate(
        `Received CHALLENGE for ${method} without an onchallenge handler`,
      );
      return;
    }
    Promise.resolve()
      .then(() => handler(this, method, extra))
      .then((signature) => {
        if (this.#state !== "establishing") return;
        this.#send({ type: M.AUTHENTICATE, signature, extra: {} });
      }, (err) => {
        if (this.#state !== "establishing") return;
        this.#cannotAuthenticate(`onchallenge failed: ${errorText(err)}`);
      });
  }

  #cannotAuthenticate(text: string): void {
    this.#send({
      type: M.ABORT,
      details: { message: text },
      reason: "wamp.error.cannot_authenticate",
    });
    this.#end({
      reason: "wamp.error.cannot_authenticate",
      message: text,
      kind: "abort",
    });
    this.#transport.close(1000, "abort");
  }

  #aborted(reason: string, details: Dict): void {
    const message = typeof details.message === "string"
      ? details.message
      : undefined;
    this.#end({ reason, message, kind: "abort" });
    this.#transport.close(1000, "abort");
  }

  #goodbyeReply(): void {
    const leave = this.#leavePromise;
    this.#end({ reason: "wamp.close.normal", kind: "local" });
    this.#transport.close(1000, "goodbye");
    leave?.resolve();
  }

  #violation(text: string): void {
    if (this.#state === "closed") return;
    this.#send({
      type: M.ABORT,
      details: { message: text },
      reason: ErrorUri.PROTOCOL_VIOLATION,
    });
    this.#end({
      reason: ErrorUri.PROTOCOL_VIOLATION,
      message: text,
      kind: "violation",
    });
    this.#transport.close(1002, "protocol violation");
  }

  #transportClosed(info: CloseInfo): void {
    if (this.#state === "closed") return;
    const local = this.#state === "closing";
    this.#end({
      reason: local ? "wamp.close.normal" : "wamp.close.transport_lost",
      message: info.reason || `Transport closed (${info.code})`,
      kind: local ? "local" : "lost",
    });
  }

  #track(hook: keyof Tracker, item: Subscription | Registration): void {
    const track = this.#options.track;
    const fn = track?.[hook] as
      | ((item: Subscription | Registration) => void)
      | undefined;
    if (fn === undefined) return;
    try {
      fn.call(track, item);
    } catch (err) {
      this.#userError(err, `track.${hook}`);
    }
  }

  #userError(err: unknown, context: string): void {
    const handler = this.#options.onUserError;
    if (handler) handler(err, context);
    // deno-lint-ignore no-console
    else console.error(`wampkit: error in ${context}:`, err);
  }

  // ------------------------------------------------------------------- end

  #end(info: LeaveInfo): void {
    if (this.#state === "closed") return;
    const wasEstablishing = this.#state === "establishing";
    this.#state = "closed";
    this.#clock.clearTimeout(this.#leaveTimer);
    const error = new SessionClosedError(
      info.reason,
      info.message ?? `Session ended: ${info.reason}`,
    );
    this.#requests.rejectAll(error);
    this.#callee.abortInvocations(error);
    this.#subscriber.close(info.reason);
    this.#callee.close(info.reason);
    if (wasEstablishing && this.#joinPromise) {
      const join = this.#joinPromise;
      this.#joinPromise = undefined;
      join.reject(
        info.kind === "abort"
          ? new WampError(info.reason, info.message ? [info.message] : [])
          : error,
      );
    }
    const leave = this.#leavePromise;
    this.#leavePromise = undefined;
    leave?.resolve();
    try {
      this.onleave?.(info);
    } catch (err) {
      this.#userError(err, "onleave");
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
