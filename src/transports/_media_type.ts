// The HTTP media types of WAMP subprotocols, for transports over HTTP bodies.

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  "wamp.2.json": "application/json; charset=utf-8",
  "wamp.2.msgpack": "application/x-msgpack",
  "wamp.2.cbor": "application/cbor",
};

/** The `Content-Type` of a body in this subprotocol. */
export function mediaType(protocol: string): string {
  return MEDIA_TYPES[protocol] ?? "application/octet-stream";
}

/** Whether frames of this subprotocol are text (JSON) rather than bytes. */
export function isTextProtocol(protocol: string): boolean {
  return protocol === "wamp.2.json";
}
