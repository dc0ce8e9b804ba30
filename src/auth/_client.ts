// What the client one-liners share: HELLO's fields and the method check.
import type { AuthDict, HelloAuth } from "./client_auth.ts";
import { AuthError } from "./_errors.ts";

/** HELLO's fields for one method, leaving out what is not given. */
export function hello(
  method: string,
  authid: string | undefined,
  authrole: string | undefined,
  authextra: AuthDict | undefined,
): HelloAuth {
  const out: HelloAuth = { authmethods: [method] };
  if (authid !== undefined) out.authid = authid;
  if (authrole !== undefined) out.authrole = authrole;
  if (authextra !== undefined) out.authextra = { ...authextra };
  return out;
}

/** Throws unless the router challenges for `expected`. */
export function expectMethod(expected: string, method: string): void {
  if (method !== expected) {
    throw new AuthError(
      `Router challenged for ${
        JSON.stringify(String(method))
      }, not ${expected}`,
    );
  }
}
