/**
 * The Node.js connector: RawSocket over `node:net` (TCP, Unix sockets) and
 * `node:tls` (`rss://`). The modules are taken from
 * `process.getBuiltinModule` (Node 20.16 and later), not imported, so that
 * nothing that a browser loads names them; pass them in on older Node.
 *
 * @module
 */

import {
  type ByteStream,
  type ByteStreamHandlers,
  CLOSE_GRACE_MS,
} from "../byte_stream.ts";
import type { Connector } from "../rawsocket.ts";
import { TransportError } from "../transport_error.ts";

/** The part of a `node:net` socket the byte stream uses. */
export interface NodeSocketLike {
  /** Bytes queued by `write()` and not yet sent. */
  readonly writableLength: number;
  /**
   * Queues bytes.
   *
   * @param data The bytes.
   */
  write(data: Uint8Array): unknown;
  /** Sends FIN once the queue is written. */
  end(): unknown;
  /** Closes at once. */
  destroy(): unknown;
  /**
   * Sets `TCP_NODELAY`.
   *
   * @param noDelay Whether to turn Nagle's algorithm off.
   */
  setNoDelay?(noDelay?: boolean): unknown;
  /**
   * Listens for an event (`data`, `close`, `error`, `finish`, `connect`).
   *
   * @param event The event.
   * @param listener The listener.
   */
  // deno-lint-ignore no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /**
   * Listens for one event.
   *
   * @param event The event.
   * @param listener The listener.
   */
  // deno-lint-ignore no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown;
  /**
   * Removes a listener.
   *
   * @param event The event.
   * @param listener The listener.
   */
  // deno-lint-ignore no-explicit-any
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** The part of `node:net` the connector uses. */
export interface NodeNetLike {
  /**
   * Opens a TCP or Unix socket.
   *
   * @param options `{ host, port }` or `{ path }`.
   * @returns The socket, connecting.
   */
  connect(
    options: { host?: string; port?: number; path?: string },
  ): NodeSocketLike;
}

/** The part of `node:tls` the connector uses. */
export interface NodeTlsLike {
  /**
   * Opens a TLS socket.
   *
   * @param options Host, port, server name and TLS options.
   * @returns The socket, connecting.
   */
  connect(options: Record<string, unknown>): NodeSocketLike;
}

class NodeByteStream implements ByteStream {
  #socket: NodeSocketLike;
  #handlers: ByteStreamHandlers | undefined;
  #closing = false;
  #ended = false;
  #error: unknown;

