/**
 * The callee role of a client session: REGISTER, UNREGISTER, and the
 * invocations of registered endpoints with their YIELD, ERROR and INTERRUPT.
 *
 * @module
 */

import * as M from "../protocol/_codes.ts";
import type {
  Dict,
  InterruptMessage,
  InvocationMessage,
  Message,
  RegisteredMessage,
  UnregisteredMessage,
} from "../protocol/messages.ts";
import * as ErrorUri from "../protocol/_uris.ts";
import { WampError } from "../protocol/wamp_error.ts";
import {
  notOpen,
  type Pending,
  type Requests,
  withoutUndefined,
} from "./requests.ts";
import { Result } from "./result.ts";
import { type Owner, Registration, type Tracker } from "./subscription.ts";
import type { Endpoint, InvocationDetails, RegisterOptions } from "./types.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** What the callee needs from its session. */
export interface CalleeContext {
  /** What registrations call to unregister: the session. */
  readonly owner: Owner;
  /**
   * Tells the session's {@linkcode Tracker}, if it has one, of registrations
   * made or removed.
   *
   * @param hook Which hook to call.
   * @param registration The registration.
   */
  track(hook: keyof Tracker, registration: Registration): void;
  /**
   * Sends a message that is not a new request (YIELD, ERROR).
   *
   * @param message The message.
   */
  send(message: Message): void;
  /**
   * The full URI of a procedure; throws when the session is not open or the
   * URI is invalid.
   *
   * @param uri A URI, CURIE or pattern.
   * @param what What it names, for the error.
   * @param match The match policy.
   * @returns The full URI.
   */
  target(uri: string, what: "procedure", match?: unknown): string;
  /**
   * Whether the session is established.
   *
   * @returns True while established.
   */
  isOpen(): boolean;
}

interface PendingRegister extends Pending<Registration> {
  procedure: string;
  endpoint: Endpoint;
  options: RegisterOptions;
}

interface PendingUnregister extends Pending<boolean> {
  id: number;
}

/** An invocation running in an endpoint. */
interface Invocation {
  controller: AbortController;
  done: boolean;
}

/**
 * The registrations of one session and the invocations they run.
 *
 * @example A registration and an invocation, without a session
 * ```ts
 * import { Callee } from "./callee.ts";
 * import { Requests } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const sent: unknown[] = [];
 * const send = (m: unknown) => void sent.push(m);
 * const requests = new Requests({ send, dropped() {} });
 * const callee = new Callee({
 *   owner: { unsubscribe: async () => true, unregister: async () => true },
 *   track() {},
 *   send,
 *   target: (uri) => uri,
 *   isOpen: () => true,
 * }, requests);
 * const reg = callee.register("com.add2", ([a, b]) => Number(a) + Number(b), {});
 * callee.registered({ type: 65, requestId: 1, registration: 7 });
 * assert.equal((await reg).id, 7);
 * callee.invocation({ type: 68, requestId: 1, registration: 7, details: {}, args: [2, 3] });
 * assert.deepEqual(sent.at(-1), { type: 70, requestId: 1, options: {}, args: [5], kwargs: undefined });
 * ```
 */
export class Callee {
  #ctx: CalleeContext;
  #requests: Requests;
  #registering: Map<number, PendingRegister>;
  #unregistering: Map<number, PendingUnregister>;
  #registrations = new Map<number, Registration>();
  #invocations = new Map<number, Invocation>();

  /**
   * Creates the callee role of a session.
   *
   * @param ctx What it needs from the session.
   * @param requests The session's requests.
   */
  constructor(ctx: CalleeContext, requests: Requests) {
    this.#ctx = ctx;
    this.#requests = requests;
    this.#registering = requests.map();
    this.#unregistering = requests.map();
  }

  /**
   * Active registrations.
   *
   * @returns A copy of the list.
   */
  get registrations(): Registration[] {
    return [...this.#registrations.values()];
  }

  /**
   * Registers a procedure; see `Session.register`.
   *
   * @param procedure The procedure URI, CURIE or pattern.
   * @param endpoint Called for each invocation.
   * @param options Register options.
   * @returns The registration.
   */
  register(
    procedure: string,
    endpoint: Endpoint,
    options: RegisterOptions,
  ): Promise<Registration> {
    let uri: string;
    try {
      uri = this.#ctx.target(procedure, "procedure", options.match);
    } catch (err) {
      return Promise.reject(err);
    }
    const { promise, resolve, reject } = withResolvers<
      Registration
    >();
    const requests = this.#requests;
    requests.submit(this.#registering, {
      type: M.REGISTER,
      requestId: requests.next,
      options: withoutUndefined(options),
      procedure: uri,
    }, { resolve, reject, procedure: uri, endpoint, options });
    return promise;
  }

  /**
   * Unregisters a procedure; see `Session.unregister`.
   *
   * @param registration The registration.
   * @returns True once unregistered.
   */
  unregister(registration: Registration): Promise<boolean> {
    this.#ctx.track("unregistered", registration);
    if (!registration.active) {
      return Promise.reject(
        new WampError(ErrorUri.NO_SUCH_REGISTRATION, [
          "Registration is not active",
        ]),
      );
    }
    if (!this.#ctx.isOpen()) return Promise.reject(notOpen());
    const { promise, resolve, reject } = withResolvers<boolean>();
    const requests = this.#requests;
    requests.submit(this.#unregistering, {
      type: M.UNREGISTER,
      requestId: requests.next,
      registration: registration.id,
    }, { resolve, reject, id: registration.id });
    return promise;
  }

