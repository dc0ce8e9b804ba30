/**
 * The client session: the WAMP session state machine, request tracking,
 * RPC and Pub/Sub over one transport.
 *
 * @module
 */

import { hasFeature, rolesOf } from "../protocol/features.ts";
import { announceRoles } from "../protocol/features.ts";
import { IdGenerator } from "../protocol/ids.ts";
import { MessageType as M, messageTypeName } from "../protocol/message_type.ts";
import type {
  Dict,
  ErrorMessage,
  EventMessage,
  InvocationMessage,
  Message,
  ResultMessage,
} from "../protocol/messages.ts";
import { parse, toWire } from "../protocol/parse.ts";
import { ProtocolError } from "../protocol/protocol_error.ts";
import { isValidUri } from "../protocol/uri.ts";
import { ErrorUri, WampError } from "../protocol/wamp_error.ts";
import type { Serializer } from "../serializers/serializer.ts";
import type { CloseInfo, Frame, Transport } from "../transports/transport.ts";
import { CallPromise, type CancelMode } from "./call_promise.ts";
import { Publication, Result, unwrapResult } from "./result.ts";
import { SessionClosedError } from "./session_closed_error.ts";
import { Registration, Subscription } from "./subscription.ts";
import type {
  CallOptions,
  Endpoint,
  EventDetails,
  EventHandler,
  InvocationDetails,
  PublishOptions,
  RegisterOptions,
  SubscribeOptions,
} from "./types.ts";

/** The agent string sent in HELLO. */
export const AGENT = "wampkit-0.1.0";

/** The roles and features this client announces. */
export const CLIENT_ROLES: Readonly<Record<string, readonly string[]>> = {
  caller: [
    "caller_identification",
    "progressive_call_results",
    "call_canceling",
    "call_timeout",
  ],
  callee: [
    "caller_identification",
    "pattern_based_registration",
    "shared_registration",
    "progressive_call_results",
    "call_canceling",
    "call_timeout",
    "registration_revocation",
  ],
  publisher: [
    "publisher_identification",
    "subscriber_blackwhite_listing",
    "publisher_exclusion",
  ],
  subscriber: [
    "publisher_identification",
    "pattern_based_subscription",
    "subscription_revocation",
  ],
};

const ROUTER_ROLE: Record<string, string> = {
  caller: "dealer",
  callee: "dealer",
  publisher: "broker",
  subscriber: "broker",
};

/** Why a session ended, as its `onleave` callback reports it. */
export interface LeaveInfo {
  /** The reason URI (`wamp.close.transport_lost` when the transport died). */
  reason: string;
  /** A human-readable message, if any. */
  message?: string;
  /** How it ended. */
  kind: "local" | "goodbye" | "abort" | "lost" | "violation";
}

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
  onchallenge?: (
    session: Session,
    method: string,
    extra: Dict,
  ) => string | Promise<string>;
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
}

type State = "new" | "establishing" | "established" | "closing" | "closed";

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  progress: (value: unknown, details: Dict) => void;
  receiveProgress: boolean;
  timeout: number;
  timer?: ReturnType<typeof setTimeout>;
  cleanup?: () => void;
}

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

interface PendingSubscribe extends Pending<Subscription> {
  topic: string;
  handler: EventHandler;
  options: SubscribeOptions;
}

interface PendingRegister extends Pending<Registration> {
  procedure: string;
  endpoint: Endpoint;
  options: RegisterOptions;
}

interface Invocation {
  controller: AbortController;
  done: boolean;
}

const MAX_ABANDONED = 10000;

/** The longest delay `setTimeout` honours; above it, timers fire at once. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * A message as JSON for the debug trace. Never throws: bigints print as
 * `"123n"`, bytes as `"<n bytes>"`, and anything else JSON cannot show as a
 * placeholder.
 */
