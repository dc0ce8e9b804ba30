/**
 * The Bun connector: RawSocket over `Bun.connect` (TCP, Unix sockets, TLS
 * for `rss://`), and the byte stream over a Bun socket that the Bun router
 * adapter shares.
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

/** The part of a Bun TCP or Unix socket the byte stream uses. */
export interface BunSocketLike {
  /** Per-socket data: the adapter keeps the byte stream there. */
  data: unknown;
  /**
   * Writes what the kernel takes now.
   *
   * @param data The bytes.
   * @returns How many bytes were written (the rest is the caller's to retry on `drain`).
   */
  write(data: Uint8Array): number;
  /** Closes the socket after a FIN. */
  end(): unknown;
  /** Closes the socket at once. */
  terminate?(): unknown;
  /**
   * Sets `TCP_NODELAY`.
   *
   * @param noDelay Whether to turn Nagle's algorithm off.
   */
  setNoDelay?(noDelay?: boolean): unknown;
}

/**
 * A byte stream over a Bun socket. Bun writes only what the kernel takes:
 * the rest waits here for `drain` and is `bufferedAmount`. Bun hands
 * received bytes to the handler in a buffer it may reuse, so they are
 * copied.
 */
export class BunByteStream implements ByteStream {
  #socket: BunSocketLike;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #handlers: ByteStreamHandlers | undefined;
  #held: Uint8Array[] = [];
  #closing = false;
  #ended = false;
  #endError: unknown;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Wraps an open socket; set it as the socket's `data` so that
   * {@linkcode bunSocketHandlers} reach it.
   *
   * @param socket The socket.
   */
  constructor(socket: BunSocketLike) {
    this.#socket = socket;
    socket.setNoDelay?.(true);
  }

  /** Bytes waiting for the kernel to take them. */
  get bufferedAmount(): number {
    return this.#queued;
  }

