/**
 * The router's side of one client session: handshake, validation of every
 * message the client sends, and delivery of messages to it.
 *
 * @module
 */

import { hasFeature, rolesOf } from "../protocol/features.ts";
import { randomId } from "../protocol/ids.ts";
import { MessageType as M, messageTypeName } from "../protocol/message_type.ts";
import type { Dict, Message } from "../protocol/messages.ts";
import { parse, toWire } from "../protocol/parse.ts";
import { ProtocolError } from "../protocol/protocol_error.ts";
import { isValidUri } from "../protocol/uri.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import type { Serializer } from "../serializers/serializer.ts";
import type { Frame, Transport } from "../transports/transport.ts";
import { type Clock, MAX_TIMER_DELAY } from "../transports/clock.ts";
import type { Authenticator, AuthStart, Identity } from "./authenticator.ts";
import type { SessionIdentity } from "./authorizer.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** What a router session needs of the realm it joins. */
export interface SessionRealm {
  /** The realm URI. */
  readonly name: string;
  /** The roles dict announced in WELCOME. */
  readonly routerRoles: Dict;
  /** A session joined. */
  join(session: RouterSession): void;
  /** A session left. */
  leave(session: RouterSession): void;
  /**
   * Handles a message of an established session (not GOODBYE/ABORT); a
   * promise while its authorization is pending.
   */
  handle(session: RouterSession, msg: Message): void | Promise<void>;
}

/** What a router session needs from its router. */
export interface SessionHost {
  /** Strict checking of sequential request ids. */
  readonly strictRequestIds: boolean;
  /** Milliseconds from accept to WELCOME. */
  readonly helloTimeout: number;
  /** Bytes that may wait to be sent to one session. */
  readonly maxOutboundBytes: number;
  /** Timers. */
  readonly clock: Clock;
  /** Authenticates HELLOs. */
  readonly authenticator: Authenticator;
  /** Finds (or creates) a realm for a HELLO; a string says why not. */
  realmFor(name: string): SessionRealm | string;
  /** Takes a place for a joining session; false when full. */
  admit(): boolean;
  /** A session ended (`joined`: it held a place). */
  released(session: RouterSession, joined: boolean): void;
  /** Join and leave events for logging. */
  log(event: string, session: RouterSession, detail?: string): void;
}

// hello: waiting for HELLO; auth: an authentication step is running (no
// message may arrive); challenged: waiting for AUTHENTICATE.
type State = "hello" | "auth" | "challenged" | "established" | "closed";

/** Messages that may wait behind a pending authorization decision. */
const MAX_BACKLOG = 1000;

const REQUESTS: ReadonlySet<number> = new Set([
  M.SUBSCRIBE,
  M.UNSUBSCRIBE,
  M.PUBLISH,
  M.REGISTER,
  M.UNREGISTER,
  M.CALL,
]);

/**
 * One client session as the router sees it.
 */
export class RouterSession {
  /** The session id (global scope, random). */
  get id(): number {
    return this.#id;
  }
  #id: number = randomId();
  /** The joined realm, once established. */
  realm: SessionRealm | undefined;
  /** The authid granted. */
  authid = "";
  /** The authrole granted. */
  authrole = "anonymous";
  /** The authmethod used. */
  authmethod = "anonymous";
  /** Who verified the identity: `static` or `dynamic`. */
  authprovider = "static";
  /** WELCOME's authextra. */
  authextra: Dict | undefined;
  /** The client's announced roles. */
  roles: Dict = {};
  /** Resolves once the transport has closed. */
  readonly closed: Promise<void>;
  /** The router's own session, which authorization does not restrict. */
  readonly trusted: boolean;

  #transport: Transport;
  #serializer: Serializer;
  #host: SessionHost;
  #state: State = "hello";
  #lastRequest = 0;
  #helloTimer: unknown;
  #closedResolve: () => void;
  #verify: ((signature: string) => Promise<Identity | null>) | undefined;
  #backlog: Message[] | undefined;
  #admitted = false;

