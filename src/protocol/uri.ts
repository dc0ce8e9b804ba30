/**
 * WAMP URI validation and pattern matching.
 *
 * @module
 */

/** How a subscription or registration matches URIs. */
export type MatchPolicy = "exact" | "prefix" | "wildcard";

/** Options for {@linkcode isValidUri}. */
export interface UriCheckOptions {
  /**
   * Only lower-case letters, digits and `_` in components.
   *
   * @default {false}
   */
  strict?: boolean;
  /**
   * Allow empty components, as wildcard and prefix patterns need.
   *
   * @default {false}
   */
  allowEmpty?: boolean;
}

const LOOSE = /^([^\s.#]+\.)*([^\s.#]+)$/u;
const LOOSE_EMPTY = /^(([^\s.#]+\.)|\.)*([^\s.#]+)?$/u;
const STRICT = /^([0-9a-z_]+\.)*([0-9a-z_]+)$/;
const STRICT_EMPTY = /^(([0-9a-z_]+\.)|\.)*([0-9a-z_]+)?$/;

/**
 * Whether a string is a valid WAMP URI, using the spec's regular
 * expressions: components separated by `.`, without whitespace or `#`.
 *
 * @example Usage
 * ```ts
 * import { isValidUri } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isValidUri("com.myapp.topic1"));
 * assert.ok(!isValidUri("com.myapp..topic1"));
 * assert.ok(isValidUri("com.myapp..topic1", { allowEmpty: true }));
 * assert.ok(!isValidUri("com.MyApp.topic", { strict: true }));
 * ```
 *
 * @param uri The string to check.
 * @param options Strictness and empty components.
 * @returns Whether the URI is valid.
 */
export function isValidUri(
  uri: string,
  options: UriCheckOptions = {},
): boolean {
  if (typeof uri !== "string") return false;
  if (options.allowEmpty) {
    if (uri.length === 0) return false;
    return (options.strict ? STRICT_EMPTY : LOOSE_EMPTY).test(uri);
  }
  return (options.strict ? STRICT : LOOSE).test(uri);
}

/**
 * Whether a concrete URI matches a pattern under a match policy. `exact`
 * compares whole strings; `prefix` is a plain string prefix (so `com.a`
 * matches `com.a.b` and `com.ab`); `wildcard` needs the same number of
 * components, where an empty pattern component matches any one component.
 *
 * @example Usage
 * ```ts
 * import { uriMatches } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.ok(uriMatches("com.myapp", "prefix", "com.myapp.topic1"));
 * assert.ok(uriMatches("com..update", "wildcard", "com.user.update"));
 * assert.ok(!uriMatches("com..update", "wildcard", "com.user.x.update"));
 * ```
 *
 * @param pattern The subscribed or registered URI.
 * @param policy The match policy.
 * @param uri The concrete topic or procedure.
 * @returns Whether it matches.
 */
export function uriMatches(
  pattern: string,
  policy: MatchPolicy,
  uri: string,
): boolean {
  if (policy === "exact") return pattern === uri;
  if (policy === "prefix") return uri.startsWith(pattern);
  return wildcardMatches(pattern.split("."), uri.split("."));
}

/**
 * Whether the components of a URI match wildcard pattern components.
 *
 * @example Usage
 * ```ts
 * import { wildcardMatches } from "@wampkit/wamp/protocol";
 * import assert from "node:assert/strict";
 *
 * assert.ok(wildcardMatches(["a", "", "c"], ["a", "b", "c"]));
 * ```
 *
 * @param pattern The pattern split at `.`.
 * @param parts The URI split at `.`.
 * @returns Whether it matches.
 */
export function wildcardMatches(
  pattern: readonly string[],
  parts: readonly string[],
): boolean {
  if (pattern.length !== parts.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p !== "" && p !== parts[i]) return false;
  }
  return true;
}
