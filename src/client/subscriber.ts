/**
 * The subscriber role of a client session: SUBSCRIBE, UNSUBSCRIBE and the
 * events they bring.
 *
 * @module
 */

import * as M from "../protocol/_codes.ts";
import type {
  EventMessage,
  SubscribedMessage,
  UnsubscribedMessage,
} from "../protocol/messages.ts";
import * as ErrorUri from "../protocol/_uris.ts";
import { WampError } from "../protocol/wamp_error.ts";
import {
  notOpen,
  type Pending,
  type Requests,
  withoutUndefined,
} from "./requests.ts";
import { type Owner, Subscription, type Tracker } from "./subscription.ts";
import type { EventDetails, EventHandler, SubscribeOptions } from "./types.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** What the subscriber needs from its session. */
export interface SubscriberContext {
  /** What subscriptions call to unsubscribe: the session. */
  readonly owner: Owner;
  /**
   * Tells the session's {@linkcode Tracker}, if it has one, of subscriptions
   * made or removed.
   *
   * @param hook Which hook to call.
   * @param subscription The subscription.
   */
  track(hook: keyof Tracker, subscription: Subscription): void;
  /**
   * The full URI of a topic; throws when the session is not open or the URI
   * is invalid.
   *
   * @param uri A URI, CURIE or pattern.
   * @param what What it names, for the error.
   * @param match The match policy.
   * @returns The full URI.
   */
  target(uri: string, what: "topic", match?: unknown): string;
  /**
   * Whether the session is established.
   *
   * @returns True while established.
   */
  isOpen(): boolean;
  /**
   * Reports an error thrown by application code.
   *
   * @param error The error.
   * @param where Which callback threw.
   */
  userError(error: unknown, where: string): void;
}

interface PendingSubscribe extends Pending<Subscription> {
  topic: string;
  handler: EventHandler;
  options: SubscribeOptions;
}

interface PendingUnsubscribe extends Pending<boolean> {
  id: number;
}

/**
 * The subscriptions of one session. Several local handlers on one topic
 * share a router subscription; UNSUBSCRIBE goes out with the last.
 *
 * @example A subscription and an event, without a session
 * ```ts
 * import { Requests } from "./requests.ts";
 * import { Subscriber } from "./subscriber.ts";
 * import assert from "node:assert/strict";
 *
 * const requests = new Requests({ send() {}, dropped() {} });
 * const subscriber = new Subscriber({
 *   owner: { unsubscribe: async () => true, unregister: async () => true },
 *   track() {},
 *   target: (uri) => uri,
 *   isOpen: () => true,
 *   userError() {},
 * }, requests);
 * const got: unknown[] = [];
 * const sub = subscriber.subscribe("com.t", (args) => got.push(args[0]), {});
 * subscriber.subscribed({ type: 33, requestId: 1, subscription: 5 });
 * assert.equal((await sub).id, 5);
 * subscriber.event({ type: 36, subscription: 5, publication: 1, details: {}, args: ["hi"] });
 * assert.deepEqual(got, ["hi"]);
 * ```
 */
export class Subscriber {
  #ctx: SubscriberContext;
  #requests: Requests;
  #subscribing: Map<number, PendingSubscribe>;
  #unsubscribing: Map<number, PendingUnsubscribe>;
  #subscriptions = new Map<number, Subscription[]>();

  /**
   * Creates the subscriber role of a session.
   *
   * @param ctx What it needs from the session.
   * @param requests The session's requests.
   */
  constructor(ctx: SubscriberContext, requests: Requests) {
    this.#ctx = ctx;
    this.#requests = requests;
    this.#subscribing = requests.map();
    this.#unsubscribing = requests.map();
  }