  /**
   * Writes bytes, queueing what the kernel does not take now.
   *
   * @param bytes The bytes.
   */
  write(bytes: Uint8Array): void {
    if (this.#closing || this.#ended) return;
    if (this.#queue.length === 0) {
      const n = Math.max(0, this.#socket.write(bytes));
      if (n >= bytes.length) return;
      bytes = bytes.subarray(n);
    }
    this.#queue.push(bytes);
    this.#queued += bytes.length;
  }

  /** Closes once the queue is written (or after a grace period). */
  close(): void {
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    if (this.#queued === 0) this.#socket.end();
    else {
      this.#timer = setTimeout(() => {
        if (this.#socket.terminate) this.#socket.terminate();
        else this.#socket.end();
      }, CLOSE_GRACE_MS);
    }
  }

  /**
   * Starts delivering bytes and the end.
   *
   * @param handlers The callbacks.
   */
  listen(handlers: ByteStreamHandlers): void {
    if (this.#handlers) throw new Error("Byte stream already has a listener");
    this.#handlers = handlers;
    const held = this.#held;
    this.#held = [];
    for (const bytes of held) handlers.data(bytes);
    if (this.#ended) handlers.end(this.#endError);
  }

  /**
   * Bun's `data` event.
   *
   * @param bytes What Bun read.
   */
  received(bytes: Uint8Array): void {
    if (this.#ended) return;
    const copy = bytes.slice();
    if (this.#handlers) this.#handlers.data(copy);
    else this.#held.push(copy);
  }

  /** Bun's `drain` event: the kernel takes more. */
  drained(): void {
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const n = Math.max(0, this.#socket.write(head));
      this.#queued -= n;
      if (n < head.length) {
        this.#queue[0] = head.subarray(n);
        return;
      }
      this.#queue.shift();
    }
    if (this.#closing && !this.#ended) {
      clearTimeout(this.#timer);
      this.#socket.end();
    }
  }

  /**
   * Bun's `close` (or `error`) event.
   *
   * @param error Why, when it failed.
   */
  ended(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#queue = [];
    this.#queued = 0;
    this.#endError = error;
    this.#handlers?.end(error);
  }
}

/** Bun's socket handlers, as `Bun.connect` and `Bun.listen` take them. */
export interface BunSocketHandlers {
  /**
   * A connection opened.
   *
   * @param socket The socket.
   */
  open(socket: BunSocketLike): void;
  /**
   * Bytes arrived.
   *
   * @param socket The socket.
   * @param data The bytes.
   */
  data(socket: BunSocketLike, data: Uint8Array): void;
  /**
   * The kernel takes more bytes.
   *
   * @param socket The socket.
   */
  drain(socket: BunSocketLike): void;
  /**
   * The peer sent FIN: close too.
   *
   * @param socket The socket.
   */
  end(socket: BunSocketLike): void;
  /**
   * The socket closed.
   *
   * @param socket The socket.
   * @param error Why, when it failed.
   */
  close(socket: BunSocketLike, error?: unknown): void;
  /**
   * The socket failed.
   *
   * @param socket The socket.
   * @param error Why.
   */
  error(socket: BunSocketLike, error: unknown): void;
}

/**
 * The socket handlers that route Bun's events to the
 * {@linkcode BunByteStream} kept as each socket's `data`; `opened` gets
 * each new one (for `Bun.listen`; `Bun.connect` opens one).
 *
 * @example Usage
 * ```ts ignore
 * import { bunSocketHandlers } from "@wampkit/wamp";
 *
 * Bun.listen({ hostname: "127.0.0.1", port: 8081, socket: bunSocketHandlers((stream) => serve(stream)) });
 * ```
 *
 * @param opened Called with the byte stream of each new socket.
 * @returns The handlers.
 */
export function bunSocketHandlers(
  opened: (stream: BunByteStream) => void,
): BunSocketHandlers {
  const stream = (socket: BunSocketLike) =>
    socket.data instanceof BunByteStream ? socket.data : undefined;
  return {
    open(socket) {
      const s = new BunByteStream(socket);
      socket.data = s;
      opened(s);
    },
    data: (socket, data) => stream(socket)?.received(data),
    drain: (socket) => stream(socket)?.drained(),
    end: (socket) => void socket.end(),
    close: (socket, error) => stream(socket)?.ended(error ?? undefined),
    error: (socket, error) => stream(socket)?.ended(error),
  };
}

interface BunGlobal {
  connect(options: {
    hostname?: string;
    port?: number;
    unix?: string;
    tls?: boolean | Record<string, unknown>;
    socket: BunSocketHandlers & {
      connectError?(socket: BunSocketLike, error: unknown): void;
      handshake?(
        socket: BunSocketLike,
        success: boolean,
        authorizationError: Error | null,
      ): void;
    };
  }): Promise<BunSocketLike>;
}

/** Options of {@linkcode bunConnector}. */
export interface BunConnectorOptions {
  /**
   * Bun's TLS options for `rss://` (such as `{ ca }` for a router with a
   * self-signed certificate).
   *
   * @default {true}
   */
  tls?: boolean | Record<string, unknown>;
}

/**
 * Opens RawSocket connections with `Bun.connect`: TCP (Nagle's algorithm
 * off), Unix sockets, TLS for `rss://`.
 *
 * @example Usage
 * ```ts ignore
 * import { bunConnector, connect } from "@wampkit/wamp";
 *
 * const session = await connect({
 *   realm: "realm1",
 *   transports: [{ type: "rawsocket", url: "rs://127.0.0.1:8081", connector: bunConnector() }],
 * });
 * ```
 *
 * @param options TLS options.
 * @returns The connector.
 */
export function bunConnector(options: BunConnectorOptions = {}): Connector {
  return async (address) => {
    const bun = (globalThis as { Bun?: BunGlobal }).Bun;
    if (bun === undefined) {
      throw new TransportError("bunConnector needs Bun", { unsupported: true });
    }
    const tls = address.transport === "tcp" && address.tls === true;
    // Ready once open, and for TLS once the certificate is verified (Bun
    // calls `open` before the TLS handshake, or, without a `handshake`
    // handler, after `connect` resolves).
    const ready = Promise.withResolvers<BunByteStream>();
    ready.promise.catch(() => {});
    let stream: BunByteStream | undefined;
    const shared = bunSocketHandlers((s) => {
      stream = s;
      if (!tls) ready.resolve(s);
    });
    const gone = (error: unknown) =>
      ready.reject(error ?? new Error("closed before it opened"));
    const handlers = {
      ...shared,
      close(socket: BunSocketLike, error?: unknown) {
        shared.close(socket, error);
        gone(error);
      },
      error(socket: BunSocketLike, error: unknown) {
        shared.error(socket, error);
        gone(error);
      },
      connectError: (_socket: BunSocketLike, error: unknown) => gone(error),
      handshake(
        _socket: BunSocketLike,
        success: boolean,
        authorizationError: Error | null,
      ) {
        if (success && stream) ready.resolve(stream);
        else gone(authorizationError ?? new Error("TLS handshake failed"));
      },
    };
    const where = address.transport === "unix"
      ? address.path
      : `${address.hostname}:${address.port}`;
    try {
      await bun.connect(
        address.transport === "unix"
          ? { unix: address.path, socket: handlers }
          : {
            hostname: address.hostname,
            port: address.port,
            tls: tls ? (options.tls ?? true) : undefined,
            socket: handlers,
          },
      );
      return await ready.promise;
    } catch (err) {
      stream?.close();
      throw new TransportError(
        `Cannot connect to ${where}: ${(err as Error)?.message ?? err}`,
        { cause: err },
      );
    }
  };
}
