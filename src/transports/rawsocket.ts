/**
 * WAMP-over-RawSocket: a {@linkcode Transport} over any
 * {@linkcode ByteStream} (a TCP or Unix socket, given by a runtime's
 * connector), for clients ({@linkcode connectRawSocket}) and routers
 * ({@linkcode acceptRawSocket}), on the wire format of `rawsocket_codec.ts`.
 *
 * @module
 */

import { Inbox } from "./_base.ts";
import type { ByteStream, ByteStreamHandlers } from "./byte_stream.ts";
import {
  type DecodedFrame,
  decodeHandshake,
  encodeFrame,
  encodeHandshake,
  encodeHandshakeError,
  FrameDecoder,
  FrameType,
  type Handshake,
  HandshakeErrorCode,
  lengthExponent,
  RAWSOCKET_MAX_LENGTH,
  RAWSOCKET_MIN_LENGTH,
  writeFrameHeader,
} from "./rawsocket_codec.ts";
import { handshakeError, RawSocketError } from "./rawsocket_error.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "./transport.ts";
import { TransportError } from "./transport_error.ts";

const encoder = new TextEncoder();

/**
 * UTF-8 text or bytes as one frame (header written in place); throws
 * `message_too_long` past the limit.
 */
function messageFrame(frame: Frame, limit: number): Uint8Array {
  let payload: Uint8Array;
  if (typeof frame === "string") {
    if (frame.length <= 4096) {
      const buffer = new Uint8Array(4 + frame.length * 3);
      const { written } = encoder.encodeInto(frame, buffer.subarray(4));
      checkLimit(written, limit);
      writeFrameHeader(buffer, FrameType.MESSAGE, written);
      // A copy of the exact size: a queued frame must hold no more memory
      // than bufferedAmount counts (up to 3x more for ASCII otherwise).
      return buffer.slice(0, 4 + written);
    }
    payload = encoder.encode(frame);
  } else payload = frame;
  checkLimit(payload.length, limit);
  return encodeFrame(FrameType.MESSAGE, payload);
}

function checkLimit(length: number, limit: number): void {
  if (length > limit) {
    throw new RawSocketError(
      `Message of ${length} octets exceeds the peer's RawSocket limit of ${limit}`,
      { code: "message_too_long" },
    );
  }
}

/** What a RawSocket transport is set up with once its handshake is done. */
interface Negotiated {
  /** The subprotocol the serializer id stands for, such as `wamp.2.json`. */
  protocol: string;
  /** The URL, for `info`. */
  url?: string;
  /** The largest message the peer accepts. */
  sendLimit: number;
  /** The largest message this end accepts. */
  receiveLimit: number;
  /** Whether messages are bytes; text ones (JSON) are delivered as strings. */
  binary: boolean;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A text message as a string, as WebSocket delivers it; bytes that are not
 * UTF-8 are left to the serializer to refuse.
 */
function text(payload: Uint8Array): Frame {
  try {
    return decoder.decode(payload);
  } catch {
    return payload;
  }
}

class RawSocketTransport implements Transport {
  readonly info: TransportInfo;
  readonly handlers: ByteStreamHandlers;
  #stream: ByteStream;
  #sendLimit: number;
  #binary: boolean;
  #decoder: FrameDecoder;
  #inbox = new Inbox();
  #state: "open" | "closing" | "closed" = "open";
  #closeInfo: CloseInfo | undefined;

  constructor(stream: ByteStream, negotiated: Negotiated) {
    this.#stream = stream;
    this.#sendLimit = negotiated.sendLimit;
    this.#binary = negotiated.binary;
    this.#decoder = new FrameDecoder(negotiated.receiveLimit);
    this.info = {
      type: "rawsocket",
      url: negotiated.url,
      protocol: negotiated.protocol,
    };
    this.handlers = {
      data: (bytes) => this.#receive(bytes),
      end: (error) => this.#ended(error),
    };
  }

  get isOpen(): boolean {
    return this.#state === "open";
  }

