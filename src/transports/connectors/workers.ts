/**
 * The Cloudflare Workers connector: RawSocket over the `connect()` of
 * `cloudflare:sockets`, which the Worker passes in (the library imports
 * nothing).
 *
 * @module
 */

import { webByteStream } from "../byte_stream.ts";
import type { Connector } from "../rawsocket.ts";
import { TransportError } from "../transport_error.ts";

/** The part of a Cloudflare socket the connector uses. */
export interface WorkersSocketLike {
  /** The bytes received. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Where bytes to send go. */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves once connected; rejects when the connection fails. */
  readonly opened: Promise<unknown>;
  /** Closes the socket. */
  close(): Promise<void> | void;
}

/** The `connect()` of `cloudflare:sockets`. */
export type WorkersConnect = (
  address: { hostname: string; port: number },
  options?: {
    secureTransport?: "off" | "on" | "starttls";
    allowHalfOpen?: boolean;
  },
) => WorkersSocketLike;

/**
 * Opens RawSocket connections with Cloudflare's `connect()` (TCP, and TLS
 * for `rss://`; Workers have no Unix sockets).
 *
 * @example Usage
 * ```ts ignore
 * import { connect as tcp } from "cloudflare:sockets";
 * import { connect, workersConnector } from "@wampkit/wamp";
 *
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "rawsocket", url: "rs://router.example.com:8081", connector: workersConnector(tcp) }],
 * });
 * ```
 *
 * @param connect The `connect` function of `cloudflare:sockets`.
 * @returns The connector.
 */
export function workersConnector(connect: WorkersConnect): Connector {
  return async (address) => {
    if (address.transport === "unix") {
      throw new TransportError(
        "Cloudflare sockets cannot open Unix sockets",
        { unsupported: true },
      );
    }
    const where = `${address.hostname}:${address.port}`;
    let socket: WorkersSocketLike;
    try {
      socket = connect({ hostname: address.hostname, port: address.port }, {
        secureTransport: address.tls ? "on" : "off",
        allowHalfOpen: false,
      });
      await socket.opened;
    } catch (err) {
      throw new TransportError(
        `Cannot connect to ${where}: ${(err as Error)?.message ?? err}`,
        { cause: err },
      );
    }
    return webByteStream({
      readable: socket.readable,
      writable: socket.writable,
      close: () => void Promise.resolve(socket.close()).catch(() => {}),
    });
  };
}
