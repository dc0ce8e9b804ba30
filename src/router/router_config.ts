/**
 * The router's configuration file (`deno task router --config router.json`):
 * realms, roles and permissions, principals per authentication method,
 * allowed origins and limits, in Crossbar's shape where Crossbar has one.
 *
 * @module
 */

import type { AuthOptions, MethodConfig, Principal } from "./authenticator.ts";
import type { Permission, RoleConfig } from "./authorizer.ts";
import type { RealmConfig, RouterOptions } from "./router.ts";

/** A configuration file that cannot be used, and why. */
export class ConfigError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong, and where.
   */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** The listener part of a configuration file. */
export interface ListenConfig {
  /** Host name to bind. */
  host?: string;
  /** Port (0 picks one). */
  port?: number;
  /** WebSocket path. */
  path?: string;
  /** Serializers, such as `["json", "msgpack", "cbor"]`. */
  serializers?: string[];
}

/** A configuration file, read into router options and listener settings. */
export interface RouterConfig {
  /** The router's options. */
  options: RouterOptions;
  /** Where to listen (command-line flags win). */
  listen: ListenConfig;
  /** One line saying how sessions are admitted, for the log. */
  summary: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(where: string, what: string): never {
  throw new ConfigError(`${where}: ${what}`);
}

function str(v: unknown, where: string): string {
  if (typeof v !== "string") fail(where, "a string is expected");
  return v;
}

function num(v: unknown, where: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    fail(where, "a non-negative number is expected");
  }
  return v;
}

function known(o: Json, keys: string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) fail(where, `unknown key ${k}`);
  }
}

const ACTIONS = ["call", "register", "publish", "subscribe"] as const;

function permission(v: unknown, where: string): Permission {
  if (!isObject(v)) fail(where, "a permission object is expected");
  known(v, ["uri", "match", "allow", "disclose", "cache"], where);
  const match = v.match ?? "exact";
  if (match !== "exact" && match !== "prefix" && match !== "wildcard") {
    fail(`${where}.match`, "exact, prefix or wildcard is expected");
  }
  const allow: Permission["allow"] = {};
  if (v.allow !== undefined) {
    if (!isObject(v.allow)) fail(`${where}.allow`, "an object is expected");
    known(v.allow, [...ACTIONS], `${where}.allow`);
    for (const a of ACTIONS) {
      if (v.allow[a] !== undefined) allow[a] = v.allow[a] === true;
    }
  }
  const out: Permission = { uri: str(v.uri, `${where}.uri`), match, allow };
  if (v.disclose !== undefined) {
    if (!isObject(v.disclose)) {
      fail(`${where}.disclose`, "an object is expected");
    }
    known(v.disclose, ["caller", "publisher"], `${where}.disclose`);
    out.disclose = {
      caller: v.disclose.caller === true,
      publisher: v.disclose.publisher === true,
    };
  }
  return out;
}

function roles(v: unknown, where: string): RoleConfig[] {
  if (!Array.isArray(v)) fail(where, "a list of roles is expected");
  return v.map((r, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(r)) fail(at, "a role object is expected");
    known(r, ["name", "permissions", "authorizer"], at);
    const perms = r.permissions ?? [];
    if (!Array.isArray(perms)) {
      fail(`${at}.permissions`, "a list is expected");
    }
    const role: RoleConfig = {
      name: str(r.name, `${at}.name`),
      permissions: perms.map((p, j) =>
        permission(p, `${at}.permissions[${j}]`)
      ),
    };
    if (r.authorizer !== undefined) {
      role.authorizer = str(r.authorizer, `${at}.authorizer`);
    }
    return role;
  });
}

const PRINCIPAL_KEYS = [
  "role",
  "authid",
  "realm",
  "extra",
  "ticket",
  "secret",
  "salt",
  "iterations",
  "keylen",
  "authorized_keys",
  "kdf",
  "memory",
  "stored-key",
  "server-key",
  "password",
];