  /**
   * Starts serving a transport.
   *
   * @param transport The accepted transport.
   * @param serializer The serializer for its subprotocol.
   * @param host The router.
   * @param trusted The router's own session (dynamic authenticators and
   * authorizers): joins without authentication, may do anything.
   */
  constructor(
    transport: Transport,
    serializer: Serializer,
    host: SessionHost,
    trusted = false,
  ) {
    this.trusted = trusted;
    this.#transport = transport;
    this.#serializer = serializer;
    this.#host = host;
    this.#helloTimer = host.clock.setTimeout(() => {
      this.abort(
        ErrorUri.PROTOCOL_VIOLATION,
        `No HELLO within ${host.helloTimeout / 1000} s`,
      );
    }, Math.min(host.helloTimeout, MAX_TIMER_DELAY));
    const { promise, resolve } = withResolvers<void>();
    this.closed = promise;
    this.#closedResolve = resolve;
  }

  /** Starts receiving from the transport (the router holds the session). */
  start(): void {
    this.#transport.listen({
      message: (frame) => this.#receive(frame),
      close: () => {
        this.#release();
        this.#closedResolve();
      },
    });
  }

  /** The serializer of this session. */
  get serializer(): Serializer {
    return this.#serializer;
  }

  /** The transport this session is served over. */
  get transport(): Transport {
    return this.#transport;
  }

  /** Transport details for the session meta API. */
  get transportInfo(): Dict {
    const info = this.#transport.info;
    return { type: info.type, protocol: info.protocol };
  }

  /** Whether the session is established. */
  get isOpen(): boolean {
    return this.#state === "established";
  }

  /**
   * Makes the session established in a realm without a handshake: a
   * session restored from a snapshot (`snapshot.ts`), whose client joined
   * the router this one replaces. It holds a place the caller took with
   * `admit()`; its next request id is taken as given, and strict checking
   * goes on from there.
   *
   * @param realm The realm it had joined.
   * @param id Its session id there.
   */
  resume(realm: SessionRealm, id: number): void {
    this.#host.clock.clearTimeout(this.#helloTimer);
    this.#id = id;
    this.realm = realm;
    this.#admitted = true;
    this.#lastRequest = -1;
    this.#state = "established";
  }

  /** The verified identity, for authorization callbacks. */
  get identity(): SessionIdentity {
    return {
      session: this.id,
      realm: this.realm?.name ?? "",
      authid: this.authid,
      authrole: this.authrole,
      authmethod: this.authmethod,
      authprovider: this.authprovider,
      ...(this.authextra ? { authextra: this.authextra } : {}),
    };
  }

  /**
   * Whether the client announced a feature for a role.
   *
   * @param role The client role.
   * @param feature The feature.
   * @returns Whether announced.
   */
  has(role: string, feature: string): boolean {
    return hasFeature(this.roles, role, feature);
  }

  /**
   * Sends a message; false when it could not be encoded (too large, or a
   * value this session's serializer cannot carry).
   *
   * @param message The message.
   * @returns Whether it was sent.
   */
  send(message: Message): boolean {
    if (this.#state === "closed") return false;
    let frame: Frame;
    try {
      frame = this.#serializer.serialize(toWire(message));
    } catch {
      return false;
    }
    return this.sendFrame(frame);
  }

  /**
   * Answers a request with ERROR.
   *
   * @param requestType The request's message type.
   * @param requestId The request id.
   * @param uri The error URI.
   * @param message A message, sent as the single positional argument.
   * @returns Whether it was sent.
   */
  error(
    requestType: number,
    requestId: number,
    uri: string,
    message?: string,
  ): boolean {
    return this.send({
      type: M.ERROR,
      requestType,
      requestId,
      details: {},
      error: uri,
      args: message === undefined ? undefined : [message],
    });
  }

  /**
   * Sends an already encoded frame (fan-out encodes once per serializer).
   * A frame the transport refuses (over a RawSocket client's announced
   * limit) is not sent, and the session carries on.
   *
   * @param frame The frame.
   * @returns Whether it was sent.
   */
  sendFrame(frame: Frame): boolean {
    if (this.#state === "closed") return false;
    const transport = this.#transport;
    try {
      transport.send(frame);
    } catch {
      return false;
    }
    const queued = transport.bufferedAmount;
    if (queued !== undefined && queued > this.#host.maxOutboundBytes) {
      this.#slowConsumer(queued);
    }
    return true;
  }

  // The client reads slower than it is sent to: stop sending now, and end
  // the session once the current delivery (a fan-out, say) is done.
  #slowConsumer(queued: number): void {
    const wasOpen = this.#state === "established";
    this.#state = "closed";
    const limit = this.#host.maxOutboundBytes;
    queueMicrotask(() => {
      this.#host.log(
        "abort",
        this,
        `slow consumer: ${queued} bytes waiting to be sent, over the limit of ${limit}`,
      );
      this.#state = wasOpen ? "established" : "hello";
      this.#release();
      this.#transport.close(
        1008,
        `Slow consumer: more than ${limit} bytes waiting to be sent`,
      );
    });
  }

  /**
   * Ends the session with GOODBYE (router shutdown, kill).
   *
   * @param reason The GOODBYE reason.
   * @param message A message for the client.
   */
  goodbye(reason: string, message?: string): void {
    if (this.#state === "closed") return;
    this.send({
      type: M.GOODBYE,
      details: message === undefined ? {} : { message },
      reason,
    });
    this.#release();
    this.#transport.close(1000, "goodbye");
  }

  /**
   * Ends the session with ABORT.
   *
   * @param reason The ABORT reason.
   * @param message What went wrong.
   */
  abort(reason: string, message: string): void {
    if (this.#state === "closed") return;
    this.send({ type: M.ABORT, details: { message }, reason });
    this.#host.log("abort", this, `${reason}: ${message}`);
    this.#release();
    this.#transport.close(1000, "abort");
  }

  #receive(frame: Frame): void {
    if (this.#state === "closed") return;
    let message: Message;
    try {
      message = parse(this.#serializer.deserialize(frame));
    } catch (err) {
      this.abort(ErrorUri.PROTOCOL_VIOLATION, (err as Error).message);
      return;
    }
    try {
      if (this.#state === "hello") this.#handshake(message);
      else if (this.#state === "challenged") this.#authenticate(message);
      else if (this.#state === "auth") {
        throw new ProtocolError(
          `${messageTypeName(message.type)} received during authentication`,
        );
      } else if (this.#backlog !== undefined) this.#queue(message);
      else this.#established(message);
    } catch (err) {
      this.#failed(message, err);
    }
  }

  #failed(message: Message, err: unknown): void {
    if (err instanceof ProtocolError) {
      this.abort(ErrorUri.PROTOCOL_VIOLATION, err.message);
    } else {
      this.abort(
        ErrorUri.PROTOCOL_VIOLATION,
        `Router failed on ${messageTypeName(message.type)}: ${
          (err as Error).message
        }`,
      );
    }
  }

  #handshake(msg: Message): void {
    if (msg.type !== M.HELLO) {
      throw new ProtocolError(
        `${messageTypeName(msg.type)} received before HELLO`,
      );
    }
    if (!isValidUri(msg.realm)) {
      this.abort(ErrorUri.INVALID_URI, `Invalid realm URI ${msg.realm}`);
      return;
    }
    const roles = msg.details.roles as Dict;
    const known = Object.keys(rolesOf(roles)).filter((r) =>
      r === "caller" || r === "callee" || r === "publisher" ||
      r === "subscriber"
    );
    if (known.length === 0) {
      throw new ProtocolError(
        "HELLO: Details.roles must hold at least one of caller, callee, publisher, subscriber",
      );
    }
    // A session takes its place among maxSessions at WELCOME: until then
    // it is a pending handshake (bounded by maxPendingHandshakes).
    const realm = this.#host.realmFor(msg.realm);
    if (typeof realm === "string") {
      this.abort(ErrorUri.NO_SUCH_REALM, realm);
      return;
    }
    this.roles = roles;
    this.realm = realm;
    this.#state = "auth";
    if (this.trusted) {
      return this.#welcome({
        authid: "router",
        authrole: "trusted",
        authmethod: "trusted",
        authprovider: "router",
      });
    }
    let start;
    try {
      start = this.#host.authenticator.start({
        realm: realm.name,
        details: msg.details,
        session: this.id,
        transport: this.transportInfo,
      });
    } catch {
      return this.#denied();
    }
    if (start instanceof Promise) {
      start.then((s) => this.#started(s), () => this.#denied());
    } else this.#started(start);
  }

  #started(start: AuthStart): void {
    if (this.#state !== "auth") return;
    switch (start.kind) {
      case "welcome":
        return this.#welcome(start.identity);
      case "abort":
        this.abort(start.reason, start.message);
        return;
      default:
        this.#verify = start.verify;
        this.#state = "challenged";
        this.send({
          type: M.CHALLENGE,
          authMethod: start.method,
          extra: start.extra,
        });
    }
  }

  // One AUTHENTICATE per connection: the challenge is spent whatever the
  // answer, and anything else is a protocol violation.
  #authenticate(msg: Message): void {
    if (msg.type !== M.AUTHENTICATE) {
      if (msg.type === M.ABORT) {
        this.#release();
        this.#transport.close(1000, "abort");
        return;
      }
      throw new ProtocolError(
        `${messageTypeName(msg.type)} received while waiting for AUTHENTICATE`,
      );
    }
    const verify = this.#verify!;
    this.#verify = undefined;
    this.#state = "auth";
    verify(msg.signature).then((identity) => {
      if (this.#state !== "auth") return;
      if (identity === null) this.#denied();
      else this.#welcome(identity);
    }, () => this.#denied());
  }

  #denied(): void {
    if (this.#state === "closed") return;
    this.abort(ErrorUri.NOT_AUTHORIZED, "Authentication failed");
  }

  #welcome(identity: Identity): void {
    // The realm again: an auto-created one may have gone (its last session
    // left) while this one authenticated.
    const realm = this.#host.realmFor(this.realm!.name);
    if (typeof realm === "string") {
      this.abort(ErrorUri.NO_SUCH_REALM, realm);
      return;
    }
    this.realm = realm;
    if (!this.#host.admit()) {
      this.abort(
        ErrorUri.UNAVAILABLE,
        "The router has reached its maximum number of sessions",
      );
      return;
    }
    this.#admitted = true;
    this.#host.clock.clearTimeout(this.#helloTimer);
    this.authid = identity.authid;
    this.authrole = identity.authrole;
    this.authmethod = identity.authmethod;
    this.authprovider = identity.authprovider;
    this.authextra = identity.authextra;
    this.#state = "established";
    const details: Dict = {
      realm: realm.name,
      authid: this.authid,
      authrole: this.authrole,
      authmethod: this.authmethod,
      authprovider: this.authprovider,
      roles: realm.routerRoles,
      agent: "wampkit-router-0.1.0",
    };
    if (identity.authextra) details.authextra = identity.authextra;
    this.send({ type: M.WELCOME, session: this.id, details });
    realm.join(this);
    this.#host.log("join", this);
  }

  #established(msg: Message): void {
    const realm = this.realm!;
    if (REQUESTS.has(msg.type)) {
      const id = (msg as { requestId: number }).requestId;
      if (this.#host.strictRequestIds && this.#lastRequest >= 0) {
        const expected = this.#lastRequest >= 2 ** 53
          ? 1
          : this.#lastRequest + 1;
        if (id !== expected) {
          throw new ProtocolError(
            `${
              messageTypeName(msg.type)
            }: Request must be the next session-scope ID ${expected}, got ${id}`,
          );
        }
      }
      this.#lastRequest = id;
    }
    switch (msg.type) {
      case M.GOODBYE:
        this.send({
          type: M.GOODBYE,
          details: {},
          reason: ErrorUri.GOODBYE_AND_OUT,
        });
        this.#release();
        this.#transport.close(1000, "goodbye");
        return;
      case M.ABORT:
        this.#release();
        this.#transport.close(1000, "abort");
        return;
      default: {
        const pending = realm.handle(this, msg);
        if (pending !== undefined) this.#wait(pending, msg);
      }
    }
  }

  // An authorization decision is pending: later messages wait behind it,
  // so a session's messages are handled in the order it sent them.
  #wait(pending: Promise<void>, msg: Message): void {
    this.#backlog ??= [];
    pending.then(() => this.#drain(), (err) => this.#failed(msg, err));
  }

  #queue(msg: Message): void {
    const backlog = this.#backlog!;
    if (backlog.length >= MAX_BACKLOG) {
      throw new ProtocolError(
        `More than ${MAX_BACKLOG} messages wait for an authorization decision`,
      );
    }
    backlog.push(msg);
  }

  #drain(): void {
    const backlog = this.#backlog ?? [];
    this.#backlog = undefined;
    while (backlog.length > 0 && this.#state === "established") {
      const msg = backlog.shift()!;
      try {
        this.#established(msg);
      } catch (err) {
        this.#failed(msg, err);
        return;
      }
      const waiting = this.#backlog as Message[] | undefined;
      if (waiting !== undefined) {
        // Waiting again: the rest goes back in line, in order.
        waiting.push(...backlog);
        return;
      }
    }
  }

  #release(): void {
    if (this.#state === "closed") return;
    this.#host.clock.clearTimeout(this.#helloTimer);
    const wasOpen = this.#state === "established";
    this.#state = "closed";
    if (wasOpen) {
      this.realm?.leave(this);
      this.#host.log("leave", this);
    }
    this.#host.released(this, this.#admitted);
  }
}
