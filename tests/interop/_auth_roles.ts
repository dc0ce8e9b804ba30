// The roles, actions and expected answers the Autobahn|JS and autobahn-python
// auth suites share: each peer logs in as a user or an admin and tries the
// same six actions, allowed or denied by these permissions.
import type { RoleConfig } from "../../src/router/authorizer.ts";

export const ALL = {
  call: true,
  register: true,
  publish: true,
  subscribe: true,
};
export const NONE = {
  call: false,
  register: false,
  publish: false,
  subscribe: false,
};
export function prefix(uri: string, allow: Partial<typeof ALL>) {
  return {
    uri,
    match: "prefix" as const,
    allow: { ...NONE, ...allow },
    disclose: { caller: true, publisher: true },
  };
}
export const ROLES: RoleConfig[] = [
  { name: "backend", permissions: [prefix("com.example.", ALL)] },
  {
    name: "user",
    permissions: [prefix("com.example.user.", { call: true, subscribe: true })],
  },
  {
    name: "admin",
    permissions: [
      prefix("com.example.", { call: true, publish: true, subscribe: true }),
    ],
  },
];

export type Action = { action: string; uri: string };
export const USER_ACTIONS: Action[] = [
  { action: "call", uri: "com.example.user.whoami" },
  { action: "call", uri: "com.example.admin.whoami" },
  { action: "register", uri: "com.example.user.mine" },
  { action: "publish", uri: "com.example.user.topic" },
  { action: "subscribe", uri: "com.example.admin.topic" },
  { action: "subscribe", uri: "com.example.user.topic" },
];
export const ADMIN_ACTIONS: Action[] = [
  { action: "call", uri: "com.example.user.whoami" },
  { action: "call", uri: "com.example.admin.whoami" },
  { action: "call", uri: "com.private.thing" },
  { action: "register", uri: "com.example.admin.mine" },
  { action: "publish", uri: "com.private.topic" },
  { action: "publish", uri: "com.example.admin.topic" },
];
export const DENIED = { error: "wamp.error.not_authorized" };
export const OK = { ok: true };

/** What each action gives a session of `role` logged in as `authid`. */
export function expected(authid: string, role: "user" | "admin") {
  const me = { result: [authid, role] };
  return role === "user"
    ? [me, DENIED, DENIED, DENIED, DENIED, OK]
    : [me, me, DENIED, DENIED, DENIED, OK];
}
