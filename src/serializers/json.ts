/**
 * The JSON serializer (`wamp.2.json`), with WAMP's binary convention.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "./_base64.ts";
import { decodeUtf8 } from "./_utf8.ts";
import { DecodeError, EncodeError } from "./errors.ts";
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_MESSAGE_SIZE,
  type Serializer,
  type SerializerOptions,
} from "./serializer.ts";

const NUL_STRING_START = '"\\u0000';

// Binary values: Uint8Array and ArrayBuffer get a toJSON that returns the
// WAMP "\0" + Base64 string while one of our serialize() calls runs, and the
// value itself (so JSON.stringify behaves exactly as without it) at any other
// time. Installed once, so messages without binary cost no scan at all.
let encoding = false;

function bytesToJson(this: Uint8Array): unknown {
  return encoding ? "\u0000" + encodeBase64(this) : this;
}

function bufferToJson(this: ArrayBuffer): unknown {
  return encoding ? "\u0000" + encodeBase64(new Uint8Array(this)) : this;
}

function install(proto: object, toJSON: unknown): boolean {
  if (Object.hasOwn(proto, "toJSON")) {
    return (proto as { toJSON?: unknown }).toJSON === toJSON;
  }
  Object.defineProperty(proto, "toJSON", {
    value: toJSON,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return true;
}

const installed = install(Uint8Array.prototype, bytesToJson) &&
  install(ArrayBuffer.prototype, bufferToJson);

/** Whether a value holds a Uint8Array or ArrayBuffer anywhere. */
function hasBinary(value: unknown, depth: number): boolean {
  if (depth > 1000) return true; // let JSON.stringify judge the nesting
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "object" && v !== null && hasBinary(v, depth + 1)) {
        return true;
      }
    }
    return false;
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return true;
  const dict = value as Record<string, unknown>;
  for (const key in dict) {
    const v = dict[key];
    if (typeof v === "object" && v !== null && hasBinary(v, depth + 1)) {
      return true;
    }
  }
  return false;
}

/**
 * Stringifies a message where another library already owns
 * `Uint8Array.prototype.toJSON`: scans for binary and swaps in our toJSON
 * for the call.
 */
function stringify(message: unknown[]): string {
  if (!hasBinary(message, 0)) return JSON.stringify(message);
  const u8 = Uint8Array.prototype as { toJSON?: unknown };
  const ab = ArrayBuffer.prototype as { toJSON?: unknown };
  const previous = [u8.toJSON, ab.toJSON];
  u8.toJSON = bytesToJson;
  ab.toJSON = bufferToJson;
  try {
    return JSON.stringify(message);
  } finally {
    u8.toJSON = previous[0];
    ab.toJSON = previous[1];
  }
}

/**
 * JSON as WAMP uses it: text frames, with binary values carried as strings
 * that start with U+0000 followed by the Base64 of the bytes. `Uint8Array`
 * values encode that way and such strings decode back to `Uint8Array`.
 *
 * Messages with no binary value cost no more than `JSON.stringify` and
 * `JSON.parse`: the decoder only walks the result when the text contains a
 * string starting with `\u0000`, and the encoder relies on a `toJSON` that
 * this module defines (non-enumerable) on `Uint8Array.prototype` and
 * `ArrayBuffer.prototype`, which changes nothing outside `serialize()`. A string of your own that starts with U+0000
 * is read as binary by every WAMP peer, so do not send one.
 *
 * @example Usage
 * ```ts
 * import { JsonSerializer } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const json = new JsonSerializer();
 * const frame = json.serialize([36, 1, 2, {}, [new Uint8Array([1, 2, 3])]]);
 * assert.equal(frame, '[36,1,2,{},["\\u0000AQID"]]');
 * assert.deepEqual(json.deserialize(frame), [36, 1, 2, {}, [new Uint8Array([1, 2, 3])]]);
 * ```
 */
export class JsonSerializer implements Serializer {
  /** WebSocket subprotocol. */
  readonly protocol = "wamp.2.json";
  /** RawSocket serializer id. */
  readonly rawSocketId = 1;
  /** JSON frames are text. */
  readonly binary = false;
  /** The largest frame accepted or produced, in bytes (UTF-16 units for text). */
  readonly maxMessageSize: number;
  #maxDepth: number;

  /**
   * Creates a JSON serializer.
   *
   * @param options Size and depth limits.
   */
  constructor(options: SerializerOptions = {}) {
    this.maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /**
   * Encodes a message as JSON text.
   *
   * @param message The wire array.
   * @returns The JSON text.
   */
  serialize(message: unknown[]): string {
    let text: string;
    encoding = true;
    try {
      text = installed ? JSON.stringify(message) : stringify(message);
    } catch (err) {
      throw new EncodeError(`Cannot encode message as JSON: ${err}`, {
        cause: err,
      });
    } finally {
      encoding = false;
    }
    if (text.length > this.maxMessageSize) {
      throw new EncodeError(
        `Message of ${text.length} bytes exceeds the limit of ${this.maxMessageSize}`,
      );
    }
    return text;
  }

  /**
   * Decodes JSON text (or UTF-8 bytes of it).
   *
   * @param frame The frame.
   * @returns The decoded value.
   */
  deserialize(frame: string | Uint8Array | ArrayBuffer): unknown {
    let text: string;
    if (typeof frame === "string") {
      text = frame;
      if (text.length > this.maxMessageSize) this.#tooLarge(text.length);
    } else {
      const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
      if (bytes.length > this.maxMessageSize) this.#tooLarge(bytes.length);
      try {
        text = decodeUtf8(bytes);
      } catch (err) {
        throw new DecodeError("Invalid UTF-8 in JSON frame", -1, {
          cause: err,
        });
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const at = /position (\d+)/.exec(String(err));
      throw new DecodeError(
        `Invalid JSON: ${(err as Error).message}`,
        at ? Number(at[1]) : -1,
        { cause: err },
      );
    }
    if (text.includes(NUL_STRING_START)) {
      return this.#revive(value, 0);
    }
    return value;
  }

  #tooLarge(size: number): never {
    throw new DecodeError(
      `Frame of ${size} bytes exceeds the limit of ${this.maxMessageSize}`,
      0,
    );
  }

  #revive(value: unknown, depth: number): unknown {
    if (typeof value === "string") {
      return value.charCodeAt(0) === 0 ? decodeBase64(value.slice(1)) : value;
    }
    if (typeof value !== "object" || value === null) return value;
    if (depth >= this.#maxDepth) {
      throw new DecodeError(
        `Nesting deeper than ${this.#maxDepth} levels`,
        -1,
      );
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        value[i] = this.#revive(value[i], depth + 1);
      }
    } else {
      const dict = value as Record<string, unknown>;
      for (const key in dict) {
        const revived = this.#revive(dict[key], depth + 1);
        if (key === "__proto__") {
          Object.defineProperty(dict, key, {
            value: revived,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        } else dict[key] = revived;
      }
    }
    return value;
  }
}
