// The wire layout of every message type, shared by parse() and toWire().
import { MessageType } from "./message_type.ts";

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

const M = MessageType;

export const LAYOUTS: Record<number, Layout> = {
  [M.HELLO]: {
    name: "HELLO",
    fields: [["realm", "uri", "Realm"], ["details", "dict", "Details"]],
    payload: false,
  },
  [M.WELCOME]: {
    name: "WELCOME",
    fields: [["session", "id", "Session"], ["details", "dict", "Details"]],
    payload: false,
  },
  [M.ABORT]: {
    name: "ABORT",
    fields: [["details", "dict", "Details"], ["reason", "uri", "Reason"]],
    payload: true,
  },
  [M.CHALLENGE]: {
    name: "CHALLENGE",
    fields: [["authMethod", "string", "AuthMethod"], [
      "extra",
      "dict",
      "Extra",
    ]],
    payload: false,
  },
  [M.AUTHENTICATE]: {
    name: "AUTHENTICATE",
    fields: [["signature", "string", "Signature"], ["extra", "dict", "Extra"]],
    payload: false,
  },
  [M.GOODBYE]: {
    name: "GOODBYE",
    fields: [["details", "dict", "Details"], ["reason", "uri", "Reason"]],
    payload: false,
  },
  [M.ERROR]: {
    name: "ERROR",
    fields: [
      ["requestType", "type", "Request.Type"],
      ["requestId", "id", "Request"],
      ["details", "dict", "Details"],
      ["error", "uri", "Error"],
    ],
    payload: true,
    pptKey: "details",
  },
  [M.PUBLISH]: {
    name: "PUBLISH",
    fields: [
      ["requestId", "id", "Request"],
      ["options", "dict", "Options"],
      ["topic", "uri", "Topic"],
    ],
    payload: true,
    pptKey: "options",
  },
  [M.PUBLISHED]: {
    name: "PUBLISHED",
    fields: [["requestId", "id", "Request"], [
      "publication",
      "id",
      "Publication",
    ]],
    payload: false,
  },
  [M.SUBSCRIBE]: {
    name: "SUBSCRIBE",
    fields: [
      ["requestId", "id", "Request"],
      ["options", "dict", "Options"],
      ["topic", "uri", "Topic"],
    ],
    payload: false,
  },
  [M.SUBSCRIBED]: {
    name: "SUBSCRIBED",
    fields: [["requestId", "id", "Request"], [
      "subscription",
      "id",
      "Subscription",
    ]],
    payload: false,
  },
  [M.UNSUBSCRIBE]: {
    name: "UNSUBSCRIBE",
    fields: [["requestId", "id", "Request"], [
      "subscription",
      "id",
      "Subscription",
    ]],
    payload: false,
  },
  [M.UNSUBSCRIBED]: {
    name: "UNSUBSCRIBED",
    fields: [["requestId", "id0", "Request"]],
    payload: false,
    trailingDetails: true,
  },
  [M.EVENT]: {
    name: "EVENT",
    fields: [
      ["subscription", "id", "Subscription"],
      ["publication", "id", "Publication"],
      ["details", "dict", "Details"],
    ],
    payload: true,
    pptKey: "details",
  },
  [M.EVENT_RECEIVED]: {
    name: "EVENT_RECEIVED",
    fields: [["publication", "id", "Publication"]],
    payload: false,
  },
  [M.CALL]: {
    name: "CALL",
    fields: [
      ["requestId", "id", "Request"],
      ["options", "dict", "Options"],
      ["procedure", "uri", "Procedure"],
    ],
    payload: true,
    pptKey: "options",
  },
  [M.CANCEL]: {
    name: "CANCEL",
    fields: [["requestId", "id", "Request"], ["options", "dict", "Options"]],
    payload: false,
  },
  [M.RESULT]: {
    name: "RESULT",
    fields: [["requestId", "id", "Request"], ["details", "dict", "Details"]],
    payload: true,
    pptKey: "details",
  },
  [M.REGISTER]: {
    name: "REGISTER",
    fields: [
      ["requestId", "id", "Request"],
      ["options", "dict", "Options"],
      ["procedure", "uri", "Procedure"],
    ],
    payload: false,
  },
  [M.REGISTERED]: {
    name: "REGISTERED",
    fields: [["requestId", "id", "Request"], [
      "registration",
      "id",
      "Registration",
    ]],
    payload: false,
  },
  [M.UNREGISTER]: {
    name: "UNREGISTER",
    fields: [["requestId", "id", "Request"], [
      "registration",
      "id",
      "Registration",
    ]],
    payload: false,
  },
  [M.UNREGISTERED]: {
    name: "UNREGISTERED",
    fields: [["requestId", "id0", "Request"]],
    payload: false,
    trailingDetails: true,
  },
  [M.INVOCATION]: {
    name: "INVOCATION",
    fields: [
      ["requestId", "id", "Request"],
      ["registration", "id", "Registration"],
      ["details", "dict", "Details"],
    ],
    payload: true,
    pptKey: "details",
  },
  [M.INTERRUPT]: {
    name: "INTERRUPT",
    fields: [["requestId", "id", "Request"], ["options", "dict", "Options"]],
    payload: false,
  },
  [M.YIELD]: {
    name: "YIELD",
    fields: [["requestId", "id", "Request"], ["options", "dict", "Options"]],
    payload: true,
    pptKey: "options",
  },
};