function method(v: unknown, where: string, name: string): MethodConfig {
  if (!isObject(v)) fail(where, "an object is expected");
  known(
    v,
    [
      "type",
      "principals",
      "users",
      "kdf",
      "iterations",
      "memory",
      "authenticator",
      "authenticator-realm",
    ],
    where,
  );
  if (v.type !== undefined && v.type !== "static" && v.type !== "dynamic") {
    fail(`${where}.type`, `"static" or "dynamic" is expected`);
  }
  if (v.type === "dynamic" && typeof v.authenticator !== "string") {
    fail(`${where}.authenticator`, "a procedure URI is expected");
  }
  const list = v.principals ?? v.users ?? {};
  if (!isObject(list)) fail(`${where}.principals`, "an object is expected");
  const principals: Record<string, Principal> = {};
  for (const [authid, p] of Object.entries(list)) {
    const at = `${where}.principals.${authid}`;
    if (!isObject(p)) fail(at, "a principal object is expected");
    known(p, PRINCIPAL_KEYS, at);
    str(p.role, `${at}.role`);
    const need = {
      ticket: "ticket",
      wampcra: "secret",
      cryptosign: "authorized_keys",
    }[name];
    if (need && p[need] === undefined) fail(at, `${need} is missing`);
    if (
      name === "scram" && p.password === undefined &&
      (p["stored-key"] === undefined || p["server-key"] === undefined)
    ) fail(at, "stored-key and server-key (or password) are missing");
    if (p.authorized_keys !== undefined) {
      const keys = p.authorized_keys;
      if (
        !Array.isArray(keys) ||
        !keys.every((k) => typeof k === "string" && /^[0-9a-fA-F]{64}$/.test(k))
      ) {
        fail(
          `${at}.authorized_keys`,
          "a list of 64-digit hex keys is expected",
        );
      }
    }
    for (const k of ["iterations", "keylen", "memory"]) {
      if (p[k] !== undefined) num(p[k], `${at}.${k}`);
    }
    for (
      const k of ["ticket", "secret", "salt", "password", "realm", "authid"]
    ) {
      if (p[k] !== undefined) str(p[k], `${at}.${k}`);
    }
    if (p.extra !== undefined && !isObject(p.extra)) {
      fail(`${at}.extra`, "an object is expected");
    }
    if (name === "scram" && p.password === undefined) {
      for (const k of ["stored-key", "server-key"]) {
        const v = str(p[k], `${at}.${k}`);
        if (!/^[0-9a-fA-F]{64}$/.test(v) && !/^[A-Za-z0-9+/]{43}=$/.test(v)) {
          fail(`${at}.${k}`, "32 bytes in hex or Base64 are expected");
        }
      }
      if (p.salt === undefined) fail(at, "salt is missing");
      if (
        /^[0-9a-fA-F]{64}$/.test(p["stored-key"] as string) &&
        !/^(?:[0-9a-fA-F]{2})+$/.test(str(p.salt, `${at}.salt`))
      ) fail(`${at}.salt`, "hex is expected beside hex keys (Crossbar's form)");
      if (p.iterations === undefined) fail(at, "iterations is missing");
      if (
        p.kdf !== undefined && p.kdf !== "argon2id-13" && p.kdf !== "pbkdf2"
      ) {
        fail(`${at}.kdf`, "argon2id-13 or pbkdf2 is expected");
      }
      if (p.kdf !== "pbkdf2" && p.memory === undefined) {
        fail(at, "memory is missing (argon2id-13)");
      }
    }
    principals[authid] = p as unknown as Principal;
  }
  const out: MethodConfig & Json = { principals };
  if (v.authenticator !== undefined) {
    out.authenticator = str(v.authenticator, `${where}.authenticator`);
  }
  if (v["authenticator-realm"] !== undefined) {
    out["authenticator-realm"] = str(
      v["authenticator-realm"],
      `${where}.authenticator-realm`,
    );
  }
  if (name === "scram") {
    if (v.kdf !== undefined) {
      if (v.kdf !== "argon2id-13" && v.kdf !== "pbkdf2") {
        fail(`${where}.kdf`, "argon2id-13 or pbkdf2 is expected");
      }
      out.kdf = v.kdf;
    }
    if (v.iterations !== undefined) {
      out.iterations = num(v.iterations, `${where}.iterations`);
    }
    if (v.memory !== undefined) out.memory = num(v.memory, `${where}.memory`);
  }
  return out;
}

function auth(v: unknown): AuthOptions {
  if (!isObject(v)) fail("auth", "an object is expected");
  known(v, ["anonymous", "ticket", "wampcra", "cryptosign", "scram"], "auth");
  const out: AuthOptions = {};
  if (v.anonymous !== undefined && v.anonymous !== false) {
    const a = v.anonymous;
    if (a === true) out.anonymous = true;
    else {
      if (!isObject(a)) fail("auth.anonymous", "an object is expected");
      known(a, ["type", "role"], "auth.anonymous");
      out.anonymous = {
        role: a.role === undefined
          ? undefined
          : str(a.role, "auth.anonymous.role"),
      };
    }
  }
  for (const name of ["ticket", "wampcra", "cryptosign", "scram"] as const) {
    if (v[name] !== undefined) {
      out[name] = method(v[name], `auth.${name}`, name);
    }
  }
  return out;
}

