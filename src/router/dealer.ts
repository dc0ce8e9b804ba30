/**
 * The dealer: registrations and call routing for one realm.
 *
 * @module
 */

import { IdGenerator, randomId } from "../protocol/ids.ts";
import { MessageType as M } from "../protocol/message_type.ts";
import type {
  CallMessage,
  CancelMessage,
  Dict,
  ErrorMessage,
  RegisterMessage,
  UnregisterMessage,
  YieldMessage,
} from "../protocol/messages.ts";
import { ProtocolError } from "../protocol/protocol_error.ts";
import { isValidUri, type MatchPolicy } from "../protocol/uri.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import { type MetaPublisher, PPT_KEYS } from "./broker.ts";
import {
  type Clock,
  MAX_TIMER_DELAY,
  systemClock,
} from "../transports/clock.ts";
import type { RouterSession } from "./router_session.ts";
import { UriIndex } from "./uri_index.ts";

/** Shared registration policies. */
export type InvokePolicy =
  | "single"
  | "roundrobin"
  | "random"
  | "first"
  | "last";

/** One registration: a procedure or pattern and its callees. */
export interface DealerRegistration {
  /** Registration id. */
  readonly id: number;
  /** Procedure or pattern. */
  readonly uri: string;
  /** Match policy. */
  readonly match: MatchPolicy;
  /** Shared registration policy. */
  readonly invoke: InvokePolicy;
  /** When it was created (ISO 8601). */
  readonly created: string;
  /** Callees in registration order. */
  readonly callees: RouterSession[];
  /** Next round-robin position. */
  next: number;
}

/** A procedure the router itself implements (the meta API). */
export type InternalProcedure = (
  caller: RouterSession,
  args: unknown[],
  kwargs: Dict,
) => unknown;

/**
 * A call the dealer is routing: held by the caller's session (by CALL id)
 * and by the callee's (by INVOCATION id) until it is answered.
 */
export interface PendingInvocation {
  /** The caller. */
  readonly caller: RouterSession;
  /** The caller's CALL request id. */
  readonly callId: number;
  /** The callee. */
  readonly callee: RouterSession;
  /** The INVOCATION request id. */
  readonly invocationId: number;
  /** Whether the caller asked for progressive results. */
  readonly receiveProgress: boolean;
  /** The call timeout in ms, 0 for none. */
  readonly timeout: number;
  /** The timeout timer. */
  timer?: unknown;
  /** The caller has its answer already; callee replies are dropped. */
  answered: boolean;
  /**
   * The caller canceled with mode `kill`: whatever the callee answers, the
   * caller gets `wamp.error.canceled`.
   */
  canceled?: boolean;
}

/**
 * Whether a registration could receive calls to a procedure under `wamp.`
 * (which only the router answers): exact URIs under `wamp.`, prefixes that
 * `wamp.` starts with or that start with it, wildcards whose first
 * component is `wamp` or empty.
 *
 * @param uri The procedure or pattern.
 * @param match The match policy.
 * @returns Whether it is reserved.
 */
export function reachesReserved(uri: string, match: MatchPolicy): boolean {
  if (match === "prefix") {
    return uri.startsWith("wamp.") || "wamp.".startsWith(uri);
  }
  if (match === "wildcard") {
    const dot = uri.indexOf(".");
    const first = dot < 0 ? uri : uri.slice(0, dot);
    return dot >= 0 && (first === "" || first === "wamp");
  }
  return uri.startsWith("wamp.");
}

// What the dealer keeps per session: the calls it made and the invocations
// it serves (pending), its INVOCATION ids, its registrations.
interface SessionCalls {
  readonly calls: Map<number, PendingInvocation>;
  readonly invocations: Map<number, PendingInvocation>;
  readonly ids: IdGenerator;
  readonly registrations: Set<DealerRegistration>;
}

/** Thrown by internal procedures to answer with an ERROR. */
export class InternalError extends Error {
  /** The error URI. */
  readonly uri: string;

