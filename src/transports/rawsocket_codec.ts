/**
 * The RawSocket wire format, as pure functions: the opening handshake and
 * the frame header of the spec's "RawSocket Transport" section, and a
 * decoder that splits received bytes into frames.
 *
 * Handshake: 4 octets each way, `7F`, then `LLLL SSSS` (the largest
 * message the sender accepts, 2^(9+L) octets, and the serializer: 1 JSON,
 * 2 MessagePack, 3 CBOR), then two reserved zero octets. An error reply has
 * `SSSS` zero and the error in `LLLL`. Frames: 4 octets `RRRR XTTT` and a
 * 24-bit big-endian length (X is its 25th bit, set for exactly 2^24), then
 * the payload. T is 0 for a WAMP message, 1 PING, 2 PONG; R must be zero.
 *
 * @module
 */

import { RawSocketError } from "./rawsocket_error.ts";

/** The first octet of every handshake request and reply. */
export const RAWSOCKET_MAGIC = 0x7f;

/** The largest message RawSocket can carry: 2^24 octets (16 MiB). */
export const RAWSOCKET_MAX_LENGTH = 2 ** 24;

/** The smallest message limit a handshake can announce: 2^9 octets. */
export const RAWSOCKET_MIN_LENGTH = 2 ** 9;

/** The frame types (`TTT`); 3 to 7 are reserved. */
export const FrameType = {
  /** A serialized WAMP message. */
  MESSAGE: 0,
  /** A PING: the peer must answer with a PONG carrying the same payload. */
  PING: 1,
  /** The answer to a PING. */
  PONG: 2,
} as const;

/** One of the frame types. */
export type FrameType = typeof FrameType[keyof typeof FrameType];

/** The error codes of a handshake error reply (the upper 4 bits). */
export const HandshakeErrorCode = {
  /** The router does not speak the requested serializer. */
  SERIALIZER_UNSUPPORTED: 1,
  /** The router does not accept the client's maximum message length. */
  LENGTH_UNACCEPTABLE: 2,
  /** The request used reserved bits (an unsupported feature). */
  RESERVED_BITS: 3,
  /** The router has as many connections as it allows. */
  MAX_CONNECTIONS: 4,
} as const;

/**
 * The length exponent `L` announcing a limit: the largest L (0 to 15) with
 * 2^(9+L) ≤ `maxLength`, or 0 below 512 octets.
 *
 * @param maxLength The largest message, in octets.
 * @returns The exponent.
 */
export function lengthExponent(maxLength: number): number {
  let exponent = 0;
  while (exponent < 15 && 2 ** (exponent + 10) <= maxLength) exponent++;
  return exponent;
}

/** A handshake request, or a reply that accepts. */
export interface Handshake {
  /** The serializer id: 1 JSON, 2 MessagePack, 3 CBOR (0 is illegal). */
  readonly serializerId: number;
  /** The largest message the sender accepts, in octets (512 to 2^24). */
  readonly maxLength: number;
}

/**
 * Encodes a handshake request or accepting reply. The limit is rounded
 * down to a power of two (see {@linkcode lengthExponent}): JSON at 16 MiB
 * is `7F F1 00 00`, as Autobahn|JS sends it; Crossbar answers `7F B1 00 00`
 * (JSON, 1 MiB).
 *
 * @param handshake Serializer and limit.
 * @returns The 4 octets.
 */
export function encodeHandshake(handshake: Handshake): Uint8Array {
  const id = handshake.serializerId;
  if (!Number.isInteger(id) || id < 1 || id > 15) {
    throw new RangeError(`RawSocket serializer id must be 1 to 15, got ${id}`);
  }
  return new Uint8Array([
    RAWSOCKET_MAGIC,
    (lengthExponent(handshake.maxLength) << 4) | id,
    0,
    0,
  ]);
}

/**
 * Encodes a handshake error reply: `7F 10 00 00` for error 1, "serializer
 * unsupported".
 *
 * @param code The error code, 1 to 15 (0 must not be used).
 * @returns The 4 octets.
 */
