/**
 * The error of a failed RawSocket handshake or a bad RawSocket frame.
 *
 * @module
 */

import { TransportError } from "./transport_error.ts";

/** What went wrong, as {@linkcode RawSocketError.code}. */
export type RawSocketErrorCode =
  /** Handshake error reply 1, or a request for a serializer not served. */
  | "serializer_unsupported"
  /** Handshake error reply 2. */
  | "length_unacceptable"
  /** Handshake error reply 3, or reserved bits set in a handshake or frame header. */
  | "reserved_bits"
  /** Handshake error reply 4. */
  | "max_connections"
  /** A handshake error reply with code 0 or 5 to 15. */
  | "unknown_error"
  /** The first octet is not 0x7F: the peer does not speak RawSocket. */
  | "not_rawsocket"
  /** The reply names another serializer than the one requested. */
  | "serializer_mismatch"
  /** A length prefix above the limit announced, or a message to send above the peer's. */
  | "message_too_long"
  /** The X bit set together with a non-zero length. */
  | "bad_length"
  /** A frame of a reserved type (3 to 7). */
  | "reserved_type"
  /** No complete handshake within the time limit. */
  | "handshake_timeout"
  /** The connection closed before the handshake completed. */
  | "closed";

/**
 * A RawSocket handshake or framing failure, with a {@linkcode code} for
 * each kind. A `TransportError`: when a router answers the handshake with
 * "serializer unsupported", `unsupported` is true.
 *
 * @example Usage
 * ```ts
 * import { connectRawSocket, denoConnector, RawSocketError } from "@wampkit/wamp";
 * import { Router } from "@wampkit/wamp/router";
 * import { serveRawSocket } from "@wampkit/wamp/router/deno";
 * import { CborSerializer } from "@wampkit/wamp/cbor";
 * import assert from "node:assert/strict";
 *
 * const server = serveRawSocket(new Router(), { port: 0 }); // JSON only
 * await assert.rejects(
 *   connectRawSocket(server.url, { serializers: [new CborSerializer()], connector: denoConnector() }),
 *   (e: unknown) =>
 *     e instanceof RawSocketError && e.name === "RawSocketError" &&
 *     e.code === "serializer_unsupported" && e.unsupported,
 * );
 * await server.shutdown();
 * ```
 */
export class RawSocketError extends TransportError {
  /** What went wrong. */
  readonly code: RawSocketErrorCode;

  /**
   * Creates a RawSocket error.
   *
   * @param message What went wrong.
   * @param options The code, and the standard `cause`.
   */
  constructor(
    message: string,
    options: ErrorOptions & { code: RawSocketErrorCode },
  ) {
    super(message, {
      cause: options.cause,
      unsupported: options.code === "serializer_unsupported",
    });
    this.name = "RawSocketError";
    this.code = options.code;
  }
}

const REPLY_ERRORS: Record<number, [RawSocketErrorCode, string]> = {
  1: ["serializer_unsupported", "serializer unsupported"],
  2: ["length_unacceptable", "maximum message length unacceptable"],
  3: ["reserved_bits", "use of reserved bits (unsupported feature)"],
  4: ["max_connections", "maximum connection count reached"],
};

/**
 * The error for a handshake error reply.
 *
 * @param code The error code of the reply (its upper 4 bits).
 * @returns The error.
 */
export function handshakeError(code: number): RawSocketError {
  const [name, text] = REPLY_ERRORS[code] ??
    ["unknown_error", `unknown error ${code}`];
  return new RawSocketError(`RawSocket handshake refused: ${text}`, {
    code: name,
  });
}
