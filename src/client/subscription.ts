/**
 * Subscriptions and registrations as the client hands them out.
 *
 * @module
 */

import type {
  Endpoint,
  EventHandler,
  RegisterOptions,
  SubscribeOptions,
} from "./types.ts";

/** What a subscription or registration needs from its session. */
export interface Owner {
  /**
   * Ends a subscription.
   *
   * @param sub The subscription.
   * @returns Whether the router subscription ended.
   */
  unsubscribe(sub: Subscription): Promise<boolean>;
  /**
   * Ends a registration.
   *
   * @param reg The registration.
   * @returns Always true once unregistered.
   */
  unregister(reg: Registration): Promise<boolean>;
}

/**
 * Told when the application adds or removes subscriptions and
 * registrations; `Connection` uses it to restore them on each new session
 * (`resubscribe`, `reregister`). Revocations and the end of the session are
 * not reported: what the application asked for still stands.
 *
 * @example Keep a list of the topics subscribed to
 * ```ts
 * import { JsonSerializer, Session } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const topics = new Set<string>();
 * const router = new Router();
 * const session = new Session(router.connectLocal(), new JsonSerializer(), {
 *   realm: "realm1",
 *   track: {
 *     subscribed: (sub) => void topics.add(sub.topic),
 *     unsubscribed: (sub) => void topics.delete(sub.topic),
 *   },
 * });
 * await session.join();
 * const sub = await session.subscribe("com.myapp.topic1", () => {});
 * assert.deepEqual([...topics], ["com.myapp.topic1"]);
 * await sub.unsubscribe();
 * assert.equal(topics.size, 0);
 * await session.leave();
 * await router.close();
 * ```
 */
export interface Tracker {
  /**
   * A subscribe request succeeded.
   *
   * @param subscription The new subscription.
   */
  subscribed?(subscription: Subscription): void;
  /**
   * The application unsubscribes (`session.unsubscribe` or
   * `subscription.unsubscribe()`); called before the request is made,
   * whether or not the subscription is still active.
   *
   * @param subscription The subscription.
   */
  unsubscribed?(subscription: Subscription): void;
  /**
   * A register request succeeded.
   *
   * @param registration The new registration.
   */
  registered?(registration: Registration): void;
  /**
   * The application unregisters (`session.unregister` or
   * `registration.unregister()`); called before the request is made,
   * whether or not the registration is still active.
   *
   * @param registration The registration.
   */
  unregistered?(registration: Registration): void;
}

/**
 * One local handler on a router subscription. Several handlers on the same
 * topic share one router subscription (and `id`).
 *
 * @example Usage
 * ```ts ignore
 * const sub = await session.subscribe("com.myapp.topic1", (args) => console.log(args));
 * await sub.unsubscribe();
 * ```
 */
export class Subscription {
  /** The topic or pattern. */
  readonly topic: string;
  /** The handler. */
  readonly handler: EventHandler;
  /** The SUBSCRIBE options. */
  readonly options: SubscribeOptions;
  /** The router's subscription id. */
  readonly id: number;
  /** False once unsubscribed, revoked or the session ended. */
  active = true;
  /** Resolves with the reason once the subscription ends. */
  readonly on_unsubscribe: Promise<string>;
  #end!: (reason: string) => void;
  #owner: Owner;

  /**
   * Creates a subscription record; sessions do this.
   *
   * @param owner The session.
   * @param id The subscription id.
   * @param topic The topic.
   * @param handler The handler.
   * @param options The options.
   */
  constructor(
    owner: Owner,
    id: number,
    topic: string,
    handler: EventHandler,
    options: SubscribeOptions,
  ) {
    this.#owner = owner;
    this.id = id;
    this.topic = topic;
    this.handler = handler;
    this.options = options;
    this.on_unsubscribe = new Promise((r) => this.#end = r);
  }

  /**
   * Removes this handler; see `session.unsubscribe`.
   *
   * @returns Whether the router subscription ended.
   */
  unsubscribe(): Promise<boolean> {
    return this.#owner.unsubscribe(this);
  }

  /**
   * Marks the subscription ended; sessions do this.
   *
   * @param reason Why it ended.
   */
  end(reason: string): void {
    if (!this.active) return;
    this.active = false;
    this.#end(reason);
  }
}

/**
 * A registered procedure.
 *
 * @example Usage
 * ```ts ignore
 * const reg = await session.register("com.myapp.add2", ([a, b]) => a + b);
 * await reg.unregister();
 * ```
 */
export class Registration {
  /** The procedure or pattern. */
  readonly procedure: string;
  /** The endpoint. */
  readonly endpoint: Endpoint;
  /** The REGISTER options. */
  readonly options: RegisterOptions;
  /** The router's registration id. */
  readonly id: number;
  /** False once unregistered, revoked or the session ended. */
  active = true;
  /** Resolves with the reason once the registration ends. */
  readonly on_unregister: Promise<string>;
  #end!: (reason: string) => void;
  #owner: Owner;

  /**
   * Creates a registration record; sessions do this.
   *
   * @param owner The session.
   * @param id The registration id.
   * @param procedure The procedure.
   * @param endpoint The endpoint.
   * @param options The options.
   */
  constructor(
    owner: Owner,
    id: number,
    procedure: string,
    endpoint: Endpoint,
    options: RegisterOptions,
  ) {
    this.#owner = owner;
    this.id = id;
    this.procedure = procedure;
    this.endpoint = endpoint;
    this.options = options;
    this.on_unregister = new Promise((r) => this.#end = r);
  }

  /**
   * Unregisters the procedure.
   *
   * @returns True once unregistered.
   */
  unregister(): Promise<boolean> {
    return this.#owner.unregister(this);
  }

  /**
   * Marks the registration ended; sessions do this.
   *
   * @param reason Why it ended.
   */
  end(reason: string): void {
    if (!this.active) return;
    this.active = false;
    this.#end(reason);
  }
}