  get bufferedAmount(): number {
    return this.#stream.bufferedAmount;
  }

  send(frame: Frame): void {
    if (this.#state !== "open") return;
    this.#stream.write(messageFrame(frame, this.#sendLimit));
  }

  close(code = 1000, reason = ""): void {
    if (this.#state !== "open") return;
    this.#state = "closing";
    this.#closeInfo = { code, reason, wasClean: true };
    this.#stream.close();
  }

  listen(handlers: TransportHandlers): void {
    this.#inbox.listen(handlers);
  }

  #receive(bytes: Uint8Array): void {
    if (this.#state !== "open") return;
    try {
      this.#decoder.push(bytes, this.#frame);
    } catch (err) {
      this.#fail(err as RawSocketError);
    }
  }

  #frame = ({ type, payload }: DecodedFrame): void => {
    if (this.#state !== "open") return;
    if (type === FrameType.MESSAGE) {
      this.#inbox.message(this.#binary ? payload : text(payload));
    } else if (type === FrameType.PING) {
      // A PONG never exceeds the peer's limit, and a peer that reads
      // nothing gets no more PONGs queued than one limit's worth: PINGs
      // cannot grow this end's outbound queue without bound.
      const stream = this.#stream;
      if (
        payload.byteLength <= this.#sendLimit &&
        stream.bufferedAmount <= this.#sendLimit
      ) stream.write(encodeFrame(FrameType.PONG, payload));
    }
    // A PONG answers a PING this end never sends: nothing to do.
  };

  /** Fails the connection, as the spec says for a bad frame. */
  #fail(err: RawSocketError): void {
    if (this.#state === "closed") return;
    this.#state = "closing";
    this.#closeInfo = {
      code: err.code === "message_too_long" ? 1009 : 1002,
      reason: err.message,
      wasClean: false,
    };
    this.#stream.close();
  }

  #ended(error: unknown): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#inbox.close(
      this.#closeInfo ??
        (error === undefined
          ? {
            code: 1000,
            reason: "Connection closed by the peer",
            wasClean: true,
          }
          : {
            code: 1006,
            reason: `Connection lost: ${errorText(error)}`,
            wasClean: false,
          }),
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Where a RawSocket connects: a TCP host and port (with TLS for `rss://`),
 * or a Unix socket path.
 */
export type RawSocketAddress =
  | {
    /** TCP. */
    readonly transport: "tcp";
    /** Host name or IP address (IPv6 without brackets). */
    readonly hostname: string;
    /** Port. */
    readonly port: number;
    /** TLS (`rss://`). */
    readonly tls?: boolean;
  }
  | {
    /** A Unix domain socket. */
    readonly transport: "unix";
    /** Its path. */
    readonly path: string;
  };

/**
 * Opens a byte stream to an address: one per runtime (Deno, Bun, Node,
 * Cloudflare Workers): `denoConnector()`, `bunConnector()`, `nodeConnector()`,
 * `workersConnector(connect)`.
 */
export type Connector = (address: RawSocketAddress) => Promise<ByteStream>;

/**
 * Reads a RawSocket URL: `rs://host:port` (TCP), `rss://host:port` (TLS),
 * `unix:///path` or, as autobahn-python writes it, `rs://unix:/path`. The
 * port defaults to 80 for `rs` and 443 for `rss`, as in autobahn-python.
 *
 * @example Usage
 * ```ts
 * import { parseRawSocketUrl } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseRawSocketUrl("rs://127.0.0.1:8081"), { transport: "tcp", hostname: "127.0.0.1", port: 8081, tls: false });
 * assert.deepEqual(parseRawSocketUrl("unix:///run/wamp.sock"), { transport: "unix", path: "/run/wamp.sock" });
 * ```
 *
 * @param url The URL.
 * @returns The address.
 */
export function parseRawSocketUrl(url: string): RawSocketAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`Invalid RawSocket URL ${url}`);
  }
  const scheme = u.protocol.slice(0, -1);
  if (scheme === "unix") {
    if (!u.pathname || u.hostname) {
      throw new TypeError(`Invalid RawSocket URL ${url}: use unix:///path`);
    }
    return { transport: "unix", path: decodeURIComponent(u.pathname) };
  }
  if (scheme !== "rs" && scheme !== "rss") {
    throw new TypeError(
      `Invalid RawSocket URL ${url}: the scheme must be rs, rss or unix`,
    );
  }
  if (u.hostname === "unix") {
    return { transport: "unix", path: decodeURIComponent(u.pathname) };
  }
  if (!u.hostname || (u.pathname !== "" && u.pathname !== "/") || u.search) {
    throw new TypeError(
      `Invalid RawSocket URL ${url}: expected ${scheme}://host:port`,
    );
  }
  const tls = scheme === "rss";
  return {
    transport: "tcp",
    hostname: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: u.port ? Number(u.port) : tls ? 443 : 80,
    tls,
  };
}

