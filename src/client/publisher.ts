/**
 * The publisher role of a client session: PUBLISH, acknowledged or not.
 *
 * @module
 */

import * as M from "../protocol/_codes.ts";
import type {
  Dict,
  PublishedMessage,
  PublishMessage,
} from "../protocol/messages.ts";
import type { WampError } from "../protocol/wamp_error.ts";
import { type Pending, type Requests, withoutUndefined } from "./requests.ts";
import { Publication } from "./result.ts";
import type { PublishOptions } from "./types.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** What the publisher needs from its session. */
export interface PublisherContext {
  /**
   * The full URI of a topic; throws when the session is not open or the URI
   * is invalid.
   *
   * @param uri A URI or CURIE.
   * @param what What it names, for the error.
   * @returns The full URI.
   */
  target(uri: string, what: "topic"): string;
}

/**
 * The publications of one session that wait for their acknowledgement.
 *
 * @example An acknowledged publication, without a session
 * ```ts
 * import { Publisher } from "./publisher.ts";
 * import { Requests } from "./requests.ts";
 * import assert from "node:assert/strict";
 *
 * const requests = new Requests({ send() {}, dropped() {} });
 * const publisher = new Publisher({ target: (uri) => uri }, requests);
 * const ack = publisher.publish("com.t", [1], undefined, { acknowledge: true });
 * publisher.published({ type: 17, requestId: 1, publication: 99 });
 * assert.equal((await ack)?.id, 99);
 * ```
 */
export class Publisher {
  #ctx: PublisherContext;
  #requests: Requests;
  #publishing: Map<number, Pending<Publication>>;

  /**
   * Creates the publisher role of a session.
   *
   * @param ctx What it needs from the session.
   * @param requests The session's requests.
   */
  constructor(ctx: PublisherContext, requests: Requests) {
    this.#ctx = ctx;
    this.#requests = requests;
    this.#publishing = requests.map();
  }

  /**
   * Publishes an event; see `Session.publish`.
   *
   * @param topic The topic URI or CURIE.
   * @param args Positional payload.
   * @param kwargs Keyword payload.
   * @param options Publish options.
   * @returns The acknowledgement, if asked for.
   */
  publish(
    topic: string,
    args: unknown[] | undefined,
    kwargs: Dict | undefined,
    options: PublishOptions,
  ): Promise<Publication> | undefined {
    const ack = options.acknowledge === true;
    let uri: string;
    try {
      uri = this.#ctx.target(topic, "topic");
    } catch (err) {
      if (ack) return Promise.reject(err);
      throw err;
    }
    const requests = this.#requests;
    const message: PublishMessage = {
      type: M.PUBLISH,
      requestId: requests.next,
      options: withoutUndefined(options),
      topic: uri,
      args,
      kwargs,
    };
    if (!ack) {
      requests.send(message);
      return undefined;
    }
    const { promise, resolve, reject } = withResolvers<Publication>();
    requests.submit(this.#publishing, message, { resolve, reject });
    return promise;
  }

  /**
   * PUBLISHED: the broker acknowledged a publication.
   *
   * @param msg The message.
   */
  published(msg: PublishedMessage): void {
    this.#requests.take(this.#publishing, msg.requestId, "PUBLISHED")
      ?.resolve(new Publication(msg.publication));
  }

  /**
   * An ERROR for a PUBLISH.
   *
   * @param requestId The request id.
   * @param error The error.
   */
  failed(requestId: number, error: WampError): void {
    this.#requests.fail(this.#publishing, requestId, error);
  }
}
