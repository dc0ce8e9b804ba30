/**
 * What the client announces in HELLO: its agent string, and its roles with
 * the advanced features each supports.
 *
 * @module
 */

import { rolesOf } from "../protocol/features.ts";

/**
 * The agent string sent in HELLO.
 *
 * @example Usage
 * ```ts
 * import { AGENT } from "./client_roles.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(AGENT, /^wampkit-\d+\.\d+\.\d+$/);
 * ```
 */
export const AGENT = "wampkit-0.1.0";

/**
 * The roles and features this client announces.
 *
 * @example Usage
 * ```ts
 * import { CLIENT_ROLES } from "./client_roles.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(CLIENT_ROLES.caller?.includes("call_canceling"));
 * ```
 */
export const CLIENT_ROLES: Readonly<Record<string, readonly string[]>> = {
  caller: [
    "caller_identification",
    "progressive_call_results",
    "call_canceling",
    "call_timeout",
  ],
  callee: [
    "caller_identification",
    "pattern_based_registration",
    "shared_registration",
    "progressive_call_results",
    "call_canceling",
    "call_timeout",
    "registration_revocation",
  ],
  publisher: [
    "publisher_identification",
    "subscriber_blackwhite_listing",
    "publisher_exclusion",
  ],
  subscriber: [
    "publisher_identification",
    "pattern_based_subscription",
    "subscription_revocation",
  ],
};

/** The router role each client role talks to. */
const ROUTER_ROLE: Record<string, string> = {
  caller: "dealer",
  callee: "dealer",
  publisher: "broker",
  subscriber: "broker",
};

/**
 * The advanced features both this client and the router announced, per
 * client role.
 *
 * @example Usage
 * ```ts
 * import { sharedFeatures } from "./client_roles.ts";
 * import assert from "node:assert/strict";
 *
 * const features = sharedFeatures({
 *   dealer: { features: { call_canceling: true, x_unknown: true } },
 * });
 * assert.deepEqual(features.caller, { call_canceling: true });
 * assert.deepEqual(features.subscriber, {});
 * ```
 *
 * @param routerRoles The `roles` of the router's WELCOME details.
 * @returns `{ caller: { call_canceling: true, … }, … }`.
 */
export function sharedFeatures(
  routerRoles: unknown,
): Record<string, Record<string, boolean>> {
  const router = rolesOf(routerRoles);
  const out: Record<string, Record<string, boolean>> = {};
  for (const [role, features] of Object.entries(CLIENT_ROLES)) {
    const theirs = new Set(router[ROUTER_ROLE[role]!] ?? []);
    const both: Record<string, boolean> = {};
    for (const f of features) if (theirs.has(f)) both[f] = true;
    out[role] = both;
  }
  return out;
}
