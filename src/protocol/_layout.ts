// The wire layout of every message type, shared by parse() and toWire().
import * as M from "./_codes.ts";
import { messageTypeName } from "./message_type.ts";

/** How one fixed field of a message is checked. */
export type FieldKind = "id" | "id0" | "uri" | "string" | "dict" | "type";

/** One fixed field: the key in the typed message and the label in errors. */
export type Field = readonly [key: string, kind: FieldKind, label: string];

/** The layout of one message type. */
export interface Layout {
  readonly name: string;
  readonly fields: readonly Field[];
  /** Arguments and ArgumentsKw may follow the fixed fields. */
  readonly payload: boolean;
  /** The key of the dict that may switch on payload transparency. */
  readonly pptKey?: string;
  /** A trailing Details dict may follow (revocation form). */
  readonly trailingDetails?: boolean;
}

// Flags: Arguments and ArgumentsKw may follow and the Options or Details dict
// may switch on payload transparency (PPT); they may follow, never
// transparent (PAYLOAD, ABORT); a Details dict may follow and the request id
// may be 0 (TRAILING, the revocation form).
const PPT = 1;
const PAYLOAD = 2;
const TRAILING = 4;

// The fixed fields of each type, by key; a key's kind and label follow from
// its name (KINDS, else an ID; the label is the key capitalized).
const TABLE: [code: number, fields: string, flags?: number][] = [
  [M.HELLO, "realm details"],
  [M.WELCOME, "session details"],
  [M.ABORT, "details reason", PAYLOAD],
  [M.CHALLENGE, "authMethod extra"],
  [M.AUTHENTICATE, "signature extra"],
  [M.GOODBYE, "details reason"],
  [M.ERROR, "requestType requestId details error", PPT],
  [M.PUBLISH, "requestId options topic", PPT],
  [M.PUBLISHED, "requestId publication"],
  [M.SUBSCRIBE, "requestId options topic"],
  [M.SUBSCRIBED, "requestId subscription"],
  [M.UNSUBSCRIBE, "requestId subscription"],
  [M.UNSUBSCRIBED, "requestId", TRAILING],
  [M.EVENT, "subscription publication details", PPT],
  [M.EVENT_RECEIVED, "publication"],
  [M.CALL, "requestId options procedure", PPT],
  [M.CANCEL, "requestId options"],
  [M.RESULT, "requestId details", PPT],
  [M.REGISTER, "requestId options procedure"],
  [M.REGISTERED, "requestId registration"],
  [M.UNREGISTER, "requestId registration"],
  [M.UNREGISTERED, "requestId", TRAILING],
  [M.INVOCATION, "requestId registration details", PPT],
  [M.INTERRUPT, "requestId options"],
  [M.YIELD, "requestId options", PPT],
];

const KINDS: Record<string, FieldKind> = {
  realm: "uri",
  reason: "uri",
  error: "uri",
  topic: "uri",
  procedure: "uri",
  details: "dict",
  extra: "dict",
  options: "dict",
  authMethod: "string",
  signature: "string",
  requestType: "type",
};

const LABELS: Record<string, string> = {
  requestId: "Request",
  requestType: "Request.Type",
};

/** The layout of each message type, by code. */
export const LAYOUTS: Record<number, Layout> = {};
for (const [code, names, flags = 0] of TABLE) {
  const fields = names.split(" ").map((key): Field => [
    key,
    flags & TRAILING && key === "requestId" ? "id0" : KINDS[key] ?? "id",
    LABELS[key] ?? key[0]!.toUpperCase() + key.slice(1),
  ]);
  LAYOUTS[code] = {
    name: messageTypeName(code),
    fields,
    payload: (flags & (PPT | PAYLOAD)) > 0,
    ...(flags & PPT
      ? { pptKey: names.includes("options") ? "options" : "details" }
      : {}),
    ...(flags & TRAILING ? { trailingDetails: true } : {}),
  };
}