/** A serializer as RawSocket sees it: its id and its subprotocol name. */
export interface RawSocketOffer {
  /** The RawSocket serializer id (1 JSON, 2 MessagePack, 3 CBOR). */
  readonly rawSocketId: number;
  /** The subprotocol it stands for, such as `wamp.2.json`. */
  readonly protocol: string;
  /**
   * The largest message it accepts: announced to the router (rounded down
   * to a power of two, 512 to 2^24 octets).
   *
   * @default {16777216}
   */
  readonly maxMessageSize?: number;
  /**
   * Whether its messages are bytes (MessagePack, CBOR) rather than text
   * (JSON, delivered as strings).
   *
   * @default {true}
   */
  readonly binary?: boolean;
}

/** Options of {@linkcode connectRawSocket}. */
export interface RawSocketConnectOptions {
  /**
   * Serializers to request, in order: a router that answers "serializer
   * unsupported" is asked for the next one on a new connection. Serializer
   * objects (`new JsonSerializer()`) fit.
   */
  serializers: readonly RawSocketOffer[];
  /** Opens the byte stream: the runtime's connector (see {@linkcode Connector}). */
  connector: Connector;
  /**
   * Milliseconds for connecting and the handshake together.
   *
   * @default {10000}
   */
  timeout?: number;
}

/**
 * Connects to a router over RawSocket: opens a byte stream with the
 * connector, sends the handshake and checks the reply. Fails with
 * {@linkcode RawSocketError} (its `code` says which failure) or, when the
 * connector cannot connect, with a `TransportError`.
 *
 * @example Usage
 * ```ts
 * import { connectRawSocket, denoConnector, JsonSerializer } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRawSocket } from "@wampkit/wamp/router/deno";
 * import assert from "node:assert/strict";
 *
 * const server = serveRawSocket(new Router(), { port: 0 });
 * const transport = await connectRawSocket(server.url, {
 *   serializers: [new JsonSerializer()],
 *   connector: denoConnector(),
 * });
 * assert.deepEqual(transport.info, { type: "rawsocket", url: server.url, protocol: "wamp.2.json" });
 * transport.close();
 * await server.shutdown();
 * ```
 *
 * @param url `rs://host:port`, `rss://host:port`, `unix:///path`.
 * @param options Serializers, connector, time limit.
 * @returns The open transport.
 */
export async function connectRawSocket(
  url: string,
  options: RawSocketConnectOptions,
): Promise<Transport> {
  const address = parseRawSocketUrl(url);
  const deadline = Date.now() + (options.timeout ?? 10000);
  if (options.serializers.length === 0) {
    throw new TypeError("connectRawSocket needs at least one serializer");
  }
  let last: unknown;
  for (const offer of options.serializers) {
    try {
      return await attempt(url, address, offer, options.connector, deadline);
    } catch (err) {
      if (
        !(err instanceof RawSocketError) ||
        err.code !== "serializer_unsupported"
      ) throw err;
      last = err;
    }
  }
  throw last;
}

