/**
 * The broker: subscriptions and event routing for one realm.
 *
 * @module
 */

import { randomId } from "../protocol/ids.ts";
import { MessageType as M } from "../protocol/message_type.ts";
import type {
  Dict,
  EventMessage,
  PublishMessage,
  SubscribeMessage,
  UnsubscribeMessage,
} from "../protocol/messages.ts";
import { toWire } from "../protocol/parse.ts";
import { isValidUri, type MatchPolicy } from "../protocol/uri.ts";
import { ErrorUri } from "../protocol/wamp_error.ts";
import type { Frame } from "../transports/transport.ts";
import { PublishFilter } from "./publish_filter.ts";
import type { RouterSession } from "./router_session.ts";
import { UriIndex } from "./uri_index.ts";

/** One router subscription: a topic or pattern and its subscribers. */
export interface BrokerSubscription {
  /** Subscription id. */
  readonly id: number;
  /** Topic or pattern. */
  readonly uri: string;
  /** Match policy. */
  readonly match: MatchPolicy;
  /** When it was created (ISO 8601). */
  readonly created: string;
  /** Subscribed sessions. */
  readonly subscribers: Set<RouterSession>;
}

/** The meta events the broker reports (session id, payload). */
export type MetaPublisher = (topic: string, args: unknown[]) => void;

/** Payload transparency options a router forwards from request to delivery. */
export const PPT_KEYS: readonly string[] = [
  "ppt_scheme",
  "ppt_serializer",
  "ppt_cipher",
  "ppt_keyid",
  "enc_algo",
  "enc_serializer",
  "enc_key",
];

/**
 * Routes events: exact, prefix and wildcard subscriptions; black- and
 * white-listing; publisher exclusion and identification; acknowledgements.
 */
export class Broker {
  #index = new UriIndex<BrokerSubscription>();
  #byId = new Map<number, BrokerSubscription>();
  #bySession = new Map<RouterSession, Set<BrokerSubscription>>();
  #meta: MetaPublisher;
  #maxPerSession: number;

  /**
   * Creates a broker.
   *
   * @param meta Publishes meta events.
   * @param maxPerSession Subscriptions one session may hold.
   */
  constructor(meta: MetaPublisher, maxPerSession = Infinity) {
    this.#meta = meta;
    this.#maxPerSession = maxPerSession;
  }