function traceJson(value: unknown): string {
  try {
    return JSON.stringify(
      value,
      (_key, v: unknown) =>
        typeof v === "bigint"
          ? `${v}n`
          : v instanceof Uint8Array
          ? `<${v.length} bytes>`
          : v,
    );
  } catch (err) {
    return `<not printable: ${err instanceof Error ? err.message : err}>`;
  }
}

function envDebug(): boolean {
  try {
    const proc = (globalThis as {
      process?: { env?: Record<string, string | undefined> };
    }).process;
    return proc?.env?.WAMPKIT_DEBUG === "1";
  } catch {
    return false;
  }
}

function withoutUndefined(dict: Dict): Dict {
  const out: Dict = {};
  for (const key in dict) if (dict[key] !== undefined) out[key] = dict[key];
  return out;
}

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
 * ```ts ignore
 * const session = new Session(transport, new JsonSerializer(), { realm: "realm1" });
 * await session.join();
 * const sum = await session.call("com.example.add2", [2, 3]);
 * await session.leave();
 * ```
 */
export class Session {
  /** Called once when the session has ended, with why. */
  onleave: ((info: LeaveInfo) => void) | undefined;

  #transport: Transport;
  #serializer: Serializer;
  #options: SessionOptions;
  #state: State = "new";
  #id: number | undefined;
  #welcome: Dict = {};
  #routerRoles: Dict = {};
  #requestIds = new IdGenerator();
  #debug: boolean;
  #trace: (line: string) => void;
  #prefixes = new Map<string, string>();
  #joinPromise: Pending<Dict> | undefined;
  #leavePromise: Pending<void> | undefined;
  #leaveTimer: ReturnType<typeof setTimeout> | undefined;

  #calls = new Map<number, PendingCall>();
  #abandoned = new Set<number>();
  #subscribing = new Map<number, PendingSubscribe>();
  #unsubscribing = new Map<number, Pending<boolean> & { id: number }>();
  #publishing = new Map<number, Pending<Publication>>();
  #registering = new Map<number, PendingRegister>();
  #unregistering = new Map<number, Pending<boolean> & { id: number }>();
  #subscriptions = new Map<number, Subscription[]>();
  #registrations = new Map<number, Registration>();
  #invocations = new Map<number, Invocation>();

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
    this.#debug = options.debug ?? envDebug();
    // deno-lint-ignore no-console
    this.#trace = options.trace ?? ((line) => console.debug(line));
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

