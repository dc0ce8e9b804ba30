/**
 * The one decision every runtime adapter makes about a WebSocket upgrade
 * request before it upgrades: is it an upgrade, is its origin allowed, has
 * the router room for another handshake, and which WAMP subprotocol to
 * answer with.
 *
 * @module
 */

/** What {@linkcode negotiate} needs to know of the router. */
export interface UpgradePolicy {
  /** Subprotocols served. */
  readonly protocols: readonly string[];
  /** Origins allowed to open a WebSocket; undefined allows any. */
  readonly allowedOrigins: ReadonlySet<string> | undefined;
  /** Whether another connection may start its handshake now. */
  readonly acceptingHandshakes: boolean;
}

/** The outcome of {@linkcode negotiate}: a subprotocol, or a refusal. */
export type Negotiation =
  | { readonly protocol: string; readonly refusal?: undefined }
  | { readonly protocol?: undefined; readonly refusal: Response };

/**
 * Splits a `Sec-WebSocket-Protocol` header: values separated by commas, with
 * or without spaces (browsers and Deno write `a, b`, Node's `ws` writes
 * `a,b`).
 *
 * @example Usage
 * ```ts
 * import { offeredProtocols } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(offeredProtocols("wamp.2.json,wamp.2.cbor"), ["wamp.2.json", "wamp.2.cbor"]);
 * assert.deepEqual(offeredProtocols(" wamp.2.json ,  wamp.2.cbor"), ["wamp.2.json", "wamp.2.cbor"]);
 * ```
 *
 * @param header The header value, or null.
 * @returns The offered subprotocols, in the client's order.
 */
export function offeredProtocols(header: string | null): string[] {
  if (header === null) return [];
  const out: string[] = [];
  for (const part of header.split(",")) {
    const p = part.trim();
    if (p.length > 0) out.push(p);
  }
  return out;
}

function refuse(status: number, text: string, headers?: HeadersInit) {
  return {
    refusal: new Response(text, {
      status,
      headers: { "content-type": "text/plain; charset=utf-8", ...headers },
    }),
  };
}

/**
 * Decides a WebSocket upgrade request: 426 when it is not an upgrade, 403
 * when its `Origin` is not allowed (requests without `Origin`, sent by
 * non-browser clients, pass), 503 when the router has as many handshakes
 * pending as it allows, 400 when the client offers no subprotocol the
 * router serves. Otherwise the subprotocol: the first of the client's
 * offers, in the client's order of preference, that the router serves.
 *
 * @example Usage
 * ```ts
 * import { negotiate, Router } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const router = new Router({ allowedOrigins: ["https://app.example.com"] });
 * const request = new Request("http://127.0.0.1/ws", {
 *   headers: {
 *     upgrade: "websocket",
 *     origin: "https://evil.example.net",
 *     "sec-websocket-protocol": "wamp.2.json",
 *   },
 * });
 * assert.equal(negotiate(router, request).refusal?.status, 403);
 * ```
 *
 * @param policy The router (or anything with its protocols and limits).
 * @param request The HTTP request.
 * @returns The agreed subprotocol, or the response that refuses.
 */
export function negotiate(
  policy: UpgradePolicy,
  request: Request,
): Negotiation {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return refuse(426, "Expected a WebSocket upgrade", {
      upgrade: "websocket",
    });
  }
  const origin = request.headers.get("origin");
  if (
    origin !== null && policy.allowedOrigins !== undefined &&
    !policy.allowedOrigins.has(origin)
  ) {
    return refuse(403, `Origin ${origin} is not allowed`);
  }
  if (!policy.acceptingHandshakes) {
    return refuse(503, "Too many connections are opening: try again later", {
      "retry-after": "1",
    });
  }
  const offered = offeredProtocols(
    request.headers.get("sec-websocket-protocol"),
  );
  for (const p of offered) {
    if (policy.protocols.includes(p)) return { protocol: p };
  }
  return refuse(
    400,
    `No agreed WAMP subprotocol: offered ${
      offered.length > 0 ? offered.join(", ") : "none"
    }, the router serves ${policy.protocols.join(", ")}`,
  );
}
