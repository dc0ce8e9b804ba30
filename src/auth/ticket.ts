/**
 * Ticket authentication: the client sends a shared secret (a password or
 * a token) as it is, so use it over TLS only.
 *
 * @module
 */

import type { AuthDict, ClientAuth } from "./client_auth.ts";
import { expectMethod, hello } from "./_client.ts";

/** What {@linkcode ticket} needs. */
export interface TicketOptions {
  /** The authid to log in as. */
  authid: string;
  /** The ticket (sent to the router in AUTHENTICATE as it is). */
  ticket: string;
  /** The authrole to ask for (routers may ignore it). */
  authrole?: string;
  /** Extra HELLO data for the router's authenticator. */
  authextra?: AuthDict;
}

/**
 * Logs in with a ticket (authmethod `ticket`): the answer to the router's
 * CHALLENGE is the ticket itself.
 *
 * @example Answering a challenge
 * ```ts
 * import { ticket } from "@wampkit/wamp/auth";
 * import assert from "node:assert/strict";
 *
 * const auth = ticket({ authid: "joe", ticket: "secret!" });
 * assert.deepEqual(await auth.hello(), { authmethods: ["ticket"], authid: "joe" });
 * assert.equal(await auth.challenge("ticket", {}), "secret!");
 * ```
 *
 * @param options The authid and the ticket.
 * @returns The authentication for `Connection`'s `auth` option.
 * @throws {TypeError} When the authid or the ticket is not a string.
 */
export function ticket(options: TicketOptions): ClientAuth {
  const { authid, ticket, authrole, authextra } = options;
  if (typeof authid !== "string") {
    throw new TypeError("Ticket authentication needs an authid");
  }
  if (typeof ticket !== "string") {
    throw new TypeError("Ticket authentication needs a ticket string");
  }
  return {
    hello: () => hello("ticket", authid, authrole, authextra),
    challenge: (method) => {
      expectMethod("ticket", method);
      return ticket;
    },
  };
}
