/**
 * The Deno connector: RawSocket over `Deno.connect` (TCP, Unix sockets) and
 * `Deno.connectTls` (`rss://`).
 *
 * @module
 */

import { type ByteStream, webByteStream } from "../byte_stream.ts";
import type { Connector, RawSocketAddress } from "../rawsocket.ts";
import { TransportError } from "../transport_error.ts";

/** The part of a Deno connection a byte stream uses. */
export interface DenoConnLike {
  /** The bytes received. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Where bytes to send go. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes the connection. */
  close(): void;
  /**
   * Reads into a buffer.
   *
   * @param into The buffer.
   * @returns Bytes read, or null at the end.
   */
  read(into: Uint8Array): Promise<number | null>;
  /**
   * Writes bytes, possibly only some.
   *
   * @param bytes The bytes.
   * @returns Bytes written.
   */
  write(bytes: Uint8Array): Promise<number>;
}

/**
 * A byte stream over a Deno connection (from `Deno.connect` or a
 * `Deno.listen` listener).
 *
 * @example A router of your own on `Deno.listen`
 * ```ts
 * import { connect, denoByteStream } from "@wampkit/wamp";
 * import { acceptRawSocketConnection, Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * (async () => {
 *   for await (const conn of listener) void acceptRawSocketConnection(router, denoByteStream(conn));
 * })();
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "rawsocket", url: `rs://127.0.0.1:${listener.addr.port}` }],
 * });
 * assert.ok(session.isOpen);
 * await session.leave();
 * await router.close();
 * listener.close();
 * ```
 *
 * @param conn The connection.
 * @returns The byte stream.
 */
export function denoByteStream(conn: DenoConnLike): ByteStream {
  return webByteStream({
    readable: conn.readable,
    writable: conn.writable,
    close: () => conn.close(),
    read: (into) => conn.read(into),
    write: (bytes) => conn.write(bytes),
  });
}

/** Options of {@linkcode denoConnector}. */
export interface DenoConnectorOptions {
  /**
   * PEM certificates to trust for `rss://`, besides the system's (for a
   * router with a self-signed certificate).
   */
  caCerts?: string[];
}

function where(address: RawSocketAddress): string {
  return address.transport === "unix"
    ? address.path
    : `${address.hostname}:${address.port}`;
}

/**
 * Opens RawSocket connections with Deno's own sockets: TCP (Nagle's
 * algorithm off), Unix sockets, TLS for `rss://`. Without the permission
 * (`--allow-net=host:port`; for a Unix socket `--allow-read`, `--allow-write`
 * and `--allow-net=unix:/path`) it fails with a `TransportError` whose
 * `denied` is true and whose message names the flags.
 *
 * @example Usage
 * ```ts
 * import { connect, denoConnector } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRawSocket } from "@wampkit/wamp/router/deno";
 * import assert from "node:assert/strict";
 *
 * const server = serveRawSocket(new Router(), { port: 0 });
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "rawsocket", url: server.url, connector: denoConnector() }],
 * });
 * assert.equal(session.transport.info.type, "rawsocket");
 * await session.leave();
 * await server.shutdown();
 * ```
 *
 * @param options Certificates to trust for TLS.
 * @returns The connector.
 */
export function denoConnector(options: DenoConnectorOptions = {}): Connector {
  return async (address) => {
    let conn: Deno.Conn;
    try {
      if (address.transport === "unix") {
        conn = await Deno.connect({ transport: "unix", path: address.path });
      } else if (address.tls) {
        conn = await Deno.connectTls({
          hostname: address.hostname,
          port: address.port,
          caCerts: options.caCerts,
        });
      } else {
        const tcp = await Deno.connect({
          hostname: address.hostname,
          port: address.port,
        });
        tcp.setNoDelay(true);
        conn = tcp;
      }
    } catch (err) {
      const name = (err as { name?: unknown } | null)?.name;
      if (name === "NotCapable" || name === "PermissionDenied") {
        const flag = address.transport === "unix"
          ? `--allow-read=${address.path} --allow-write=${address.path} --allow-net=unix:${address.path}`
          : `--allow-net=${address.hostname}:${address.port}`;
        throw new TransportError(
          `No permission to connect to ${
            where(address)
          } (${name}): run Deno with ${flag}`,
          { cause: err, denied: true },
        );
      }
      throw new TransportError(
        `Cannot connect to ${where(address)}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return denoByteStream(conn);
  };
}
