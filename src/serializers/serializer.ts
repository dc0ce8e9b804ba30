/**
 * The serializer interface every WAMP serializer implements.
 *
 * @module
 */

/**
 * A WAMP serializer: turns a message array into a frame and back. It knows
 * nothing of WAMP messages beyond their being lists of plain values.
 */
export interface Serializer {
  /** WebSocket subprotocol, such as `wamp.2.json`. */
  readonly protocol: string;
  /** RawSocket serializer id: 1 JSON, 2 MessagePack, 3 CBOR. */
  readonly rawSocketId: number;
  /** Whether frames are binary (MessagePack, CBOR) or text (JSON). */
  readonly binary: boolean;
  /** The largest frame, in bytes, this serializer produces or accepts. */
  readonly maxMessageSize: number;
  /**
   * Encodes a message.
   *
   * @param message The message as a wire array.
   * @returns The frame.
   */
  serialize(message: unknown[]): string | Uint8Array;
  /**
   * Decodes a frame.
   *
   * @param frame The frame as received.
   * @returns The decoded value (a list, for a well-formed message).
   */
  deserialize(frame: string | Uint8Array | ArrayBuffer): unknown;
}

/** Limits shared by all serializers. */
export interface SerializerOptions {
  /**
   * The largest frame in bytes; larger ones raise an error.
   *
   * @default {16777216}
   */
  maxMessageSize?: number;
  /**
   * The deepest nesting of lists and dicts.
   *
   * @default {64}
   */
  maxDepth?: number;
}

/** Default maximum message size: 16 MiB, the RawSocket limit. */
export const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** Default maximum nesting depth of lists and dicts. */
export const DEFAULT_MAX_DEPTH = 64;