function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  timeout: () => Error,
  late: (value: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(timeout());
    }, Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1));
    promise.then((value) => {
      clearTimeout(timer);
      if (settled) late(value);
      else resolve(value);
    }, (err) => {
      clearTimeout(timer);
      if (!settled) reject(err);
    });
  });
}

async function attempt(
  url: string,
  address: RawSocketAddress,
  offer: RawSocketOffer,
  connector: Connector,
  deadline: number,
): Promise<Transport> {
  const stream = await withDeadline(
    Promise.resolve().then(() => connector(address)).catch((err) => {
      if (err instanceof TransportError) throw err;
      throw new TransportError(`Cannot connect to ${url}: ${errorText(err)}`, {
        cause: err,
      });
    }),
    deadline,
    () => new TransportError(`Timed out connecting to ${url}`),
    (late) => late.close(),
  );
  const receiveLimit = Math.max(
    RAWSOCKET_MIN_LENGTH,
    2 ** (lengthExponent(offer.maxMessageSize ?? RAWSOCKET_MAX_LENGTH) + 9),
  );
  return await new Promise<Transport>((resolve, reject) => {
    const reply = new Uint8Array(4);
    let filled = 0;
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.close();
      reject(err);
    };
    const timer = setTimeout(
      () =>
        fail(
          new RawSocketError(
            `No RawSocket handshake reply from ${url} in time`,
            { code: "handshake_timeout" },
          ),
        ),
      Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1),
    );
    let sink: ByteStreamHandlers = {
      data(bytes) {
        if (done) return;
        const take = Math.min(4 - filled, bytes.length);
        reply.set(bytes.subarray(0, take), filled);
        filled += take;
        if (filled < 4) return;
        let answer: Handshake | { error: number };
        try {
          answer = decodeHandshake(reply);
        } catch (err) {
          fail(err as Error);
          return;
        }
        if ("error" in answer) {
          fail(handshakeError(answer.error));
          return;
        }
        if (answer.serializerId !== offer.rawSocketId) {
          fail(
            new RawSocketError(
              `${url} answered with serializer ${answer.serializerId}, not the ${offer.rawSocketId} requested`,
              { code: "serializer_mismatch" },
            ),
          );
          return;
        }
        done = true;
        clearTimeout(timer);
        const transport = new RawSocketTransport(stream, {
          protocol: offer.protocol,
          url,
          sendLimit: answer.maxLength,
          receiveLimit,
          binary: offer.binary ?? true,
        });
        sink = transport.handlers;
        if (take < bytes.length) sink.data(bytes.subarray(take));
        resolve(transport);
      },
      end(error) {
        fail(
          new RawSocketError(
            `${url} closed the connection during the RawSocket handshake (a router that does not serve ${offer.protocol} may close without an error reply)`,
            { code: "closed", cause: error },
          ),
        );
      },
    };
    stream.listen({
      data: (bytes) => sink.data(bytes),
      end: (error) => sink.end(error),
    });
    stream.write(
      encodeHandshake({
        serializerId: offer.rawSocketId,
        maxLength: receiveLimit,
      }),
    );
  });
}

/** A router's answer to a handshake request: accept, or an error code. */
export type RawSocketDecision =
  | {
    /** The subprotocol of the requested serializer. */
    readonly protocol: string;
    /** The largest message the router accepts (rounded down to a power of two). */
    readonly maxLength: number;
    /**
     * Whether messages are bytes rather than text (JSON, delivered as
     * strings).
     *
     * @default {true}
     */
    readonly binary?: boolean;
  }
  | {
    /** The error reply, a {@linkcode HandshakeErrorCode}. */
    readonly error: number;
  };