  constructor(socket: NodeSocketLike) {
    this.#socket = socket;
    socket.setNoDelay?.(true);
    socket.on("error", (err: unknown) => this.#error = err);
    socket.on("close", () => this.#end());
  }

  get bufferedAmount(): number {
    return this.#ended ? 0 : this.#socket.writableLength;
  }

  write(bytes: Uint8Array): void {
    if (this.#closing || this.#ended) return;
    this.#socket.write(bytes);
  }

  close(): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    const socket = this.#socket;
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    socket.once("close", () => clearTimeout(timer));
    socket.once("finish", () => socket.destroy());
    socket.end();
  }

  listen(handlers: ByteStreamHandlers): void {
    if (this.#handlers) throw new Error("Byte stream already has a listener");
    this.#handlers = handlers;
    // Buffers become plain Uint8Array views (no copy): WAMP binary values
    // decoded from them are then plain Uint8Arrays too.
    this.#socket.on("data", (chunk: Uint8Array) => {
      if (!this.#ended) {
        handlers.data(
          new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
      }
    });
    if (this.#ended) handlers.end(this.#error);
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closing = true;
    this.#handlers?.end(this.#error);
  }
}

/**
 * A byte stream over a connected `node:net` (or `node:tls`) socket.
 *
 * @example A router of your own on `node:net`
 * ```ts
 * import * as net from "node:net";
 * import { connect, nodeByteStream } from "@wampkit/wamp";
 * import { acceptRawSocketConnection, Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router();
 * const server = net.createServer((socket) =>
 *   void acceptRawSocketConnection(router, nodeByteStream(socket))
 * );
 * await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
 * const { port } = server.address() as net.AddressInfo;
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "rawsocket", url: `rs://127.0.0.1:${port}` }],
 * });
 * assert.ok(session.isOpen);
 * await session.leave();
 * await router.close();
 * await new Promise((resolve) => server.close(resolve));
 * ```
 *
 * @param socket The socket, connected.
 * @returns The byte stream.
 */
export function nodeByteStream(socket: NodeSocketLike): ByteStream {
  return new NodeByteStream(socket);
}

/** Options of {@linkcode nodeConnector}. */
export interface NodeConnectorOptions {
  /**
   * `node:net`.
   *
   * @default {process.getBuiltinModule("node:net")}
   */
  net?: NodeNetLike;
  /**
   * `node:tls`, for `rss://`.
   *
   * @default {process.getBuiltinModule("node:tls")}
   */
  tls?: NodeTlsLike;
  /** More `tls.connect()` options, such as `ca` for a self-signed router. */
  tlsOptions?: Record<string, unknown>;
}

function isIp(host: string): boolean {
  return host.includes(":") || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

function builtin<T>(name: string): T | undefined {
  const process = (globalThis as {
    process?: { getBuiltinModule?: (id: string) => unknown };
  }).process;
  return process?.getBuiltinModule?.(name) as T | undefined;
}

/**
 * Opens RawSocket connections with Node's `node:net` (TCP with Nagle's
 * algorithm off, Unix sockets) and `node:tls` (`rss://`). Works in Node,
 * and in Deno and Bun through their Node compatibility.
 *
 * @example Usage
 * ```ts
 * import { connect, nodeConnector } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRawSocket } from "@wampkit/wamp/router/deno";
 * import assert from "node:assert/strict";
 *
 * const server = serveRawSocket(new Router(), { port: 0 });
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "rawsocket", url: server.url, connector: nodeConnector() }],
 * });
 * assert.equal(session.transport.info.type, "rawsocket");
 * await session.leave();
 * await server.shutdown();
 * ```
 *
 * @param options The modules (default: the runtime's) and TLS options.
 * @returns The connector.
 */
export function nodeConnector(options: NodeConnectorOptions = {}): Connector {
  return (address) => {
    const where = address.transport === "unix"
      ? address.path
      : `${address.hostname}:${address.port}`;
    const tls = address.transport === "tcp" && address.tls === true;
    const net = options.net ?? builtin<NodeNetLike>("node:net");
    const tlsModule = options.tls ?? builtin<NodeTlsLike>("node:tls");
    if (net === undefined || (tls && tlsModule === undefined)) {
      return Promise.reject(
        new TransportError(
          "No node:net in this runtime (process.getBuiltinModule needs Node 20.16): pass nodeConnector({ net })",
          { unsupported: true },
        ),
      );
    }
    return new Promise((resolve, reject) => {
      let socket: NodeSocketLike;
      try {
        socket = address.transport === "unix"
          ? net.connect({ path: address.path })
          : tls
          ? tlsModule!.connect({
            host: address.hostname,
            port: address.port,
            // SNI takes host names only
            ...(isIp(address.hostname) ? {} : { servername: address.hostname }),
            ...options.tlsOptions,
          })
          : net.connect({ host: address.hostname, port: address.port });
      } catch (err) {
        reject(
          new TransportError(`Cannot connect to ${where}: ${err}`, {
            cause: err,
          }),
        );
        return;
      }
      const connected = tls ? "secureConnect" : "connect";
      const failed = (err: Error) => {
        socket.removeListener(connected, opened);
        socket.destroy();
        reject(
          new TransportError(`Cannot connect to ${where}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      const opened = () => {
        socket.removeListener("error", failed);
        resolve(new NodeByteStream(socket));
      };
      socket.once("error", failed);
      socket.once(connected, opened);
    });
  };
}
