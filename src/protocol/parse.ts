/**
 * Turning decoded wire arrays into typed messages, and back.
 *
 * @module
 */

import { describe, isDict, isId } from "./_checks.ts";
import { type Field, type FieldKind, type Layout, LAYOUTS } from "./_layout.ts";
import { REQUIRED, SCHEMAS } from "./_options.ts";
import type { Dict, Message } from "./messages.ts";
import { ProtocolError } from "./protocol_error.ts";
import * as M from "./_codes.ts";

const REQUEST_TYPES: ReadonlySet<number> = new Set([
  M.PUBLISH,
  M.SUBSCRIBE,
  M.UNSUBSCRIBE,
  M.CALL,
  M.CANCEL,
  M.REGISTER,
  M.UNREGISTER,
  M.INVOCATION,
]);

function fail(layout: Layout, text: string): never {
  throw new ProtocolError(`${layout.name}: ${text}`);
}

/** What the error says each field kind expected. */
const EXPECTED: Record<FieldKind, string> = {
  id: "an ID (integer in [1, 2^53])",
  id0: "an ID or 0",
  uri: "a URI string",
  string: "a string",
  dict: "a dict",
  type: "the type of a request (16, 32, 34, 48, 49, 64, 66 or 68)",
};

// Every field of every message passes here: a switch over the kind, with
// no call through a table, keeps it cheap; only a failure builds text.
function checkField(layout: Layout, field: Field, value: unknown): void {
  const kind = field[1];
  let ok: boolean;
  switch (kind) {
    case "id":
      ok = isId(value);
      break;
    case "id0":
      ok = value === 0 || isId(value);
      break;
    case "uri":
    case "string":
      ok = typeof value === "string";
      break;
    case "dict":
      ok = isDict(value);
      break;
    default:
      ok = typeof value === "number" && REQUEST_TYPES.has(value);
  }
  if (!ok) {
    // IDs and types show the number they got, other fields its type.
    const numeric = kind === "id" || kind === "id0" || kind === "type";
    fail(
      layout,
      `${field[2]} must be ${EXPECTED[kind]}, got ${
        numeric && typeof value === "number" ? value : describe(value)
      }`,
    );
  }
}

/**
 * Checks the known keys of an Options or Details dict and returns it without
 * the keys whose value is `undefined`, which peers using msgpackr or cbor-x
 * (wampy) send for options they leave unset: such a key is absent
 * (`"match" in options` is false). A copy is made only when there is such a
 * key; the decoded dict is never changed.
 */
function checkSchema(
  layout: Layout,
  code: number,
  label: string,
  dict: Dict,
): Dict {
  const schema = SCHEMAS[code];
  let clean = dict;
  for (const key in dict) {
    const value = dict[key];
    if (value === undefined) {
      if (clean === dict) clean = { ...dict };
      delete clean[key];
      continue;
    }
    const check = schema?.[key];
    if (check === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) {
      fail(
        layout,
        `${label}.${key} must be ${expected}, got ${describe(value)}`,
      );
    }
  }
  const required = REQUIRED[code];
  if (required) {
    for (const key of required) {
      if (!(key in clean)) fail(layout, `${label}.${key} is required`);
    }
  }
  return clean;
}

/**
 * Checks a decoded wire array and turns it into a typed message.
 *
 * It enforces the message arity, the type of every field, IDs in
 * [1, 2^53] (0 only for revocation UNSUBSCRIBED/UNREGISTERED), dicts, the
 * types of the known Options and Details keys, and accepts the three payload
 * lengths. An Options or Details key whose value is `undefined` (as peers
 * using msgpackr or cbor-x send for unset options) is left out, so it reads
 * as absent. URIs are checked to be strings; whether they are well formed is
 * the receiver's business (it answers `wamp.error.invalid_uri`).
 *
 * @example Usage
 * ```ts
 * import { parse, MessageType } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const msg = parse([48, 7, {}, "com.example.add", [1, 2]]);
 * assert.equal(msg.type, MessageType.CALL);
 * if (msg.type === MessageType.CALL) {
 *   assert.equal(msg.procedure, "com.example.add");
 *   assert.deepEqual(msg.args, [1, 2]);
 *   assert.equal(msg.kwargs, undefined);
 * }
 * assert.throws(() => parse([48, 7, {}, 42]), /CALL: Procedure must be a URI string, got number/);
 *
 * const sub = parse([32, 8, { match: undefined }, "com.example.topic"]);
 * assert.ok(sub.type === MessageType.SUBSCRIBE && !("match" in sub.options));
 * ```
 *
 * @param raw What a serializer decoded.
 * @returns The typed message.
 * @throws {ProtocolError} When the array is not a valid WAMP message.
 */
