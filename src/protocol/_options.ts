// What the known Options and Details keys of each message type must hold.
// Unknown keys are ignored, as the spec requires.
import {
  bool,
  type Check,
  count,
  dict,
  forwardFor,
  id,
  listOf,
  oneOf,
  roles,
  string,
} from "./_checks.ts";
import * as M from "./_codes.ts";

/** A schema: known key → check. */
export type Schema = Readonly<Record<string, Check>>;

const ids = listOf(id, "IDs");
const strings = listOf(string, "strings");
const match = oneOf("exact", "prefix", "wildcard");

const payloadTransparency: Schema = {
  ppt_scheme: string,
  ppt_serializer: string,
  ppt_cipher: string,
  ppt_keyid: string,
  enc_algo: oneOf("null", "cryptobox", "mqtt", "xbr"),
  enc_serializer: oneOf(
    "null",
    "json",
    "msgpack",
    "cbor",
    "ubjson",
    "opaque",
    "flatbuffers",
  ),
  enc_key: string,
  forward_for: forwardFor,
};

/** Schemas keyed by message type; the message's options or details dict. */
export const SCHEMAS: Record<number, Schema> = {
  [M.HELLO]: {
    roles,
    agent: string,
    authmethods: strings,
    authid: string,
    authrole: string,
    authextra: dict,
  },
  [M.WELCOME]: {
    roles,
    agent: string,
    authid: string,
    authrole: string,
    authmethod: string,
    authprovider: string,
    authextra: dict,
  },
  [M.ABORT]: { message: string },
  [M.GOODBYE]: { message: string },
  [M.ERROR]: payloadTransparency,
  [M.PUBLISH]: {
    ...payloadTransparency,
    acknowledge: bool,
    exclude_me: bool,
    disclose_me: bool,
    retain: bool,
    exclude: ids,
    exclude_authid: strings,
    exclude_authrole: strings,
    eligible: ids,
    eligible_authid: strings,
    eligible_authrole: strings,
    transaction_hash: string,
    rkey: string,
  },
  [M.SUBSCRIBE]: {
    match,
    get_retained: bool,
    forward_for: forwardFor,
    nkey: string,
  },
  [M.EVENT]: {
    ...payloadTransparency,
    publisher: id,
    publisher_authid: string,
    publisher_authrole: string,
    topic: string,
    retained: bool,
    transaction_hash: string,
    x_acknowledged_delivery: bool,
    trustlevel: count,
  },
  [M.CALL]: {
    ...payloadTransparency,
    receive_progress: bool,
    progress: bool,
    timeout: count,
    disclose_me: bool,
    runmode: string,
    rkey: string,
  },
  [M.CANCEL]: { mode: oneOf("skip", "kill", "killnowait") },
  [M.RESULT]: { ...payloadTransparency, progress: bool },
  [M.REGISTER]: {
    match,
    invoke: oneOf("single", "roundrobin", "random", "first", "last"),
    disclose_caller: bool,
    forward_timeout: bool,
    concurrency: count,
    forward_for: forwardFor,
  },
  [M.INVOCATION]: {
    ...payloadTransparency,
    caller: id,
    caller_authid: string,
    caller_authrole: string,
    procedure: string,
    receive_progress: bool,
    progress: bool,
    timeout: count,
    trustlevel: count,
  },
  [M.INTERRUPT]: { mode: oneOf("kill", "killnowait"), reason: string },
  [M.YIELD]: { ...payloadTransparency, progress: bool },
};

/** Dict keys that must be present, keyed by message type. */
export const REQUIRED: Record<number, readonly string[]> = {
  [M.HELLO]: ["roles"],
  [M.WELCOME]: ["roles"],
};

// Schemas without a prototype, so that a key such as "toString" or
// "constructor" is an unknown key (ignored), not an inherited "check".
for (const code in SCHEMAS) {
  SCHEMAS[code] = Object.assign(Object.create(null), SCHEMAS[code]);
}