/**
 * Reads a parsed configuration file into router options.
 *
 * @example A secured router
 * ```ts
 * import { readRouterConfig } from "@wampkit/wamp/router";
 * import assert from "node:assert/strict";
 *
 * const config = readRouterConfig({
 *   realms: [{
 *     name: "realm1",
 *     roles: [{
 *       name: "user",
 *       permissions: [{ uri: "com.example.", match: "prefix", allow: { call: true } }],
 *     }],
 *   }],
 *   auth: { ticket: { principals: { joe: { ticket: "secret!", role: "user" } } } },
 * });
 * assert.equal(config.summary, "authentication ticket; permissions from 1 role");
 * ```
 *
 * @param json The parsed file.
 * @returns Router options, listener settings and a summary.
 * @throws {ConfigError} When the file is not a valid configuration.
 */
export function readRouterConfig(json: unknown): RouterConfig {
  if (!isObject(json)) fail("config", "an object is expected");
  known(json, [
    "host",
    "port",
    "path",
    "serializers",
    "realms",
    "roles",
    "auth",
    "allowed_origins",
    "limits",
  ], "config");
  const options: RouterOptions = {};
  const listen: ListenConfig = {};
  if (json.host !== undefined) listen.host = str(json.host, "host");
  if (json.port !== undefined) listen.port = num(json.port, "port");
  if (json.path !== undefined) listen.path = str(json.path, "path");
  if (json.serializers !== undefined) {
    const s = json.serializers;
    if (!Array.isArray(s)) fail("serializers", "a list is expected");
    listen.serializers = s.map((x, i) => str(x, `serializers[${i}]`));
  }
  let roleCount = 0;
  if (json.realms !== undefined) {
    if (!Array.isArray(json.realms)) fail("realms", "a list is expected");
    options.realms = json.realms.map((r, i): string | RealmConfig => {
      if (typeof r === "string") return r;
      const at = `realms[${i}]`;
      if (!isObject(r)) fail(at, "a realm name or object is expected");
      known(r, ["name", "roles"], at);
      const name = str(r.name, `${at}.name`);
      if (r.roles === undefined) return name;
      const list = roles(r.roles, `${at}.roles`);
      roleCount += list.length;
      return { name, roles: list };
    });
  }
  if (json.roles !== undefined) {
    options.roles = roles(json.roles, "roles");
    roleCount += options.roles.length;
  }
  if (json.auth !== undefined) options.auth = auth(json.auth);
  if (json.allowed_origins !== undefined) {
    const o = json.allowed_origins;
    if (!Array.isArray(o)) fail("allowed_origins", "a list is expected");
    options.allowedOrigins = o.map((x, i) => str(x, `allowed_origins[${i}]`));
  }
  if (json.limits !== undefined) {
    const l = json.limits;
    if (!isObject(l)) fail("limits", "an object is expected");
    const map: Record<string, keyof RouterOptions> = {
      max_sessions: "maxSessions",
      max_pending_handshakes: "maxPendingHandshakes",
      max_outbound_bytes: "maxOutboundBytes",
      max_realms: "maxRealms",
      max_subscriptions_per_session: "maxSubscriptionsPerSession",
      max_registrations_per_session: "maxRegistrationsPerSession",
      max_pending_calls: "maxPendingCalls",
    };
    known(l, [...Object.keys(map), "hello_timeout"], "limits");
    for (const [k, target] of Object.entries(map)) {
      if (l[k] !== undefined) {
        (options as Json)[target] = num(l[k], `limits.${k}`);
      }
    }
    if (l.hello_timeout !== undefined) {
      options.helloTimeout = num(l.hello_timeout, "limits.hello_timeout") *
        1000;
    }
  }
  const methods = options.auth
    ? Object.keys(options.auth).filter((k) =>
      (options.auth as Json)[k] !== undefined
    )
    : ["anonymous"];
  const admitted = methods.length === 1 && methods[0] === "anonymous"
    ? "anonymous"
    : `authentication ${methods.join(", ")}`;
  const permissions = roleCount > 0
    ? `permissions from ${roleCount} role${roleCount === 1 ? "" : "s"}`
    : "all permissions";
  return { options, listen, summary: `${admitted}; ${permissions}` };
}