  /**
   * Active subscriptions, grouped per router subscription.
   *
   * @returns Copies of the groups.
   */
  get subscriptions(): Subscription[][] {
    return [...this.#subscriptions.values()].map((list) => [...list]);
  }

  /**
   * Subscribes a handler; see `Session.subscribe`.
   *
   * @param topic The topic URI, CURIE or pattern.
   * @param handler The event handler.
   * @param options Subscribe options.
   * @returns The subscription.
   */
  subscribe(
    topic: string,
    handler: EventHandler,
    options: SubscribeOptions,
  ): Promise<Subscription> {
    let uri: string;
    try {
      uri = this.#ctx.target(topic, "topic", options.match);
    } catch (err) {
      return Promise.reject(err);
    }
    const { promise, resolve, reject } = withResolvers<
      Subscription
    >();
    const requests = this.#requests;
    requests.submit(this.#subscribing, {
      type: M.SUBSCRIBE,
      requestId: requests.next,
      options: withoutUndefined(options),
      topic: uri,
    }, { resolve, reject, topic: uri, handler, options });
    return promise;
  }

  /**
   * Removes a handler; see `Session.unsubscribe`.
   *
   * @param subscription The subscription.
   * @returns Whether the router subscription ended.
   */
  unsubscribe(subscription: Subscription): Promise<boolean> {
    this.#ctx.track("unsubscribed", subscription);
    const list = this.#subscriptions.get(subscription.id);
    const index = list?.indexOf(subscription) ?? -1;
    if (!subscription.active || list === undefined || index < 0) {
      return Promise.reject(
        new WampError(ErrorUri.NO_SUCH_SUBSCRIPTION, [
          "Subscription is not active",
        ]),
      );
    }
    if (!this.#ctx.isOpen()) return Promise.reject(notOpen());
    list.splice(index, 1);
    if (list.length > 0) {
      subscription.end("wamp.close.normal");
      return Promise.resolve(false);
    }
    const { promise, resolve, reject } = withResolvers<boolean>();
    const requests = this.#requests;
    let requestId: number;
    try {
      requestId = requests.send({
        type: M.UNSUBSCRIBE,
        requestId: requests.next,
        subscription: subscription.id,
      });
    } catch (err) {
      reject(err);
      return promise;
    }
    this.#unsubscribing.set(requestId, {
      resolve,
      reject,
      id: subscription.id,
    });
    this.#subscriptions.delete(subscription.id);
    subscription.end("wamp.close.normal");
    return promise;
  }

  /**
   * SUBSCRIBED: the subscription is made.
   *
   * @param msg The message.
   */
  subscribed(msg: SubscribedMessage): void {
    const p = this.#requests.take(
      this.#subscribing,
      msg.requestId,
      "SUBSCRIBED",
    );
    if (p === undefined) return;
    const sub = new Subscription(
      this.#ctx.owner,
      msg.subscription,
      p.topic,
      p.handler,
      p.options,
    );
    const list = this.#subscriptions.get(msg.subscription);
    if (list) list.push(sub);
    else this.#subscriptions.set(msg.subscription, [sub]);
    p.resolve(sub);
    this.#ctx.track("subscribed", sub);
  }

  /**
   * UNSUBSCRIBED: the answer to UNSUBSCRIBE, or (request id 0) the router
   * revoking a subscription.
   *
   * @param msg The message.
   */
  unsubscribed(msg: UnsubscribedMessage): void {
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
    this.#requests.take(this.#unsubscribing, msg.requestId, "UNSUBSCRIBED")
      ?.resolve(true);
  }

  /**
   * An ERROR for a SUBSCRIBE.
   *
   * @param requestId The request id.
   * @param error The error.
   */
  subscribeFailed(requestId: number, error: WampError): void {
    this.#requests.fail(this.#subscribing, requestId, error);
  }

  /**
   * An ERROR for an UNSUBSCRIBE.
   *
   * @param requestId The request id.
   * @param error The error.
   */
  unsubscribeFailed(requestId: number, error: WampError): void {
    this.#requests.fail(this.#unsubscribing, requestId, error);
  }

  /**
   * An EVENT: calls the handlers of its subscription.
   *
   * @param msg The message.
   */
  event(msg: EventMessage): void {
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
        this.#ctx.userError(err, `event handler for ${sub.topic}`);
      }
    }
  }

  /**
   * Ends every subscription: the session has ended.
   *
   * @param reason Why.
   */
  close(reason: string): void {
    for (const list of this.#subscriptions.values()) {
      for (const sub of list) sub.end(reason);
    }
    this.#subscriptions.clear();
  }
}
