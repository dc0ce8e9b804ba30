/**
 * The connection of `@wampkit/wamp`: {@linkcode BaseConnection} with every
 * transport, WebSocket, HTTP long-poll and RawSocket.
 *
 * @module
 */

import type { Session } from "./session.ts";
import { connectLongPoll } from "../transports/longpoll.ts";
import { connectRawSocket } from "../transports/rawsocket.ts";
import { defaultConnector } from "../transports/connectors/default_connector.ts";
import { TransportError } from "../transports/transport_error.ts";
import {
  BaseConnection,
  type ConnectionOptions,
  type LongPollTransportOptions,
  type RawSocketTransportOptions,
  type TransportOpener,
} from "./base_connection.ts";

export * from "./base_connection.ts";

const longpoll: TransportOpener = (spec, { serializers, timeout }) => {
  const lp = spec as LongPollTransportOptions;
  return connectLongPoll(lp.url, {
    protocols: serializers.map((s) => s.protocol),
    fetch: lp.fetch,
    timeout,
    receiveTimeout: lp.receiveTimeout,
  });
};

const rawsocket: TransportOpener = (spec, { serializers, url, timeout }) => {
  const rs = spec as RawSocketTransportOptions;
  const target = rs.url ?? url;
  if (!target) throw new TransportError("RawSocket transport without a url");
  return connectRawSocket(target, {
    serializers,
    connector: rs.connector ?? defaultConnector(),
    timeout,
  });
};

/**
 * A connection to a WAMP router that opens a session and keeps one open:
 * it tries the transports in order (WebSocket, HTTP long-poll, RawSocket or
 * custom), joins the realm, calls `onopen` with each new session and
 * reconnects with exponential backoff when the transport is lost, the
 * router says GOODBYE or the handshake times out. It stops on `close()`, on
 * an authentication ABORT, when the runtime denies network access, when
 * retries run out, or when `onclose` returns a truthy value (not a
 * Promise). Every run ends with one `onclose` whose `details.will_retry` is
 * false.
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
export class Connection extends BaseConnection {
  /**
   * Creates a connection; call `open()` to start it.
   *
   * @param options Where to connect, the realm, retries and authentication.
   */
  constructor(options: ConnectionOptions) {
    super(options, { longpoll, rawsocket });
  }
}

/**
 * Opens a connection and resolves with its first session: the shortcut for
 * scripts. The session's `leave()` ends the connection too.
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
  return new Connection({ max_retries: 0, ...options }).openSession();
}