/** Options of {@linkcode acceptRawSocket}. */
export interface RawSocketAcceptOptions {
  /**
   * Decides a well-formed request (serializer id 0 included: it is not
   * served). Requests that do not start with 0x7F are failed without a
   * reply; requests with reserved bits set get error reply 3.
   *
   * @param request The client's serializer and limit.
   * @returns The decision.
   */
  decide(request: Handshake): RawSocketDecision;
  /** Milliseconds the client has to send its 4 octets. */
  timeout: number;
  /**
   * Timers for the time limit (a router passes its own clock).
   *
   * @default {globalThis's setTimeout and clearTimeout}
   */
  clock?: {
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(id: unknown): void;
  };
}

/**
 * Serves the router's side of the handshake on an accepted byte stream:
 * reads the client's 4 octets, answers with the decision (or the error
 * reply), and resolves with the transport. Rejects with
 * {@linkcode RawSocketError}, the stream closed, when the handshake fails
 * or is refused.
 *
 * @param stream The accepted connection.
 * @param options The decision and the time limit.
 * @returns The open transport.
 */
export function acceptRawSocket(
  stream: ByteStream,
  options: RawSocketAcceptOptions,
): Promise<Transport> {
  const clock = options.clock ?? {
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (id: unknown) => clearTimeout(id as number),
  };
  return new Promise<Transport>((resolve, reject) => {
    const request = new Uint8Array(4);
    let filled = 0;
    let done = false;
    const fail = (err: RawSocketError, reply?: number) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      if (reply !== undefined) stream.write(encodeHandshakeError(reply));
      stream.close();
      reject(err);
    };
    const timer = clock.setTimeout(
      () =>
        fail(
          new RawSocketError(
            `No RawSocket handshake within ${options.timeout} ms`,
            { code: "handshake_timeout" },
          ),
        ),
      Math.min(options.timeout, 2 ** 31 - 1),
    );
    let sink: ByteStreamHandlers = {
      data(bytes) {
        if (done) return;
        const take = Math.min(4 - filled, bytes.length);
        request.set(bytes.subarray(0, take), filled);
        filled += take;
        if (filled < 4) return;
        let asked: Handshake | { error: number };
        try {
          asked = decodeHandshake(request);
        } catch (err) {
          const e = err as RawSocketError;
          fail(
            e,
            e.code === "reserved_bits"
              ? HandshakeErrorCode.RESERVED_BITS
              : undefined,
          );
          return;
        }
        const decision = options.decide(
          "error" in asked
            ? { serializerId: 0, maxLength: 2 ** ((request[1]! >> 4) + 9) }
            : asked,
        );
        if ("error" in decision) {
          fail(handshakeError(decision.error), decision.error);
          return;
        }
        done = true;
        clock.clearTimeout(timer);
        const serializerId = request[1]! & 0x0f;
        const receiveLimit = Math.max(
          RAWSOCKET_MIN_LENGTH,
          2 ** (lengthExponent(decision.maxLength) + 9),
        );
        stream.write(
          encodeHandshake({ serializerId, maxLength: receiveLimit }),
        );
        const transport = new RawSocketTransport(stream, {
          protocol: decision.protocol,
          sendLimit: 2 ** ((request[1]! >> 4) + 9),
          receiveLimit,
          binary: decision.binary ?? true,
        });
        sink = transport.handlers;
        if (take < bytes.length) sink.data(bytes.subarray(take));
        resolve(transport);
      },
      end(error) {
        fail(
          new RawSocketError(
            "The client closed the connection during the RawSocket handshake",
            { code: "closed", cause: error },
          ),
        );
      },
    };
    stream.listen({
      data: (bytes) => sink.data(bytes),
      end: (error) => sink.end(error),
    });
  });
}

/**
 * Refuses a connection at once with a handshake error reply, without
 * reading its request (for a router that has as many connections as it
 * allows: {@linkcode HandshakeErrorCode.MAX_CONNECTIONS}).
 *
 * @param stream The accepted connection.
 * @param code The error code.
 */
export function refuseRawSocket(stream: ByteStream, code: number): void {
  stream.listen({ data() {}, end() {} });
  stream.write(encodeHandshakeError(code));
  stream.close();
}