export function parse(raw: unknown): Message {
  if (!Array.isArray(raw)) {
    throw new ProtocolError(`Message must be a list, got ${describe(raw)}`);
  }
  if (raw.length === 0) throw new ProtocolError("Message must not be empty");
  const code = raw[0];
  if (typeof code !== "number" || !Number.isInteger(code)) {
    throw new ProtocolError(
      `Message type must be an integer, got ${describe(code)}`,
    );
  }
  const layout = LAYOUTS[code];
  if (layout === undefined) {
    throw new ProtocolError(`Message type ${code} is unknown`);
  }
  const fields = layout.fields;
  const fixed = fields.length + 1;
  const max = fixed + (layout.payload ? 2 : layout.trailingDetails ? 1 : 0);
  if (raw.length < fixed || raw.length > max) {
    fail(
      layout,
      `Message must have ${
        fixed === max ? fixed : `${fixed} to ${max}`
      } elements, got ${raw.length}`,
    );
  }
  const msg: Record<string, unknown> = { type: code };
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = raw[i + 1];
    checkField(layout, field, value);
    msg[field[0]] = value;
  }
  // The dict that holds Options or Details is always the one the schema covers.
  for (const [key, kind, label] of fields) {
    if (kind === "dict" && (key === "options" || key === "details")) {
      msg[key] = checkSchema(layout, code, label, msg[key] as Dict);
    }
  }
  if (raw.length > fixed) {
    if (layout.trailingDetails) {
      const details = raw[fixed];
      if (!isDict(details)) {
        fail(layout, `Details must be a dict, got ${describe(details)}`);
      }
      msg.details = checkSchema(layout, code, "Details", details);
    } else {
      const args = raw[fixed];
      const pptDict = layout.pptKey ? msg[layout.pptKey] as Dict : undefined;
      const transparent = pptDict !== undefined &&
        (pptDict.ppt_scheme !== undefined || pptDict.enc_algo !== undefined);
      if (Array.isArray(args)) {
        msg.args = args;
      } else if (transparent && args instanceof Uint8Array) {
        msg.payload = args;
      } else {
        fail(
          layout,
          `Arguments must be a list${transparent ? " or bytes" : ""}, got ${
            describe(args)
          }`,
        );
      }
      if (raw.length > fixed + 1) {
        const kwargs = raw[fixed + 1];
        if (!isDict(kwargs)) {
          fail(layout, `ArgumentsKw must be a dict, got ${describe(kwargs)}`);
        }
        if (msg.payload !== undefined) {
          fail(layout, "ArgumentsKw must be absent with a transparent payload");
        }
        msg.kwargs = kwargs;
      }
    }
  }
  return msg as unknown as Message;
}

/**
 * Turns a typed message into the array a serializer encodes, applying the
 * empty-payload rule: an empty trailing ArgumentsKw is left out, and so are
 * empty Arguments when no ArgumentsKw follows.
 *
 * @example Usage
 * ```ts
 * import { toWire, MessageType } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const wire = toWire({
 *   type: MessageType.PUBLISH,
 *   requestId: 1,
 *   options: {},
 *   topic: "com.example.topic",
 *   args: [],
 *   kwargs: { color: "blue" },
 * });
 * assert.deepEqual(wire, [16, 1, {}, "com.example.topic", [], { color: "blue" }]);
 * assert.deepEqual(
 *   toWire({ type: MessageType.YIELD, requestId: 3, options: {}, args: [], kwargs: {} }),
 *   [70, 3, {}],
 * );
 * ```
 *
 * @param message The typed message.
 * @returns The wire array.
 */
export function toWire(message: Message): unknown[] {
  const layout = LAYOUTS[message.type]!;
  const m = message as unknown as Record<string, unknown>;
  const wire: unknown[] = [message.type];
  for (const field of layout.fields) wire.push(m[field[0]]);
  if (layout.payload) {
    const payload = m.payload;
    if (payload !== undefined) {
      wire.push(payload);
    } else {
      const args = m.args as unknown[] | undefined;
      const kwargs = m.kwargs as Dict | undefined;
      if (kwargs !== undefined && hasKeys(kwargs)) {
        wire.push(args ?? [], kwargs);
      } else if (args !== undefined && args.length > 0) wire.push(args);
    }
  } else if (layout.trailingDetails && m.details !== undefined) {
    wire.push(m.details);
  }
  return wire;
}

function hasKeys(dict: Dict): boolean {
  for (const _ in dict) return true;
  return false;
}