  /**
   * Creates the error.
   *
   * @param uri The error URI.
   * @param message Its message.
   */
  constructor(uri: string, message: string) {
    super(message);
    this.name = "InternalError";
    this.uri = uri;
  }
}

/**
 * Routes calls: exact, prefix and wildcard registrations; shared
 * registrations; progressive results; cancel; timeouts.
 */
export class Dealer {
  #index = new UriIndex<DealerRegistration>();
  #byId = new Map<number, DealerRegistration>();
  #sessions = new Map<RouterSession, SessionCalls>();
  #internal = new Map<string, InternalProcedure>();
  #meta: MetaPublisher;
  #maxPendingCalls: number;
  #maxPerSession: number;
  #clock: Clock;

  /**
   * Creates a dealer.
   *
   * @param meta Publishes meta events.
   * @param maxPendingCalls Pending calls one caller may have.
   * @param maxPerSession Registrations one session may hold.
   * @param clock Timers for call timeouts.
   */
  constructor(
    meta: MetaPublisher,
    maxPendingCalls: number,
    maxPerSession = Infinity,
    clock: Clock = systemClock,
  ) {
    this.#meta = meta;
    this.#maxPendingCalls = maxPendingCalls;
    this.#maxPerSession = maxPerSession;
    this.#clock = clock;
  }