export function encodeHandshakeError(code: number): Uint8Array {
  if (!Number.isInteger(code) || code < 1 || code > 15) {
    throw new RangeError(`RawSocket error code must be 1 to 15, got ${code}`);
  }
  return new Uint8Array([RAWSOCKET_MAGIC, code << 4, 0, 0]);
}

/**
 * Decodes 4 handshake octets: a request or accepting reply, or, when the
 * serializer field is zero, `{ error }` with the upper 4 bits (an error
 * reply; in a request, an illegal serializer). Throws
 * {@linkcode RawSocketError} `not_rawsocket` when the first octet is not
 * 0x7F and `reserved_bits` when the reserved octets are not zero.
 *
 * @param bytes At least 4 octets; the first 4 are read.
 * @returns The handshake, or the error code.
 */
export function decodeHandshake(
  bytes: Uint8Array,
): Handshake | { readonly error: number } {
  if (bytes.length < 4) {
    throw new RangeError(
      `A RawSocket handshake has 4 octets, got ${bytes.length}`,
    );
  }
  if (bytes[0] !== RAWSOCKET_MAGIC) {
    throw new RawSocketError(
      `Not a RawSocket handshake: first octet 0x${
        hex(bytes[0]!)
      }, expected 0x7f`,
      { code: "not_rawsocket" },
    );
  }
  if (bytes[2] !== 0 || bytes[3] !== 0) {
    throw new RawSocketError(
      `RawSocket handshake uses reserved octets: 0x${hex(bytes[2]!)}${
        hex(bytes[3]!)
      }`,
      { code: "reserved_bits" },
    );
  }
  const octet = bytes[1]!;
  if ((octet & 0x0f) === 0) return { error: octet >> 4 };
  return { serializerId: octet & 0x0f, maxLength: 2 ** ((octet >> 4) + 9) };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * Encodes a frame header: type and payload length (up to 2^24, which sets
 * the X bit): `00 FF FF FF` for a message of 2^24 - 1 octets, `08 00 00 00`
 * for one of exactly 2^24.
 *
 * @param type The frame type.
 * @param length The payload length in octets.
 * @returns The 4 octets.
 */
export function encodeFrameHeader(type: FrameType, length: number): Uint8Array {
  const header = new Uint8Array(4);
  writeFrameHeader(header, type, length);
  return header;
}

/**
 * Writes a frame header into the first 4 octets of `into` (see
 * {@linkcode encodeFrameHeader}).
 *
 * @param into Where the header goes.
 * @param type The frame type.
 * @param length The payload length in octets.
 */
export function writeFrameHeader(
  into: Uint8Array,
  type: number,
  length: number,
): void {
  if (!Number.isInteger(type) || type < 0 || type > 7) {
    throw new RangeError(`RawSocket frame type must be 0 to 7, got ${type}`);
  }
  if (
    !Number.isInteger(length) || length < 0 || length > RAWSOCKET_MAX_LENGTH
  ) {
    throw new RangeError(
      `RawSocket frame length must be 0 to 2^24, got ${length}`,
    );
  }
  if (length === RAWSOCKET_MAX_LENGTH) {
    into[0] = type | 0x08;
    into[1] = into[2] = into[3] = 0;
    return;
  }
  into[0] = type;
  into[1] = length >>> 16;
  into[2] = (length >>> 8) & 0xff;
  into[3] = length & 0xff;
}

/**
 * Encodes a whole frame, header and payload, as one array (one write, so
 * one segment for a small message).
 *
 * @param type The frame type.
 * @param payload The payload.
 * @returns Header and payload.
 */
export function encodeFrame(type: FrameType, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(4 + payload.length);
  writeFrameHeader(frame, type, payload.length);
  frame.set(payload, 4);
  return frame;
}

/** A frame header, decoded. */
export interface FrameHeader {
  /** The frame type. */
  readonly type: FrameType;
  /** The payload length in octets. */
  readonly length: number;
}

/**
 * Decodes and checks a frame header: reserved bits, reserved types, the X
 * bit, and the length against the limit announced, so that a frame too
 * long is refused before any of its payload is buffered.
 *
 * @param bytes At least 4 octets; the first 4 are read.
 * @param maxLength The largest payload accepted.
 * @returns Type and length.
 */
export function decodeFrameHeader(
  bytes: Uint8Array,
  maxLength: number,
): FrameHeader {
  const first = bytes[0]!;
  if ((first & 0xf0) !== 0) {
    throw new RawSocketError(
      `RawSocket frame header uses reserved bits: 0x${hex(first)}`,
      { code: "reserved_bits" },
    );
  }
  const type = first & 0x07;
  if (type > FrameType.PONG) {
    throw new RawSocketError(`RawSocket frame of reserved type ${type}`, {
      code: "reserved_type",
    });
  }
  let length = (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!;
  if ((first & 0x08) !== 0) {
    if (length !== 0) {
      throw new RawSocketError(
        `RawSocket frame length with the 25th bit set and ${length} in the others`,
        { code: "bad_length" },
      );
    }
    length = RAWSOCKET_MAX_LENGTH;
  }
  if (length > maxLength) {
    throw new RawSocketError(
      `RawSocket frame of ${length} octets exceeds the limit of ${maxLength}`,
      { code: "message_too_long" },
    );
  }
  return { type: type as FrameType, length };
}

/** A frame, decoded. */
export interface DecodedFrame {
  /** The frame type. */
  readonly type: FrameType;
  /** The payload (a view into what was received when it came in one piece). */
  readonly payload: Uint8Array;
}

/**
 * Splits received bytes into frames, whatever the chunking. Each header is
 * checked as soon as its 4 octets are in ({@linkcode decodeFrameHeader}),
 * so a length above the limit fails before any payload is kept; a payload
 * is kept in the pieces received and joined once, when complete.
 */
export class FrameDecoder {
  #maxLength: number;
  #header = new Uint8Array(4);
  #headerFill = 0;
  #current: FrameHeader | undefined;
  #parts: Uint8Array[] = [];
  #filled = 0;

  /**
   * Creates a decoder.
   *
   * @param maxLength The largest payload accepted, in octets.
   */
  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  /**
   * Takes the next received bytes and hands over the frames they
   * complete, in order. Throws {@linkcode RawSocketError} at a bad header,
   * after the frames before it; the decoder is then of no further use
   * (fail the connection).
   *
   * @param chunk The bytes.
   * @param emit Called with each frame completed.
   */
  push(chunk: Uint8Array, emit: (frame: DecodedFrame) => void): void {
    let at = 0;
    while (at < chunk.length) {
      const current = this.#current;
      if (current === undefined) {
        const take = Math.min(4 - this.#headerFill, chunk.length - at);
        this.#header.set(chunk.subarray(at, at + take), this.#headerFill);
        this.#headerFill += take;
        at += take;
        if (this.#headerFill < 4) break;
        this.#headerFill = 0;
        const header = decodeFrameHeader(this.#header, this.#maxLength);
        if (header.length === 0) {
          emit({ type: header.type, payload: new Uint8Array(0) });
        } else this.#current = header;
        continue;
      }
      const need = current.length - this.#filled;
      const take = Math.min(need, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      if (take === need && this.#filled === 0) {
        emit({ type: current.type, payload: piece });
        this.#current = undefined;
        continue;
      }
      this.#parts.push(piece);
      this.#filled += take;
      if (this.#filled === current.length) {
        const payload = new Uint8Array(current.length);
        let offset = 0;
        for (const part of this.#parts) {
          payload.set(part, offset);
          offset += part.length;
        }
        emit({ type: current.type, payload });
        this.#parts = [];
        this.#filled = 0;
        this.#current = undefined;
      }
    }
  }
}
