/**
 * Role and feature announcements of HELLO and WELCOME.
 *
 * @module
 */

import { isDict } from "./_checks.ts";
import type { Dict } from "./messages.ts";

/**
 * Roles and the advanced-profile features each one supports, as lists of
 * feature names.
 */
export type RoleFeatures = Readonly<Record<string, readonly string[]>>;

/**
 * Builds the `roles` dict of HELLO or WELCOME:
 * `{ <role>: { features: { <feature>: true } } }`.
 *
 * @example Usage
 * ```ts
 * import { announceRoles } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   announceRoles({ caller: ["progressive_call_results"], publisher: [] }),
 *   { caller: { features: { progressive_call_results: true } }, publisher: { features: {} } },
 * );
 * ```
 *
 * @param roles The roles and their features.
 * @returns The roles dict.
 */
export function announceRoles(roles: RoleFeatures): Dict {
  const out: Dict = {};
  for (const role in roles) {
    const features: Dict = {};
    for (const name of roles[role]!) features[name] = true;
    out[role] = { features };
  }
  return out;
}

/**
 * Whether a peer's `roles` dict announces a feature for a role. A missing
 * role, features dict or feature means no.
 *
 * @example Usage
 * ```ts
 * import { hasFeature } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * const roles = { callee: { features: { call_canceling: true } } };
 * assert.ok(hasFeature(roles, "callee", "call_canceling"));
 * assert.ok(!hasFeature(roles, "caller", "call_canceling"));
 * ```
 *
 * @param roles The `roles` value of HELLO or WELCOME details.
 * @param role The role, such as `callee`.
 * @param feature The feature, such as `call_canceling`.
 * @returns Whether it is announced as `true`.
 */
export function hasFeature(
  roles: unknown,
  role: string,
  feature: string,
): boolean {
  if (!isDict(roles)) return false;
  const r = roles[role];
  if (!isDict(r)) return false;
  const features = r.features;
  return isDict(features) && features[feature] === true;
}

/**
 * The roles a peer announced, with the features each announced as `true`.
 *
 * @example Usage
 * ```ts
 * import { rolesOf } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   rolesOf({ dealer: { features: { call_timeout: true, x: false } }, broker: {} }),
 *   { dealer: ["call_timeout"], broker: [] },
 * );
 * ```
 *
 * @param roles The `roles` value of HELLO or WELCOME details.
 * @returns Role name to announced feature names.
 */
export function rolesOf(roles: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!isDict(roles)) return out;
  for (const role in roles) {
    const r = roles[role];
    const list: string[] = [];
    if (isDict(r) && isDict(r.features)) {
      for (const name in r.features) {
        if (r.features[name] === true) list.push(name);
      }
    }
    out[role] = list;
  }
  return out;
}