  #of(session: RouterSession, lastInvocation = 0): SessionCalls {
    let state = this.#sessions.get(session);
    if (state === undefined) {
      state = {
        calls: new Map(),
        invocations: new Map(),
        ids: new IdGenerator(lastInvocation),
        registrations: new Set(),
      };
      this.#sessions.set(session, state);
    }
    return state;
  }

  /**
   * The calls a session has pending.
   *
   * @param session The caller.
   * @returns How many.
   */
  pendingCallsOf(session: RouterSession): number {
    return this.#sessions.get(session)?.calls.size ?? 0;
  }

  /**
   * Adds a procedure the router answers itself.
   *
   * @param uri The procedure.
   * @param fn Its implementation.
   */
  define(uri: string, fn: InternalProcedure): void {
    this.#internal.set(uri, fn);
  }

  /** Every registration, for the meta API. */
  get all(): DealerRegistration[] {
    return [...this.#byId.values()];
  }

  /**
   * A registration by id.
   *
   * @param id The id.
   * @returns The registration, if any.
   */
  get(id: number): DealerRegistration | undefined {
    return this.#byId.get(id);
  }

  /**
   * The registration for a URI and policy.
   *
   * @param uri The procedure or pattern.
   * @param match The policy.
   * @returns The registration, if any.
   */
  lookup(uri: string, match: MatchPolicy): DealerRegistration | undefined {
    return this.#index.get(uri, match);
  }

  /**
   * The one registration a call to `procedure` goes to: exact, else the
   * longest prefix, else the wildcard whose literal components come first.
   *
   * @param procedure The concrete procedure.
   * @returns The registration, if any.
   */
  match(procedure: string): DealerRegistration | undefined {
    return this.#index.best(procedure);
  }

  /**
   * Handles REGISTER.
   *
   * @param session The callee.
   * @param msg The message.
   */
  register(session: RouterSession, msg: RegisterMessage): void {
    const match = (msg.options.match ?? "exact") as MatchPolicy;
    const invoke = (msg.options.invoke ?? "single") as InvokePolicy;
    const fail = (error: string, text: string): void => {
      session.error(M.REGISTER, msg.requestId, error, text);
    };
    if (!isValidUri(msg.procedure, { allowEmpty: match !== "exact" })) {
      return fail(
        ErrorUri.INVALID_URI,
        `Invalid procedure URI ${msg.procedure}`,
      );
    }
    if (reachesReserved(msg.procedure, match)) {
      return fail(
        ErrorUri.INVALID_URI,
        `Procedures under wamp. are reserved for the router (${msg.procedure}, match ${match})`,
      );
    }
    const held = this.#of(session).registrations;
    if (held.size >= this.#maxPerSession) {
      return fail(
        ErrorUri.UNAVAILABLE,
        `Too many registrations: this session holds ${held.size}, the limit`,
      );
    }
    const reg = this.#index.get(msg.procedure, match);
    if (reg !== undefined) {
      if (reg.callees.includes(session)) {
        return fail(
          ErrorUri.PROCEDURE_ALREADY_EXISTS,
          `This session registered ${msg.procedure} already`,
        );
      }
      if (reg.invoke === "single" && invoke === "single") {
        return fail(
          ErrorUri.PROCEDURE_ALREADY_EXISTS,
          `${msg.procedure} is registered already`,
        );
      }
      if (reg.invoke !== invoke) {
        return fail(
          ErrorUri.PROCEDURE_EXISTS_WITH_DIFFERENT_INVOCATION_POLICY,
          `${msg.procedure} is registered with invoke=${reg.invoke}`,
        );
      }
    }
    const attached = this.#attach(session, {
      id: randomId(),
      uri: msg.procedure,
      match,
      invoke,
      created: new Date().toISOString(),
    });
    session.send({
      type: M.REGISTERED,
      requestId: msg.requestId,
      registration: attached.id,
    });
    if (reg === undefined) {
      this.#meta("wamp.registration.on_create", [
        session.id,
        this.describe(attached),
      ]);
    }
    this.#meta("wamp.registration.on_register", [session.id, attached.id]);
  }

  /**
   * Handles UNREGISTER.
   *
   * @param session The callee.
   * @param msg The message.
   */
  unregister(session: RouterSession, msg: UnregisterMessage): void {
    const reg = this.#byId.get(msg.registration);
    if (reg === undefined || !reg.callees.includes(session)) {
      session.error(
        M.UNREGISTER,
        msg.requestId,
        ErrorUri.NO_SUCH_REGISTRATION,
        `No registration ${msg.registration} for this session`,
      );
      return;
    }
    this.#remove(session, reg);
    session.send({ type: M.UNREGISTERED, requestId: msg.requestId });
  }

  #remove(session: RouterSession, reg: DealerRegistration): void {
    const i = reg.callees.indexOf(session);
    if (i >= 0) reg.callees.splice(i, 1);
    this.#sessions.get(session)?.registrations.delete(reg);
    if (reg.next > i && reg.next > 0) reg.next--;
    this.#meta("wamp.registration.on_unregister", [session.id, reg.id]);
    if (reg.callees.length === 0) {
      this.#index.delete(reg.uri, reg.match);
      this.#byId.delete(reg.id);
      this.#meta("wamp.registration.on_delete", [session.id, reg.id]);
    }
  }

  #pick(reg: DealerRegistration): RouterSession {
    const callees = reg.callees;
    switch (reg.invoke) {
      case "roundrobin": {
        const callee = callees[reg.next % callees.length]!;
        reg.next = (reg.next + 1) % callees.length;
        return callee;
      }
      case "random":
        return callees[Math.floor(Math.random() * callees.length)]!;
      case "last":
        return callees[callees.length - 1]!;
      default:
        return callees[0]!;
    }
  }

  /**
   * Handles CALL.
   *
   * @param caller The caller.
   * @param msg The message.
   * @param disclose Disclose the caller even if it did not ask (its role's
   * permission says so).
   */
  call(caller: RouterSession, msg: CallMessage, disclose = false): void {
    const o = msg.options;
    if (o.progress === true) {
      if (!caller.has("caller", "progressive_call_invocations")) {
        throw new ProtocolError(
          "CALL: Options.progress used without announcing progressive_call_invocations",
        );
      }
      return void caller.error(
        M.CALL,
        msg.requestId,
        ErrorUri.FEATURE_NOT_SUPPORTED,
        "Progressive call invocations are not supported by this router",
      );
    }
    if (
      o.receive_progress === true &&
      !caller.has("caller", "progressive_call_results")
    ) {
      throw new ProtocolError(
        "CALL: Options.receive_progress used without announcing progressive_call_results",
      );
    }
    if (!isValidUri(msg.procedure)) {
      return void caller.error(
        M.CALL,
        msg.requestId,
        ErrorUri.INVALID_URI,
        `Invalid procedure URI ${msg.procedure}`,
      );
    }
    const internal = this.#internal.get(msg.procedure);
    if (internal) return this.#callInternal(caller, msg, internal);
    // Procedures under wamp. are the router's alone, never a callee's.
    // The router's own calls (dynamic authenticators and authorizers) go
    // to exact registrations only: a pattern never receives a ticket.
    const reg = msg.procedure.startsWith("wamp.")
      ? undefined
      : caller.trusted
      ? this.lookup(msg.procedure, "exact")
      : this.match(msg.procedure);
    if (reg === undefined) {
      return void caller.error(
        M.CALL,
        msg.requestId,
        ErrorUri.NO_SUCH_PROCEDURE,
        `No callee registered procedure ${msg.procedure}`,
      );
    }
    const calls = this.#of(caller).calls;
    if (calls.size >= this.#maxPendingCalls) {
      return void caller.error(
        M.CALL,
        msg.requestId,
        ErrorUri.UNAVAILABLE,
        `Too many pending calls: this session has ${calls.size}, the limit`,
      );
    }
    const callee = this.#pick(reg);
    const serving = this.#of(callee);
    const invocationId = serving.ids.next();
    const details: Dict = {};
    if (reg.match !== "exact") details.procedure = msg.procedure;
    if (disclose || o.disclose_me === true) {
      details.caller = caller.id;
      details.caller_authid = caller.authid;
      details.caller_authrole = caller.authrole;
    }
    // Progress goes to callees that said they can send it (others may not).
    const receiveProgress = o.receive_progress === true;
    if (receiveProgress && callee.has("callee", "progressive_call_results")) {
      details.receive_progress = true;
    }
    const timeout = typeof o.timeout === "number" ? o.timeout : 0;
    // The callee learns the caller's deadline (it may give up early too).
    if (timeout > 0) details.timeout = timeout;
    for (const k of PPT_KEYS) if (o[k] !== undefined) details[k] = o[k];
    const inv: PendingInvocation = {
      caller,
      callId: msg.requestId,
      callee,
      invocationId,
      receiveProgress,
      timeout,
      answered: false,
    };
    serving.invocations.set(invocationId, inv);
    calls.set(msg.requestId, inv);
    const sent = callee.send({
      type: M.INVOCATION,
      requestId: invocationId,
      registration: reg.id,
      details,
      args: msg.args,
      kwargs: msg.kwargs,
      payload: msg.payload,
    });
    if (!sent) {
      this.#finish(inv);
      return void caller.error(
        M.CALL,
        msg.requestId,
        ErrorUri.PAYLOAD_SIZE_EXCEEDED,
        "The call cannot be encoded for the callee",
      );
    }
    if (timeout > 0) this.#arm(inv);
  }

  #arm(inv: PendingInvocation): void {
    const clock = this.#clock;
    clock.clearTimeout(inv.timer);
    // Longer timeouts than setTimeout takes are clamped (about 24.8 days).
    inv.timer = clock.setTimeout(() => {
      if (inv.answered) return;
      this.#interrupt(inv, "killnowait");
      inv.answered = true;
      inv.caller.error(
        M.CALL,
        inv.callId,
        ErrorUri.TIMEOUT,
        `Call timed out after ${inv.timeout} ms`,
      );
      this.#finish(inv);
    }, Math.min(inv.timeout, MAX_TIMER_DELAY));
  }

  #callInternal(
    caller: RouterSession,
    msg: CallMessage,
    fn: InternalProcedure,
  ): void {
    let value: unknown;
    try {
      value = fn(caller, msg.args ?? [], msg.kwargs ?? {});
    } catch (err) {
      const uri = err instanceof InternalError
        ? err.uri
        : ErrorUri.INVALID_ARGUMENT;
      return void caller.error(
        M.CALL,
        msg.requestId,
        uri,
        (err as Error).message,
      );
    }
    const sent = caller.send({
      type: M.RESULT,
      requestId: msg.requestId,
      details: {},
      args: value === undefined ? undefined : [value],
    });
    if (!sent) {
      caller.error(
        M.CALL,
        msg.requestId,
        ErrorUri.PAYLOAD_SIZE_EXCEEDED,
        "The result cannot be encoded for the caller",
      );
    }
  }

  /** Sends INTERRUPT if the callee can take it. */
  #interrupt(inv: PendingInvocation, mode: "kill" | "killnowait"): boolean {
    if (!inv.callee.has("callee", "call_canceling")) return false;
    inv.callee.send({
      type: M.INTERRUPT,
      requestId: inv.invocationId,
      options: { mode, reason: ErrorUri.CANCELED },
    });
    return true;
  }

  /**
   * Handles CANCEL: `skip` answers the caller at once and drops the callee's
   * reply; `kill` interrupts the callee and waits for its reply;
   * `killnowait` (the default) does both at once. Callees that did not
   * announce call_canceling get no INTERRUPT: `kill` and `killnowait`
   * become `skip` for them.
   *
   * @param caller The caller.
   * @param msg The message.
   */
  cancel(caller: RouterSession, msg: CancelMessage): void {
    const inv = this.#sessions.get(caller)?.calls.get(msg.requestId);
    if (inv === undefined || inv.answered) return; // finished already
    const mode = (msg.options.mode ?? "killnowait") as string;
    if (mode === "kill" && this.#interrupt(inv, "kill")) {
      inv.canceled = true;
      return;
    }
    if (mode === "killnowait") this.#interrupt(inv, "killnowait");
    inv.answered = true;
    caller.error(M.CALL, inv.callId, ErrorUri.CANCELED, "Call canceled");
    this.#finish(inv);
  }

  // The callee answered an INTERRUPT of mode kill (with ERROR, whatever its
  // URI, or with a last YIELD): the caller learns its call was canceled.
  #answerCanceled(inv: PendingInvocation): void {
    inv.answered = true;
    this.#finish(inv);
    inv.caller.error(M.CALL, inv.callId, ErrorUri.CANCELED, "Call canceled");
  }

  #finish(inv: PendingInvocation): void {
    this.#clock.clearTimeout(inv.timer);
    this.#sessions.get(inv.callee)?.invocations.delete(inv.invocationId);
    this.#sessions.get(inv.caller)?.calls.delete(inv.callId);
  }

  #invocationFor(callee: RouterSession, id: number, what: string) {
    const state = this.#sessions.get(callee);
    const inv = state?.invocations.get(id);
    if (inv === undefined && (id > (state?.ids.last ?? 0) || id < 1)) {
      throw new ProtocolError(
        `${what}: Request ${id} names no INVOCATION this router sent`,
      );
    }
    return inv; // undefined: a late reply to a finished invocation
  }

  /**
   * Handles YIELD.
   *
   * @param callee The callee.
   * @param msg The message.
   */
  yield(callee: RouterSession, msg: YieldMessage): void {
    const inv = this.#invocationFor(callee, msg.requestId, "YIELD");
    if (inv === undefined || inv.answered) return;
    const progress = msg.options.progress === true;
    if (progress && (!inv.receiveProgress || inv.canceled)) return;
    if (inv.canceled) return this.#answerCanceled(inv);
    if (!progress) {
      inv.answered = true;
      this.#finish(inv);
    }
    const sent = inv.caller.send({
      type: M.RESULT,
      requestId: inv.callId,
      details: progress ? { progress: true } : {},
      args: msg.args,
      kwargs: msg.kwargs,
      payload: msg.payload,
    });
    if (!sent) {
      inv.caller.error(
        M.CALL,
        inv.callId,
        ErrorUri.PAYLOAD_SIZE_EXCEEDED,
        "The result cannot be encoded for the caller",
      );
      if (progress) {
        inv.answered = true;
        this.#interrupt(inv, "killnowait");
        this.#finish(inv);
      }
    } else if (progress && inv.timeout > 0) this.#arm(inv);
  }

  /**
   * Handles a callee's ERROR for an INVOCATION.
   *
   * @param callee The callee.
   * @param msg The message.
   */
  invocationError(callee: RouterSession, msg: ErrorMessage): void {
    const inv = this.#invocationFor(callee, msg.requestId, "ERROR");
    if (inv === undefined || inv.answered) return;
    if (inv.canceled) return this.#answerCanceled(inv);
    inv.answered = true;
    this.#finish(inv);
    const sent = inv.caller.send({
      type: M.ERROR,
      requestType: M.CALL,
      requestId: inv.callId,
      details: msg.details,
      error: msg.error,
      args: msg.args,
      kwargs: msg.kwargs,
      payload: msg.payload,
    });
    if (!sent) {
      inv.caller.error(M.CALL, inv.callId, msg.error);
    }
  }

  /**
   * Starts a restored session's INVOCATION ids after `lastInvocation`
   * (`snapshot.ts`): above every id its earlier router may have sent, so
   * late answers to those are dropped as finished, never taken for new
   * ones. Called before anything else of the session reaches the dealer.
   *
   * @param session The restored session.
   * @param lastInvocation The id to continue after.
   */
  restoreSession(session: RouterSession, lastInvocation: number): void {
    if (lastInvocation <= 0 || this.#sessions.has(session)) return;
    this.#of(session, lastInvocation);
  }

  /**
   * Adds a callee to a registration without a REGISTER, restoring a
   * snapshot (`snapshot.ts`): the registration keeps its id, policies and
   * creation time, callees are added in the order they are restored, and
   * no meta event is published.
   *
   * @param session The callee.
   * @param reg The registration's id, URI, policies and creation time.
   */
  restoreRegistration(
    session: RouterSession,
    reg: Omit<DealerRegistration, "callees" | "next">,
  ): void {
    this.#attach(session, reg);
  }

  // Adds a callee to the registration of `fresh.uri` and `fresh.match`,
  // made from `fresh` if there is none: REGISTER's and a restore's shared
  // step (REGISTER checks policies first; the caller answers and publishes
  // meta events). A session is a callee once.
  #attach(
    session: RouterSession,
    fresh: Omit<DealerRegistration, "callees" | "next">,
  ): DealerRegistration {
    let reg = this.#index.get(fresh.uri, fresh.match);
    if (reg === undefined) {
      reg = { ...fresh, callees: [], next: 0 };
      this.#index.set(reg.uri, reg.match, reg);
      this.#byId.set(reg.id, reg);
    }
    if (!reg.callees.includes(session)) reg.callees.push(session);
    this.#of(session).registrations.add(reg);
    return reg;
  }

  /**
   * Removes a session: its registrations go; calls it was serving fail with
   * `wamp.error.canceled`; calls it made are interrupted.
   *
   * @param session The session that left.
   */
  removeSession(session: RouterSession): void {
    const state = this.#sessions.get(session);
    if (state === undefined) return;
    for (const inv of [...state.invocations.values()]) {
      if (!inv.answered) {
        inv.answered = true;
        inv.caller.error(
          M.CALL,
          inv.callId,
          ErrorUri.CANCELED,
          "The callee left",
        );
      }
      this.#finish(inv);
    }
    for (const inv of [...state.calls.values()]) {
      if (!inv.answered) {
        inv.answered = true;
        this.#interrupt(inv, "killnowait");
      }
      this.#finish(inv);
    }
    for (const reg of [...state.registrations]) this.#remove(session, reg);
    this.#sessions.delete(session);
  }

  /**
   * The meta API description of a registration.
   *
   * @param reg The registration.
   * @returns `{id, created, uri, match, invoke}`.
   */
  describe(reg: DealerRegistration): Dict {
    return {
      id: reg.id,
      created: reg.created,
      uri: reg.uri,
      match: reg.match,
      invoke: reg.invoke,
    };
  }
}