  /** Every subscription, for the meta API. */
  get all(): BrokerSubscription[] {
    return [...this.#byId.values()];
  }

  /**
   * A subscription by id.
   *
   * @param id The id.
   * @returns The subscription, if any.
   */
  get(id: number): BrokerSubscription | undefined {
    return this.#byId.get(id);
  }

  /**
   * The subscription for a URI and policy.
   *
   * @param uri The topic or pattern.
   * @param match The policy.
   * @returns The subscription, if any.
   */
  lookup(uri: string, match: MatchPolicy): BrokerSubscription | undefined {
    return this.#index.get(uri, match);
  }

  /**
   * Every subscription a topic matches.
   *
   * @param topic The concrete topic.
   * @returns The matching subscriptions.
   */
  matching(topic: string): BrokerSubscription[] {
    return this.#index.matches(topic);
  }

  /**
   * The subscriptions a session holds.
   *
   * @param session The session.
   * @returns How many.
   */
  countOf(session: RouterSession): number {
    return this.#bySession.get(session)?.size ?? 0;
  }

  /**
   * Handles SUBSCRIBE.
   *
   * @param session The subscriber.
   * @param msg The message.
   */
  subscribe(session: RouterSession, msg: SubscribeMessage): void {
    const match = (msg.options.match ?? "exact") as MatchPolicy;
    if (!isValidUri(msg.topic, { allowEmpty: match !== "exact" })) {
      session.error(
        M.SUBSCRIBE,
        msg.requestId,
        ErrorUri.INVALID_URI,
        `Invalid topic URI ${msg.topic}`,
      );
      return;
    }
    let sub = this.#index.get(msg.topic, match);
    const held = this.#bySession.get(session);
    if (
      (sub === undefined || !sub.subscribers.has(session)) &&
      (held?.size ?? 0) >= this.#maxPerSession
    ) {
      session.error(
        M.SUBSCRIBE,
        msg.requestId,
        ErrorUri.UNAVAILABLE,
        `Too many subscriptions: this session holds ${held!.size}, the limit`,
      );
      return;
    }
    const created = sub === undefined;
    const added = sub === undefined || !sub.subscribers.has(session);
    sub = this.#attach(session, {
      id: randomId(),
      uri: msg.topic,
      match,
      created: new Date().toISOString(),
    });
    session.send({
      type: M.SUBSCRIBED,
      requestId: msg.requestId,
      subscription: sub.id,
    });
    if (created) {
      this.#meta("wamp.subscription.on_create", [
        session.id,
        this.describe(sub),
      ]);
    }
    if (added) {
      this.#meta("wamp.subscription.on_subscribe", [session.id, sub.id]);
    }
  }

  /**
   * Handles UNSUBSCRIBE.
   *
   * @param session The subscriber.
   * @param msg The message.
   */
  unsubscribe(session: RouterSession, msg: UnsubscribeMessage): void {
    const sub = this.#byId.get(msg.subscription);
    if (sub === undefined || !sub.subscribers.has(session)) {
      session.error(
        M.UNSUBSCRIBE,
        msg.requestId,
        ErrorUri.NO_SUCH_SUBSCRIPTION,
        `No subscription ${msg.subscription} for this session`,
      );
      return;
    }
    this.#remove(session, sub);
    session.send({ type: M.UNSUBSCRIBED, requestId: msg.requestId });
  }

  #remove(session: RouterSession, sub: BrokerSubscription): void {
    sub.subscribers.delete(session);
    this.#bySession.get(session)?.delete(sub);
    this.#meta("wamp.subscription.on_unsubscribe", [session.id, sub.id]);
    if (sub.subscribers.size === 0) {
      this.#index.delete(sub.uri, sub.match);
      this.#byId.delete(sub.id);
      this.#meta("wamp.subscription.on_delete", [session.id, sub.id]);
    }
  }

  /**
   * Adds a session to a subscription without a SUBSCRIBE, restoring a
   * snapshot (`snapshot.ts`): the subscription keeps its id and creation
   * time, and no meta event is published.
   *
   * @param session The subscriber.
   * @param sub The subscription's id, URI, policy and creation time.
   */
  restoreSubscription(
    session: RouterSession,
    sub: Omit<BrokerSubscription, "subscribers">,
  ): void {
    this.#attach(session, sub);
  }

  // Adds a session to the subscription of `fresh.uri` and `fresh.match`,
  // made from `fresh` if there is none: SUBSCRIBE's and a restore's shared
  // step (the caller answers and publishes meta events).
  #attach(
    session: RouterSession,
    fresh: Omit<BrokerSubscription, "subscribers">,
  ): BrokerSubscription {
    let sub = this.#index.get(fresh.uri, fresh.match);
    if (sub === undefined) {
      sub = { ...fresh, subscribers: new Set() };
      this.#index.set(sub.uri, sub.match, sub);
      this.#byId.set(sub.id, sub);
    }
    sub.subscribers.add(session);
    let held = this.#bySession.get(session);
    if (held === undefined) this.#bySession.set(session, held = new Set());
    held.add(sub);
    return sub;
  }

  /**
   * Removes a session from every subscription.
   *
   * @param session The session that left.
   */
  removeSession(session: RouterSession): void {
    const held = this.#bySession.get(session);
    if (held === undefined) return;
    for (const sub of [...held]) this.#remove(session, sub);
    this.#bySession.delete(session);
  }

  /**
   * Handles PUBLISH.
   *
   * @param session The publisher.
   * @param msg The message.
   * @param disclose Disclose the publisher even if it did not ask (its
   * role's permission says so).
   */
  publish(
    session: RouterSession,
    msg: PublishMessage,
    disclose = false,
  ): void {
    const o = msg.options;
    const ack = o.acknowledge === true;
    if (!isValidUri(msg.topic) || msg.topic.startsWith("wamp.")) {
      if (ack) {
        session.error(
          M.PUBLISH,
          msg.requestId,
          ErrorUri.INVALID_URI,
          msg.topic.startsWith("wamp.")
            ? `Topics under wamp. are reserved for the router (${msg.topic})`
            : `Invalid topic URI ${msg.topic}`,
        );
      }
      return;
    }
    const publication = randomId();
    this.deliver(msg.topic, publication, msg, session, disclose);
    if (ack) {
      session.send({
        type: M.PUBLISHED,
        requestId: msg.requestId,
        publication,
      });
    }
  }

  /**
   * Sends an event to every eligible subscriber of every matching
   * subscription, encoding it once per subscription and serializer.
   *
   * @param topic The topic.
   * @param publication The publication id.
   * @param msg The payload and options (a PUBLISH, or a meta event).
   * @param publisher The publishing session, or undefined for the router.
   * @param disclose Disclose the publisher whatever it asked.
   */
  deliver(
    topic: string,
    publication: number,
    msg: Pick<PublishMessage, "options" | "args" | "kwargs" | "payload">,
    publisher: RouterSession | undefined,
    disclose = false,
  ): void {
    const subs = this.#index.matches(topic);
    if (subs.length === 0) return;
    const o = msg.options;
    const filter = PublishFilter.of(o, publisher);
    const base: Dict = {};
    if (publisher && (disclose || o.disclose_me === true)) {
      base.publisher = publisher.id;
      base.publisher_authid = publisher.authid;
      base.publisher_authrole = publisher.authrole;
    }
    for (const key of PPT_KEYS) if (o[key] !== undefined) base[key] = o[key];
    // One frame per serializer protocol and subscription, shared by its
    // subscribers; one map for the whole publication.
    const frames = new Map<string, Frame | null>();
    for (const sub of subs) {
      const details = sub.match === "exact" ? base : { ...base, topic };
      const event: EventMessage = {
        type: M.EVENT,
        subscription: sub.id,
        publication,
        details,
        args: msg.args,
        kwargs: msg.kwargs,
        payload: msg.payload,
      };
      frames.clear();
      for (const s of sub.subscribers) {
        if (filter !== undefined && !filter.admits(s)) continue;
        const protocol = s.serializer.protocol;
        let frame = frames.get(protocol);
        if (frame === undefined) {
          try {
            frame = s.serializer.serialize(toWire(event));
          } catch {
            frame = null; // too large or not encodable for this serializer
          }
          frames.set(protocol, frame);
        }
        if (frame !== null) s.sendFrame(frame);
      }
    }
  }

  /**
   * The meta API description of a subscription.
   *
   * @param sub The subscription.
   * @returns `{id, created, uri, match}`.
   */
  describe(sub: BrokerSubscription): Dict {
    return { id: sub.id, created: sub.created, uri: sub.uri, match: sub.match };
  }
}