  /** The WELCOME details. */
  get details(): Dict {
    return this.#welcome;
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
    const router = rolesOf(this.#routerRoles);
    const out: Record<string, Record<string, boolean>> = {};
    for (const [role, features] of Object.entries(CLIENT_ROLES)) {
      const theirs = new Set(router[ROUTER_ROLE[role]!] ?? []);
      const both: Record<string, boolean> = {};
      for (const f of features) if (theirs.has(f)) both[f] = true;
      out[role] = both;
    }
    return out;
  }

  /** Active subscriptions, grouped per router subscription. */
  get subscriptions(): Subscription[][] {
    return [...this.#subscriptions.values()].map((list) => [...list]);
  }

  /** Active registrations. */
  get registrations(): Registration[] {
    return [...this.#registrations.values()];
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
    this.#state = "establishing";
    // Hold the join promise before listening: a transport that closed
    // already delivers its close inside listen(), and that must reject it.
    const { promise, resolve, reject } = Promise.withResolvers<Dict>();
    this.#joinPromise = { resolve, reject };
    this.#transport.listen({
      message: (frame) => this.#receive(frame),
      close: (info) => this.#transportClosed(info),
    });
    if (this.#state !== "establishing") return promise;
    const details: Dict = {
      roles: announceRoles(CLIENT_ROLES),
      agent: AGENT,
    };
    const o = this.#options;
    if (o.authmethods) details.authmethods = o.authmethods;
    if (o.authid !== undefined) details.authid = o.authid;
    if (o.authrole !== undefined) details.authrole = o.authrole;
    if (o.authextra) details.authextra = o.authextra;
    try {
      this.#send({ type: M.HELLO, realm: o.realm, details });
    } catch (err) {
      this.#joinPromise = undefined;
      reject(err);
      void this.leave(ErrorUri.INVALID_ARGUMENT, (err as Error).message);
    }
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
    this.#state = "closing";
    const details: Dict = message === undefined ? {} : { message };
    this.#send({ type: M.GOODBYE, details, reason });
    return new Promise((resolve) => {
      this.#leavePromise = { resolve, reject: () => resolve() };
      this.#leaveTimer = setTimeout(() => {
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

  // ---------------------------------------------------------------- sending

  #send(message: Message): boolean {
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
    if (this.#debug) this.#traceMessage("→", frame, message);
    this.#transport.send(frame);
    return true;
  }

  /** Traces a message; the trace never throws and never changes behaviour. */
  #traceMessage(arrow: "→" | "←", frame: Frame, message: Message): void {
    this.#traceLine(() =>
      `${arrow} ${
        typeof frame === "string"
          ? frame
          : `${frame.length} bytes ${traceJson(toWire(message))}`
      }`
    );
  }

  #traceLine(line: () => string): void {
    try {
      this.#trace(`[wampkit] ${line()}`);
    } catch {
      // A failing trace (or trace sink) must not affect the session.
    }
  }

  /**
   * Sends a request with the next request id. The id is used up only once
   * the message has been encoded, so a request that cannot be encoded
   * leaves no gap in the sequence a strict router checks.
   */
  #request(make: (requestId: number) => Message): number {
    const id = this.#requestIds.peek();
    this.#send(make(id));
    this.#requestIds.next();
    return id;
  }

  /** Sends a request and hands its resolvers to `track` once it is sent. */
  #ask<T>(
    make: (requestId: number) => Message,
    track: (requestId: number, pending: Pending<T>) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      let id: number;
      try {
        id = this.#request(make);
      } catch (err) {
        reject(err);
        return;
      }
      track(id, { resolve, reject });
    });
  }

  #closedError(): SessionClosedError {
    return new SessionClosedError(
      "wamp.error.session_not_open",
      "Session is not open",
    );
  }

  /**
   * The full URI a request is for; throws SessionClosedError when the
   * session is not open and WampError `wamp.error.invalid_uri` for a bad URI.
   */
  #target(uri: string, what: "procedure" | "topic", match?: unknown): string {
    if (this.#state !== "established") throw this.#closedError();
    const full = this.resolve(uri);
    const pattern = match === "prefix" || match === "wildcard";
    if (!isValidUri(full, { allowEmpty: pattern })) {
      throw new WampError(ErrorUri.INVALID_URI, [`Invalid ${what} URI ${uri}`]);
    }
    return full;
  }

  // -------------------------------------------------------------------- RPC

  /**
   * Calls a procedure.
   *
   * The promise resolves to the single result value, to `undefined` for an
   * empty result, or to a {@linkcode Result} when there are several values
   * or keyword values; it rejects with {@linkcode WampError}.
   *
   * @param procedure The procedure URI or CURIE.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments.
   * @param options Call options, `signal`, `onProgress` and `timeout`.
   * @returns A {@linkcode CallPromise}.
   */
  call(
    procedure: string,
    args?: unknown[],
    kwargs?: Dict,
    options: CallOptions = {},
  ): CallPromise<unknown> {
    let id = 0;
    const control = CallPromise.create<unknown>((mode) =>
      this.#cancelCall(id, mode, "wamp.error.canceled", "Call canceled")
    );
    let uri: string;
    try {
      uri = this.#target(procedure, "procedure");
    } catch (err) {
      control.reject(err);
      return control.promise;
    }
    const {
      signal,
      onProgress,
      cancelMode,
      receive_progress,
      timeout,
      ...rest
    } = options;
    if (signal?.aborted) {
      control.reject(new WampError(ErrorUri.CANCELED, ["Call canceled"]));
      return control.promise;
    }
    const wantProgress = receive_progress === true || onProgress !== undefined;
    const wire: Dict = withoutUndefined(rest);
    if (wantProgress) wire.receive_progress = true;
    if (typeof timeout === "number" && timeout > 0) wire.timeout = timeout;
    if (onProgress) control.promise.onProgress(onProgress);
    try {
      id = this.#request((requestId) => ({
        type: M.CALL,
        requestId,
        options: wire,
        procedure: uri,
        args,
        kwargs,
      }));
    } catch (err) {
      control.reject(err);
      return control.promise;
    }
    const pending: PendingCall = {
      resolve: control.resolve,
      reject: control.reject,
      progress: control.progress,
      receiveProgress: wantProgress,
      timeout: typeof timeout === "number" ? timeout : 0,
    };
    this.#calls.set(id, pending);
    if (pending.timeout > 0) this.#armTimeout(id, pending);
    if (signal) {
      const onAbort = () =>
        this.#cancelCall(
          id,
          cancelMode ?? "kill",
          ErrorUri.CANCELED,
          "Call canceled",
        );
      signal.addEventListener("abort", onAbort, { once: true });
      pending.cleanup = () => signal.removeEventListener("abort", onAbort);
    }
    return control.promise;
  }

  #armTimeout(id: number, pending: PendingCall): void {
    clearTimeout(pending.timer);
    // setTimeout fires at once for delays above MAX_TIMER_DELAY: wait in steps.
    const wait = (left: number) => {
      pending.timer = setTimeout(() => {
        if (left > MAX_TIMER_DELAY) return wait(left - MAX_TIMER_DELAY);
        this.#cancelCall(
          id,
          "killnowait",
          ErrorUri.TIMEOUT,
          `Call timed out after ${pending.timeout} ms`,
        );
      }, Math.min(left, MAX_TIMER_DELAY));
    };
    wait(pending.timeout);
  }

  #cancelCall(id: number, mode: CancelMode, uri: string, text: string): void {
    const pending = this.#calls.get(id);
    if (pending === undefined) return;
    this.#calls.delete(id);
    this.#settleCall(pending);
    this.#abandon(id);
    if (
      this.#state === "established" &&
      hasFeature(this.#routerRoles, "dealer", "call_canceling")
    ) {
      this.#send({ type: M.CANCEL, requestId: id, options: { mode } });
    }
    pending.reject(new WampError(uri, [text]));
  }

  #settleCall(pending: PendingCall): void {
    clearTimeout(pending.timer);
    pending.cleanup?.();
  }

  #abandon(id: number): void {
    if (this.#abandoned.size >= MAX_ABANDONED) {
      const oldest = this.#abandoned.values().next().value;
      if (oldest !== undefined) this.#abandoned.delete(oldest);
    }
    this.#abandoned.add(id);
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
    let uri: string;
    try {
      uri = this.#target(procedure, "procedure", options.match);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#ask<Registration>(
      (requestId) => ({
        type: M.REGISTER,
        requestId,
        options: withoutUndefined(options),
        procedure: uri,
      }),
      (id, pending) =>
        this.#registering.set(id, {
          ...pending,
          procedure: uri,
          endpoint,
          options,
        }),
    );
  }

  /**
   * Unregisters a procedure.
   *
   * @param registration What `register` returned.
   * @returns True once unregistered.
   */
  unregister(registration: Registration): Promise<boolean> {
    if (!registration.active) {
      return Promise.reject(
        new WampError(ErrorUri.NO_SUCH_REGISTRATION, [
          "Registration is not active",
        ]),
      );
    }
    if (this.#state !== "established") {
      return Promise.reject(this.#closedError());
    }
    return this.#ask<boolean>(
      (requestId) => ({
        type: M.UNREGISTER,
        requestId,
        registration: registration.id,
      }),
      (id, pending) =>
        this.#unregistering.set(id, { ...pending, id: registration.id }),
    );
  }

  // ----------------------------------------------------------------- PubSub

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
    const ack = options.acknowledge === true;
    let uri: string;
    try {
      uri = this.#target(topic, "topic");
    } catch (err) {
      if (ack) return Promise.reject(err);
      throw err;
    }
    const make = (requestId: number): Message => ({
      type: M.PUBLISH,
      requestId,
      options: withoutUndefined(options),
      topic: uri,
      args,
      kwargs,
    });
    if (!ack) {
      this.#request(make);
      return undefined;
    }
    return this.#ask<Publication>(
      make,
      (id, pending) => this.#publishing.set(id, pending),
    );
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
    let uri: string;
    try {
      uri = this.#target(topic, "topic", options.match);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#ask<Subscription>(
      (requestId) => ({
        type: M.SUBSCRIBE,
        requestId,
        options: withoutUndefined(options),
        topic: uri,
      }),
      (id, pending) =>
        this.#subscribing.set(id, { ...pending, topic: uri, handler, options }),
    );
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
    const list = this.#subscriptions.get(subscription.id);
    const index = list?.indexOf(subscription) ?? -1;
    if (!subscription.active || list === undefined || index < 0) {
      return Promise.reject(
        new WampError(ErrorUri.NO_SUCH_SUBSCRIPTION, [
          "Subscription is not active",
        ]),
      );
    }
    if (this.#state !== "established") {
      return Promise.reject(this.#closedError());
    }
    list.splice(index, 1);
    if (list.length > 0) {
      subscription.end("wamp.close.normal");
      return Promise.resolve(false);
    }
    return this.#ask<boolean>(
      (requestId) => ({
        type: M.UNSUBSCRIBE,
        requestId,
        subscription: subscription.id,
      }),
      (id, pending) => {
        this.#unsubscribing.set(id, { ...pending, id: subscription.id });
        this.#subscriptions.delete(subscription.id);
        subscription.end("wamp.close.normal");
      },
    );
  }

  // -------------------------------------------------------------- receiving

  #receive(frame: Frame): void {
    if (this.#state === "closed") return;
    let message: Message;
    try {
      message = parse(this.#serializer.deserialize(frame));
    } catch (err) {
      if (this.#debug) this.#traceLine(() => `← bad frame: ${err}`);
      this.#violation((err as Error).message);
      return;
    }
    if (this.#debug) this.#traceMessage("←", frame, message);
    try {
      this.#dispatch(message);
    } catch (err) {
      if (err instanceof ProtocolError) this.#violation(err.message);
      else this.#userError(err, `handling ${messageTypeName(message.type)}`);
    }
  }

  #dispatch(msg: Message): void {
    const state = this.#state;
    if (state === "establishing") {
      switch (msg.type) {
        case M.WELCOME:
          return this.#welcomed(msg.session, msg.details);
        case M.ABORT:
          return this.#aborted(msg.reason, msg.details);
        case M.CHALLENGE:
          return this.#challenged(msg.authMethod, msg.extra);
        default:
          throw new ProtocolError(
            `${
              messageTypeName(msg.type)
            } received before the session was established`,
          );
      }
    }
    if (state === "closing") {
      // While shutting down only GOODBYE (the reply) and ABORT matter.
      if (msg.type === M.GOODBYE) return this.#goodbyeReply();
      if (msg.type === M.ABORT) return this.#aborted(msg.reason, msg.details);
      return;
    }
    switch (msg.type) {
      case M.RESULT:
        return this.#result(msg);
      case M.EVENT:
        return this.#event(msg);
      case M.INVOCATION:
        return this.#invocation(msg);
      case M.ERROR:
        return this.#error(msg);
      case M.SUBSCRIBED: {
        const p = this.#subscribing.get(msg.requestId);
        if (!p) return this.#unknown(msg.requestId, "SUBSCRIBED");
        this.#subscribing.delete(msg.requestId);
        const sub = new Subscription(
          this,
          msg.subscription,
          p.topic,
          p.handler,
          p.options,
        );
        const list = this.#subscriptions.get(msg.subscription);
        if (list) list.push(sub);
        else this.#subscriptions.set(msg.subscription, [sub]);
        return p.resolve(sub);
      }
      case M.UNSUBSCRIBED: {
        if (msg.requestId === 0) {
          const subId = msg.details?.subscription;
          const reason = String(msg.details?.reason ?? "wamp.close.revoked");
          const list = typeof subId === "number"
            ? this.#subscriptions.get(subId)
            : undefined;
          if (list) {
            this.#subscriptions.delete(subId as number);
            for (const sub of list) sub.end(reason);
          }
          return;
        }
        const p = this.#unsubscribing.get(msg.requestId);
        if (!p) return this.#unknown(msg.requestId, "UNSUBSCRIBED");
        this.#unsubscribing.delete(msg.requestId);
        return p.resolve(true);
      }
      case M.PUBLISHED: {
        const p = this.#publishing.get(msg.requestId);
        if (!p) return this.#unknown(msg.requestId, "PUBLISHED");
        this.#publishing.delete(msg.requestId);
        return p.resolve(new Publication(msg.publication));
      }
      case M.REGISTERED: {
        const p = this.#registering.get(msg.requestId);
        if (!p) return this.#unknown(msg.requestId, "REGISTERED");
        this.#registering.delete(msg.requestId);
        const reg = new Registration(
          this,
          msg.registration,
          p.procedure,
          p.endpoint,
          p.options,
        );
        this.#registrations.set(msg.registration, reg);
        return p.resolve(reg);
      }
      case M.UNREGISTERED: {
        if (msg.requestId === 0) {
          const regId = msg.details?.registration;
          const reg = typeof regId === "number"
            ? this.#registrations.get(regId)
            : undefined;
          if (reg) {
            this.#registrations.delete(reg.id);
            reg.end(String(msg.details?.reason ?? "wamp.close.revoked"));
          }
          return;
        }
        const p = this.#unregistering.get(msg.requestId);
        if (!p) return this.#unknown(msg.requestId, "UNREGISTERED");
        this.#unregistering.delete(msg.requestId);
        const reg = this.#registrations.get(p.id);
        if (reg) {
          this.#registrations.delete(p.id);
          reg.end("wamp.close.normal");
        }
        return p.resolve(true);
      }
      case M.INTERRUPT: {
        const inv = this.#invocations.get(msg.requestId);
        if (!inv || inv.done) return; // finished already: nothing to do
        inv.done = true;
        this.#invocations.delete(msg.requestId);
        const reason = new WampError(ErrorUri.CANCELED, ["Call canceled"], {}, {
          mode: msg.options.mode,
        });
        this.#send({
          type: M.ERROR,
          requestType: M.INVOCATION,
          requestId: msg.requestId,
          details: {},
          error: ErrorUri.CANCELED,
        });
        inv.controller.abort(reason);
        return;
      }
      case M.GOODBYE:
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
        return;
      case M.ABORT:
        return this.#aborted(msg.reason, msg.details);
      default:
        throw new ProtocolError(
          `${
            messageTypeName(msg.type)
          } is not a message a router sends to an established client session`,
        );
    }
  }

  #unknown(requestId: number, what: string): void {
    // Answers to requests this session does not know are dropped: routers
    // answer late after a local cancel or timeout, and some answer twice.
    if (this.#debug) {
      this.#traceLine(() => `dropped ${what} for request ${requestId}`);
    }
  }

  #welcomed(session: number, details: Dict): void {
    this.#id = session;
    this.#welcome = details;
    this.#routerRoles = (details.roles ?? {}) as Dict;
    this.#state = "established";
    const join = this.#joinPromise;
    this.#joinPromise = undefined;
    join?.resolve(details);
  }

  #challenged(method: string, extra: Dict): void {
    const handler = this.#options.onchallenge;
    const fail = (text: string) => {
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
    };
    if (!handler) {
      fail(`Received CHALLENGE for ${method} without an onchallenge handler`);
      return;
    }
    Promise.resolve()
      .then(() => handler(this, method, extra))
      .then((signature) => {
        if (this.#state !== "establishing") return;
        this.#send({ type: M.AUTHENTICATE, signature, extra: {} });
      }, (err) => {
        if (this.#state !== "establishing") return;
        fail(`onchallenge failed: ${err instanceof Error ? err.message : err}`);
      });
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

  #result(msg: ResultMessage): void {
    const pending = this.#calls.get(msg.requestId);
    const progress = msg.details.progress === true;
    if (pending === undefined) {
      if (!progress) this.#abandoned.delete(msg.requestId);
      return this.#unknown(msg.requestId, "RESULT");
    }
    const value = unwrapResult(msg.args, msg.kwargs);
    if (progress) {
      if (!pending.receiveProgress) return;
      if (pending.timeout > 0) this.#armTimeout(msg.requestId, pending);
      try {
        pending.progress(value, msg.details);
      } catch (err) {
        this.#userError(err, "progress handler");
      }
      return;
    }
    this.#calls.delete(msg.requestId);
    this.#settleCall(pending);
    pending.resolve(value);
  }

  #error(msg: ErrorMessage): void {
    const error = new WampError(
      msg.error,
      msg.args ?? [],
      msg.kwargs ?? {},
      msg.details,
    );
    const id = msg.requestId;
    switch (msg.requestType) {
      case M.CALL: {
        const pending = this.#calls.get(id);
        if (!pending) {
          this.#abandoned.delete(id);
          return this.#unknown(id, "ERROR for CALL");
        }
        this.#calls.delete(id);
        this.#settleCall(pending);
        return pending.reject(error);
      }
      case M.SUBSCRIBE:
        return this.#rejectFrom(this.#subscribing, id, error);
      case M.UNSUBSCRIBE:
        return this.#rejectFrom(this.#unsubscribing, id, error);
      case M.PUBLISH:
        return this.#rejectFrom(this.#publishing, id, error);
      case M.REGISTER:
        return this.#rejectFrom(this.#registering, id, error);
      case M.UNREGISTER:
        return this.#rejectFrom(this.#unregistering, id, error);
      default:
        throw new ProtocolError(
          `ERROR for ${
            messageTypeName(msg.requestType)
          } is not sent to clients`,
        );
    }
  }

  #rejectFrom(
    map: Map<number, { reject: (e: unknown) => void }>,
    id: number,
    error: WampError,
  ): void {
    const pending = map.get(id);
    if (!pending) return this.#unknown(id, "ERROR");
    map.delete(id);
    pending.reject(error);
  }

  #event(msg: EventMessage): void {
    const list = this.#subscriptions.get(msg.subscription);
    if (!list) return; // unsubscribed a moment ago
    const d = msg.details;
    const first = list[0]!;
    const details: EventDetails = {
      publication: msg.publication,
      topic: typeof d.topic === "string" ? d.topic : first.topic,
      details: d,
    };
    if (typeof d.publisher === "number") details.publisher = d.publisher;
    if (typeof d.publisher_authid === "string") {
      details.publisher_authid = d.publisher_authid;
    }
    if (typeof d.publisher_authrole === "string") {
      details.publisher_authrole = d.publisher_authrole;
    }
    if (d.retained === true) details.retained = true;
    const args = msg.args ?? (msg.payload ? [msg.payload] : []);
    const kwargs = msg.kwargs ?? {};
    for (const sub of [...list]) {
      try {
        sub.handler(args, kwargs, details);
      } catch (err) {
        this.#userError(err, `event handler for ${sub.topic}`);
      }
    }
  }

  #invocation(msg: InvocationMessage): void {
    const reg = this.#registrations.get(msg.registration);
    const id = msg.requestId;
    if (!reg) {
      this.#send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: ErrorUri.NO_SUCH_REGISTRATION,
      });
      return;
    }
    const d = msg.details;
    const controller = new AbortController();
    const inv: Invocation = { controller, done: false };
    this.#invocations.set(id, inv);
    const details: InvocationDetails = {
      procedure: typeof d.procedure === "string" ? d.procedure : reg.procedure,
      registration: reg.id,
      signal: controller.signal,
      details: d,
    };
    if (typeof d.caller === "number") details.caller = d.caller;
    if (typeof d.caller_authid === "string") {
      details.caller_authid = d.caller_authid;
    }
    if (typeof d.caller_authrole === "string") {
      details.caller_authrole = d.caller_authrole;
    }
    if (typeof d.timeout === "number") details.timeout = d.timeout;
    if (d.receive_progress === true) {
      details.progress = (args?: unknown[], kwargs?: Dict) => {
        if (inv.done || this.#state !== "established") return;
        this.#send({
          type: M.YIELD,
          requestId: id,
          options: { progress: true },
          args,
          kwargs,
        });
      };
    }
    const args = msg.args ?? (msg.payload ? [msg.payload] : []);
    let outcome: unknown;
    try {
      outcome = reg.endpoint(args, msg.kwargs ?? {}, details);
    } catch (err) {
      this.#invocationFailed(id, inv, err);
      return;
    }
    if (
      outcome instanceof Promise || (outcome !== null &&
        typeof (outcome as { then?: unknown })?.then === "function")
    ) {
      (outcome as PromiseLike<unknown>).then(
        (value) => this.#invocationDone(id, inv, value),
        (err) => this.#invocationFailed(id, inv, err),
      );
    } else {
      this.#invocationDone(id, inv, outcome);
    }
  }

  #invocationDone(id: number, inv: Invocation, value: unknown): void {
    if (inv.done) return;
    inv.done = true;
    this.#invocations.delete(id);
    if (this.#state !== "established") return;
    let args: unknown[] | undefined;
    let kwargs: Dict | undefined;
    if (value instanceof Result) {
      args = value.args;
      kwargs = value.kwargs;
    } else if (value !== undefined) {
      args = [value];
    }
    try {
      this.#send({ type: M.YIELD, requestId: id, options: {}, args, kwargs });
    } catch (err) {
      this.#send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: ErrorUri.INVALID_ARGUMENT,
        args: [(err as Error).message],
      });
    }
  }

  #invocationFailed(id: number, inv: Invocation, err: unknown): void {
    if (inv.done) return;
    inv.done = true;
    this.#invocations.delete(id);
    if (this.#state !== "established") return;
    let uri: string = ErrorUri.RUNTIME_ERROR;
    let args: unknown[];
    let kwargs: Dict | undefined;
    if (err instanceof WampError) {
      uri = err.uri;
      args = err.args;
      kwargs = err.kwargs;
    } else if (err instanceof Error) {
      args = [err.message];
      kwargs = { name: err.name };
    } else {
      args = [err === undefined ? "Error" : String(err)];
    }
    try {
      this.#send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: uri,
        args,
        kwargs,
      });
    } catch {
      this.#send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: uri,
      });
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
    clearTimeout(this.#leaveTimer);
    const error = new SessionClosedError(
      info.reason,
      info.message ?? `Session ended: ${info.reason}`,
    );
    for (const pending of this.#calls.values()) {
      this.#settleCall(pending);
      pending.reject(error);
    }
    this.#calls.clear();
    for (
      const map of [
        this.#subscribing,
        this.#unsubscribing,
        this.#publishing,
        this.#registering,
        this.#unregistering,
      ] as Map<number, Pending<never>>[]
    ) {
      for (const pending of map.values()) pending.reject(error);
      map.clear();
    }
    for (const inv of this.#invocations.values()) {
      inv.done = true;
      inv.controller.abort(error);
    }
    this.#invocations.clear();
    for (const list of this.#subscriptions.values()) {
      for (const sub of list) sub.end(info.reason);
    }
    this.#subscriptions.clear();
    for (const reg of this.#registrations.values()) reg.end(info.reason);
    this.#registrations.clear();
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
