/**
 * The connector the client uses when none is given: the runtime's own.
 *
 * @module
 */

import type { Connector } from "../rawsocket.ts";
import { TransportError } from "../transport_error.ts";
import { bunConnector } from "./bun.ts";
import { denoConnector } from "./deno.ts";
import { nodeConnector } from "./node.ts";

/**
 * The runtime's connector: Deno's, Bun's, or Node's (`node:net` through
 * `process.getBuiltinModule`, Node 20.16 and later). Elsewhere (browsers
 * have no sockets; Cloudflare Workers need `workersConnector(connect)`)
 * it throws a `TransportError` whose `unsupported` is true.
 *
 * @example Usage
 * ```ts
 * import { defaultConnector } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof defaultConnector(), "function"); // Deno's, here
 * ```
 *
 * @returns The connector.
 */
export function defaultConnector(): Connector {
  const g = globalThis as {
    Deno?: { connect?: unknown };
    Bun?: { connect?: unknown };
    process?: { getBuiltinModule?: unknown };
  };
  if (typeof g.Deno?.connect === "function") return denoConnector();
  if (typeof g.Bun?.connect === "function") return bunConnector();
  if (typeof g.process?.getBuiltinModule === "function") {
    return nodeConnector();
  }
  throw new TransportError(
    "No TCP sockets in this runtime: pass a connector (on Cloudflare Workers, workersConnector(connect) with the connect of cloudflare:sockets)",
    { unsupported: true },
  );
}
