/**
 * The router's side of RawSocket, whatever the runtime: what to answer a
 * client's handshake, and the router's limits for connections still in
 * it. Runtime adapters listen and hand each accepted connection, as a byte
 * stream, to {@linkcode acceptRawSocketConnection}.
 *
 * @module
 */

import type { ByteStream } from "../transports/byte_stream.ts";
import {
  acceptRawSocket,
  type RawSocketDecision,
  refuseRawSocket,
} from "../transports/rawsocket.ts";
import {
  type Handshake,
  HandshakeErrorCode,
} from "../transports/rawsocket_codec.ts";
import { type Router, type RouterHost, routerHost } from "./router.ts";

/**
 * The smallest message limit a client may announce: the router's WELCOME
 * (about 640 octets in JSON) must fit. A client that asks for less (2^9
 * octets) gets error reply 2, "maximum message length unacceptable".
 */
export const MIN_CLIENT_LENGTH = 1024;

/**
 * The router's answer to a RawSocket handshake request: the requested
 * serializer if the router serves it (announcing its `maxMessageSize`,
 * rounded down to a power of two), else error reply 1; error reply 2 for
 * a client that cannot receive {@linkcode MIN_CLIENT_LENGTH} octets.
 *
 * @example Usage
 * ```ts
 * import { decideRawSocket, Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router(); // JSON only
 * assert.deepEqual(decideRawSocket(router, { serializerId: 1, maxLength: 2 ** 24 }), {
 *   protocol: "wamp.2.json",
 *   maxLength: 2 ** 24,
 *   binary: false,
 * });
 * assert.deepEqual(decideRawSocket(router, { serializerId: 2, maxLength: 2 ** 24 }), { error: 1 });
 * assert.deepEqual(decideRawSocket(router, { serializerId: 1, maxLength: 512 }), { error: 2 });
 * ```
 *
 * @param router The router.
 * @param request The client's serializer and limit.
 * @returns The decision.
 */
export function decideRawSocket(
  router: Router,
  request: Handshake,
): RawSocketDecision {
  return decide(routerHost(router), request);
}

function decide(host: RouterHost, request: Handshake): RawSocketDecision {
  const serializer = host.serializers.find((s) =>
    s.rawSocketId === request.serializerId
  );
  if (serializer === undefined) {
    return { error: HandshakeErrorCode.SERIALIZER_UNSUPPORTED };
  }
  if (request.maxLength < MIN_CLIENT_LENGTH) {
    return { error: HandshakeErrorCode.LENGTH_UNACCEPTABLE };
  }
  return {
    protocol: serializer.protocol,
    maxLength: serializer.maxMessageSize,
    binary: serializer.binary,
  };
}

/**
 * Serves one accepted connection: the RawSocket handshake under the
 * router's limits, then the WAMP session. Connections in their RawSocket
 * handshake count, with those not yet WELCOMEd, towards
 * `maxPendingHandshakes`: past it a connection gets error reply 4 ("maximum
 * connection count reached") at once. A client has `helloTimeout` to send
 * its 4 octets, and `helloTimeout` again from then to be WELCOMEd.
 * Refused or failed handshakes close the connection; the router carries
 * on.
 *
 * @example A listener of your own (here `node:net`)
 * ```ts
 * import * as net from "node:net";
 * import { connect, JsonSerializer, nodeByteStream } from "@wampkit/wamp";
 * import { acceptRawSocketConnection, Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ serializers: [new JsonSerializer()] });
 * const accepted: Promise<boolean>[] = [];
 * const server = net.createServer((socket) =>
 *   accepted.push(acceptRawSocketConnection(router, nodeByteStream(socket)))
 * );
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const url = `rs://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
 * const session = await connect({ realm: "realm1", transports: [{ type: "rawsocket", url }] });
 * assert.deepEqual(await Promise.all(accepted), [true]);
 * await session.leave();
 * await router.close();
 * await new Promise((resolve) => server.close(resolve));
 * ```
 *
 * @param router The router.
 * @param stream The accepted connection.
 * @returns Resolves once the handshake is over: true when the session was
 *   handed to the router, false when the connection was refused or failed.
 */
export async function acceptRawSocketConnection(
  router: Router,
  stream: ByteStream,
): Promise<boolean> {
  const host = routerHost(router);
  if (!host.reserveHandshake()) {
    refuseRawSocket(stream, HandshakeErrorCode.MAX_CONNECTIONS);
    return false;
  }
  let transport;
  try {
    transport = await acceptRawSocket(stream, {
      decide: (request) => decide(host, request),
      timeout: host.helloTimeout,
      clock: host.clock,
    });
  } catch {
    return false;
  } finally {
    host.releaseHandshake();
  }
  return router.accept(transport);
}
