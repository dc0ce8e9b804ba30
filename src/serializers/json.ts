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

// JSON text must escape U+0000, so a frame holds a binary string only if it
// holds this escape. Searching from the backslash, rare in JSON text, is far
// faster than from the quote before it, which is everywhere.
const ESCAPED_NUL = "\\u0000";

/** Bytes as WAMP's JSON carries them: U+0000 followed by their Base64. */
function binaryString(bytes: Uint8Array): string {
  return "\u0000" + encodeBase64(bytes);
}

/**
 * Makes a value ready for `JSON.stringify`: returns the value itself when it
 * holds no binary, else a copy in which every `Uint8Array` (subclasses such
 * as Node's `Buffer` included) and `ArrayBuffer` is replaced by its WAMP
 * string. Only the lists and dicts on the way to a binary value are copied;
 * the caller's objects are never changed. A `toJSON` method is called here
 * (with the key, as `JSON.stringify` would, which then sees its result) so
 * that bytes it returns are found too. Throws when the nesting exceeds `max`
 * levels, which also stops cycles.
 */
function prepare(
  value: object,
  key: string | number,
  depth: number,
  max: number,
): unknown {
  if (depth >= max) {
    throw new EncodeError(`Nesting deeper than ${max} levels`);
  }
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "object" && v !== null) {
        const ready = prepare(v, i, depth + 1, max);
        if (ready !== v) (copy ??= value.slice())[i] = ready;
      }
    }
    return copy ?? value;
  }
  if (ArrayBuffer.isView(value)) {
    return value instanceof Uint8Array ? binaryString(value) : value;
  }
  if (value instanceof ArrayBuffer) {
    return binaryString(new Uint8Array(value));
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const v: unknown = toJSON.call(value, String(key));
    if (v !== value) {
      return typeof v === "object" && v !== null
        ? prepare(v, key, depth, max)
        : v;
    }
  }
  const dict = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const k in dict) {
    const v = dict[k];
    if (typeof v === "object" && v !== null) {
      const ready = prepare(v, k, depth + 1, max);
      if (ready !== v) {
        copy ??= { ...dict };
        // Inherited keys are not serialized, so they need no copy.
        if (Object.hasOwn(copy, k)) copy[k] = ready;
      }
    }
  }
  return copy ?? dict;
}

/**
 * Whether JSON text holds at most `max` opening brackets, in which case its
 * lists and dicts cannot nest deeper than `max` levels. Far cheaper than a
 * walk for the many messages with few brackets.
 */
function fewBrackets(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf("["); i !== -1; i = text.indexOf("[", i + 1)) {
    if (++n > max) return false;
  }
  for (let i = text.indexOf("{"); i !== -1; i = text.indexOf("{", i + 1)) {
    if (++n > max) return false;
  }
  return true;
}

/** Throws unless a parsed JSON value nests at most `max` lists and dicts. */
function checkDepth(value: object, depth: number, max: number): void {
  if (depth >= max) {
    throw new DecodeError(`Nesting deeper than ${max} levels`, -1);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === "object" && v !== null) checkDepth(v, depth + 1, max);
    }
  } else {
    const dict = value as Record<string, unknown>;
    for (const k in dict) {
      const v = dict[k];
      if (typeof v === "object" && v !== null) checkDepth(v, depth + 1, max);
    }
  }
}

/**
 * JSON as WAMP uses it: text frames, with binary values carried as strings
 * that start with U+0000 followed by the Base64 of the bytes.
 *
 * Any `Uint8Array`, subclasses such as Node's `Buffer` included, and any
 * `ArrayBuffer` encode that way. Before `JSON.stringify` runs, one walk of
 * the message finds binary values and enforces `maxDepth`; when there is
 * binary, the lists and dicts that hold it are copied with the string in its
 * place, so your message is never changed. No built-in prototype is touched.
 * Decoding enforces the same `maxDepth` and turns strings that start with
 * U+0000 back into bytes. A string of your own that starts with U+0000 is
 * read as binary by every WAMP peer, so do not send one.
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
    try {
      text = JSON.stringify(
        typeof message === "object" && message !== null
          ? prepare(message, "", 0, this.#maxDepth)
          : message,
      );
    } catch (err) {
      if (err instanceof EncodeError) throw err;
      throw new EncodeError(`Cannot encode message as JSON: ${err}`, {
        cause: err,
      });
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
    if (text.includes(ESCAPED_NUL)) {
      return this.#revive(value, 0);
    }
    // Nesting past maxDepth takes more than maxDepth opening brackets, so
    // more than 2 * maxDepth + 1 characters.
    const max = this.#maxDepth;
    if (
      typeof value === "object" && value !== null &&
      text.length > 2 * max + 1 && !fewBrackets(text, max)
    ) {
      checkDepth(value, 0, max);
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
