/**
 * The WebSocket transport over the web-standard `WebSocket`, for clients
 * (connect to a URL) and servers (wrap an accepted socket).
 *
 * @module
 */

import { Inbox } from "./_base.ts";
import { openError } from "./_open_error.ts";
import type {
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "./transport.ts";
import { TransportError } from "./transport_error.ts";

/** The part of the web-standard WebSocket this transport uses. */
export interface WebSocketLike {
  /** The negotiated subprotocol. */
  readonly protocol: string;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by `send()` and not yet sent (absent in some runtimes). */
  readonly bufferedAmount?: number;
  /** How incoming binary messages are typed. */
  binaryType: string;
  /**
   * Sends a message.
   *
   * @param data Text or bytes.
   */
  send(data: string | ArrayBufferLike | Uint8Array): void;
  /**
   * Starts the closing handshake.
   *
   * @param code Close code.
   * @param reason Close reason.
   */
  close(code?: number, reason?: string): void;
  /**
   * Listens for `open`, `message`, `close` and `error`.
   *
   * @param type Event type.
   * @param listener The listener.
   */
  addEventListener(
    type: string,
    // deno-lint-ignore no-explicit-any
    listener: (event: any) => void,
  ): void;
}

/** A WebSocket constructor, injectable for runtimes that need their own. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

class WebSocketTransport implements Transport {
  readonly info: TransportInfo;
  #socket: WebSocketLike;
  #inbox = new Inbox();

  constructor(socket: WebSocketLike, url?: string, protocol?: string) {
    this.#socket = socket;
    this.info = {
      type: "websocket",
      url,
      protocol: protocol || socket.protocol,
    };
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event: { data: unknown }) => {
      const data = event.data;
      if (typeof data === "string") this.#inbox.message(data);
      else if (data instanceof ArrayBuffer) {
        this.#inbox.message(new Uint8Array(data));
      } else if (data instanceof Uint8Array) this.#inbox.message(data);
    });
    socket.addEventListener(
      "close",
      (event: { code?: number; reason?: string; wasClean?: boolean }) => {
        this.#inbox.close({
          code: event.code ?? 1006,
          reason: event.reason ?? "",
          wasClean: event.wasClean ?? false,
        });
      },
    );
  }

  get isOpen(): boolean {
    return this.#socket.readyState === 1;
  }

  get bufferedAmount(): number | undefined {
    return this.#socket.bufferedAmount;
  }

  send(frame: Frame): void {
    if (this.#socket.readyState !== 1) return;
    this.#socket.send(frame);
  }

  close(code = 1000, reason = ""): void {
    if (this.#socket.readyState >= 2) return;
    try {
      this.#socket.close(code, reason);
    } catch {
      this.#socket.close();
    }
  }

  listen(handlers: TransportHandlers): void {
    this.#inbox.listen(handlers);
  }
}

/**
 * Wraps a WebSocket that is already open, such as one a server accepted.
 *
 * @example Usage
 * ```ts ignore
 * import { wrapWebSocket } from "@wampkit/wamp";
 *
 * const { socket, response } = Deno.upgradeWebSocket(request, { protocol: "wamp.2.json" });
 * socket.addEventListener("open", () => router.accept(wrapWebSocket(socket, { protocol: "wamp.2.json" })));
 * ```
 *
 * @param socket An open web-standard WebSocket.
 * @param options The negotiated subprotocol (server sockets may not report
 *   it) and the URL to report in `info`.
 * @returns The transport.
 */
export function wrapWebSocket(
  socket: WebSocketLike,
  options: { protocol?: string; url?: string } = {},
): Transport {
  return new WebSocketTransport(socket, options.url, options.protocol);
}

/** Options for {@linkcode connectWebSocket}. */
export interface WebSocketConnectOptions {
  /** Subprotocols to offer, in order of preference. */
  protocols: string[];
  /**
   * The WebSocket class to use.
   *
   * @default {globalThis.WebSocket}
   */
  WebSocket?: WebSocketConstructor;
  /**
   * Give up opening after this many milliseconds.
   *
   * @default {10000}
   */
  timeout?: number;
}

/**
 * Opens a WebSocket to a WAMP router, offering the given subprotocols. Fails
 * with {@linkcode TransportError} when the socket cannot open, when the
 * server agrees on no offered subprotocol (`unsupported` is then true), or
 * when the runtime lacks the permission to connect (`denied` is then true,
 * and the message names the flag to add, such as `--allow-net=host:port`).
 *
 * @example Usage
 * ```ts ignore
 * import { connectWebSocket } from "@wampkit/wamp";
 *
 * const transport = await connectWebSocket("ws://127.0.0.1:8080/ws", {
 *   protocols: ["wamp.2.json"],
 * });
 * ```
 *
 * @param url `ws://` or `wss://` URL.
 * @param options Subprotocols, WebSocket class and timeout.
 * @returns The open transport.
 */
export function connectWebSocket(
  url: string,
  options: WebSocketConnectOptions,
): Promise<Transport> {
  const Ctor = options.WebSocket ??
    (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (Ctor === undefined) {
    return Promise.reject(
      new TransportError("No WebSocket class in this runtime: pass one in", {
        unsupported: true,
      }),
    );
  }
  return new Promise((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new Ctor(url, options.protocols);
    } catch (err) {
      reject(openError(url, err));
      return;
    }
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.close();
      reject(new TransportError(`Timed out opening ${url}`));
    }, Math.min(options.timeout ?? 10000, 2 ** 31 - 1));
    const fail = (message: string, unsupported = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new TransportError(message, { unsupported }));
    };
    socket.addEventListener("open", () => {
      if (settled) return;
      if (!options.protocols.includes(socket.protocol)) {
        socket.close(1002, "no agreed subprotocol");
        fail(
          `${url} agreed on no offered subprotocol (${
            options.protocols.join(", ")
          })`,
          true,
        );
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve(new WebSocketTransport(socket, url));
    });
    socket.addEventListener("error", (event: { message?: string }) => {
      fail(
        `Cannot connect to ${url}${event?.message ? `: ${event.message}` : ""}`,
      );
    });
    socket.addEventListener("close", (event: { code?: number }) => {
      fail(`Connection to ${url} closed before it opened (${event?.code})`);
    });
  });
}