  /**
   * REGISTERED: the registration is made.
   *
   * @param msg The message.
   */
  registered(msg: RegisteredMessage): void {
    const p = this.#requests.take(
      this.#registering,
      msg.requestId,
      "REGISTERED",
    );
    if (p === undefined) return;
    const reg = new Registration(
      this.#ctx.owner,
      msg.registration,
      p.procedure,
      p.endpoint,
      p.options,
    );
    this.#registrations.set(msg.registration, reg);
    p.resolve(reg);
    this.#ctx.track("registered", reg);
  }

  /**
   * UNREGISTERED: the answer to UNREGISTER, or (request id 0) the router
   * revoking a registration.
   *
   * @param msg The message.
   */
  unregistered(msg: UnregisteredMessage): void {
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
    const p = this.#requests.take(
      this.#unregistering,
      msg.requestId,
      "UNREGISTERED",
    );
    if (p === undefined) return;
    const reg = this.#registrations.get(p.id);
    if (reg) {
      this.#registrations.delete(p.id);
      reg.end("wamp.close.normal");
    }
    p.resolve(true);
  }

  /**
   * An ERROR for a REGISTER.
   *
   * @param requestId The request id.
   * @param error The error.
   */
  registerFailed(requestId: number, error: WampError): void {
    this.#requests.fail(this.#registering, requestId, error);
  }

  /**
   * An ERROR for an UNREGISTER.
   *
   * @param requestId The request id.
   * @param error The error.
   */
  unregisterFailed(requestId: number, error: WampError): void {
    this.#requests.fail(this.#unregistering, requestId, error);
  }

  /**
   * An INVOCATION: runs the endpoint and answers with YIELD or ERROR.
   *
   * @param msg The message.
   */
  invocation(msg: InvocationMessage): void {
    const reg = this.#registrations.get(msg.registration);
    const id = msg.requestId;
    if (!reg) {
      this.#ctx.send({
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
        if (inv.done || !this.#ctx.isOpen()) return;
        this.#ctx.send({
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
      this.#failed(id, inv, err);
      return;
    }
    if (
      outcome instanceof Promise || (outcome !== null &&
        typeof (outcome as { then?: unknown })?.then === "function")
    ) {
      (outcome as PromiseLike<unknown>).then(
        (value) => this.#done(id, inv, value),
        (err) => this.#failed(id, inv, err),
      );
    } else {
      this.#done(id, inv, outcome);
    }
  }

  /**
   * An INTERRUPT: the caller canceled; aborts the endpoint's signal and
   * answers `wamp.error.canceled` at once.
   *
   * @param msg The message.
   */
  interrupt(msg: InterruptMessage): void {
    const inv = this.#invocations.get(msg.requestId);
    if (!inv || inv.done) return; // finished already: nothing to do
    inv.done = true;
    this.#invocations.delete(msg.requestId);
    const reason = new WampError(ErrorUri.CANCELED, ["Call canceled"], {}, {
      mode: msg.options.mode,
    });
    this.#ctx.send({
      type: M.ERROR,
      requestType: M.INVOCATION,
      requestId: msg.requestId,
      details: {},
      error: ErrorUri.CANCELED,
    });
    inv.controller.abort(reason);
  }

  /**
   * Aborts every running invocation: the session has ended.
   *
   * @param error The abort reason.
   */
  abortInvocations(error: unknown): void {
    for (const inv of this.#invocations.values()) {
      inv.done = true;
      inv.controller.abort(error);
    }
    this.#invocations.clear();
  }

  /**
   * Ends every registration: the session has ended.
   *
   * @param reason Why.
   */
  close(reason: string): void {
    for (const reg of this.#registrations.values()) reg.end(reason);
    this.#registrations.clear();
  }

  #done(id: number, inv: Invocation, value: unknown): void {
    if (inv.done) return;
    inv.done = true;
    this.#invocations.delete(id);
    if (!this.#ctx.isOpen()) return;
    let args: unknown[] | undefined;
    let kwargs: Dict | undefined;
    if (value instanceof Result) {
      args = value.args;
      kwargs = value.kwargs;
    } else if (value !== undefined) {
      args = [value];
    }
    try {
      this.#ctx.send({
        type: M.YIELD,
        requestId: id,
        options: {},
        args,
        kwargs,
      });
    } catch (err) {
      this.#ctx.send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: ErrorUri.INVALID_ARGUMENT,
        args: [(err as Error).message],
      });
    }
  }

  #failed(id: number, inv: Invocation, err: unknown): void {
    if (inv.done) return;
    inv.done = true;
    this.#invocations.delete(id);
    if (!this.#ctx.isOpen()) return;
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
      this.#ctx.send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: uri,
        args,
        kwargs,
      });
    } catch {
      this.#ctx.send({
        type: M.ERROR,
        requestType: M.INVOCATION,
        requestId: id,
        details: {},
        error: uri,
      });
    }
  }
}
