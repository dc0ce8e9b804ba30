/**
 * Option and detail types of the client API.
 *
 * @module
 */

import type { MatchPolicy } from "../protocol/uri.ts";
import type { Dict } from "../protocol/messages.ts";
import type { CancelMode, ProgressHandler } from "./call_promise.ts";

/**
 * The options of `session.call()` that stay on this side: they configure the
 * call locally and are never sent as such.
 */
export interface LocalCallOptions {
  /** Cancels the call when aborted. */
  signal?: AbortSignal;
  /**
   * The cancel mode used for `signal`.
   *
   * @default {"kill"}
   */
  cancelMode?: CancelMode;
  /** Receives progressive results; implies `receive_progress`. */
  onProgress?: ProgressHandler;
  /**
   * Milliseconds until the call fails with `wamp.error.timeout`; sent to the
   * router too (`timeout` in CALL.Options), which cancels the invocation. 0
   * means none.
   *
   * @default {0}
   */
  timeout?: number;
}

/**
 * The options of `session.call()` that are sent in CALL.Options. WAMP option
 * keys are lower case (`[a-z][a-z0-9_]{2,}`, and `_[a-z0-9_]{3,}` for
 * implementation-specific ones), so any lower-case key passes through;
 * a key with capitals is not a WAMP option, and is a type error unless it
 * is one of the {@linkcode LocalCallOptions}.
 */
export interface WireCallOptions {
  /** Ask the callee for progressive results. */
  receive_progress?: boolean;
  /** Ask the dealer to disclose this session to the callee. */
  disclose_me?: boolean;
  /** The call timeout in ms, see {@linkcode LocalCallOptions.timeout}. */
  timeout?: number;
  /** Further CALL options, passed through. */
  [key: Lowercase<string>]: unknown;
}

/**
 * Options of `session.call()`: the local ones and the ones sent in
 * CALL.Options. A misspelt local option is a type error
 * (`{ onProgres: fn }`), custom WAMP options pass through (`{ rkey: "k" }`).
 */
export type CallOptions = LocalCallOptions & WireCallOptions;

/** Options of `session.publish()`. WAMP keys are sent in PUBLISH.Options. */
export interface PublishOptions {
  /** Ask the broker to acknowledge; then publish returns a promise. */
  acknowledge?: boolean;
  /** Session ids that must not receive the event. */
  exclude?: number[];
  /** Only these session ids may receive the event. */
  eligible?: number[];
  /** authids that must not receive the event. */
  exclude_authid?: string[];
  /** authroles that must not receive the event. */
  exclude_authrole?: string[];
  /** Only these authids may receive the event. */
  eligible_authid?: string[];
  /** Only these authroles may receive the event. */
  eligible_authrole?: string[];
  /** `false` to receive one's own event (default true). */
  exclude_me?: boolean;
  /** Ask the broker to disclose this session to subscribers. */
  disclose_me?: boolean;
  /** Further PUBLISH options, passed through. */
  [key: string]: unknown;
}

/** Options of `session.subscribe()`. */
export interface SubscribeOptions {
  /** How the topic matches (default `exact`). */
  match?: MatchPolicy;
  /** Further SUBSCRIBE options, passed through. */
  [key: string]: unknown;
}

/** Options of `session.register()`. */
export interface RegisterOptions {
  /** How the procedure matches (default `exact`). */
  match?: MatchPolicy;
  /** Shared registration policy (default `single`). */
  invoke?: "single" | "roundrobin" | "random" | "first" | "last";
  /** Ask the dealer to disclose callers. */
  disclose_caller?: boolean;
  /** Further REGISTER options, passed through. */
  [key: string]: unknown;
}

/** What an event handler gets besides the payload. */
export interface EventDetails {
  /** The publication id. */
  publication: number;
  /** The concrete topic (useful for pattern subscriptions). */
  topic: string;
  /** The publisher's session id, when disclosed. */
  publisher?: number;
  /** The publisher's authid, when disclosed. */
  publisher_authid?: string;
  /** The publisher's authrole, when disclosed. */
  publisher_authrole?: string;
  /** Whether this is a retained event. */
  retained?: boolean;
  /** All EVENT details as received. */
  details: Dict;
}

/** What a callee endpoint gets besides the payload. */
export interface InvocationDetails {
  /** The concrete procedure (useful for pattern registrations). */
  procedure: string;
  /** The registration id. */
  registration: number;
  /** The caller's session id, when disclosed. */
  caller?: number;
  /** The caller's authid, when disclosed. */
  caller_authid?: string;
  /** The caller's authrole, when disclosed. */
  caller_authrole?: string;
  /** The call timeout the dealer forwarded, in ms. */
  timeout?: number;
  /**
   * Sends a progressive result; present only when the caller asked for
   * progress.
   */
  progress?: (args?: unknown[], kwargs?: Dict) => void;
  /** Aborted when the dealer interrupts the invocation (call canceled). */
  signal: AbortSignal;
  /** All INVOCATION details as received. */
  details: Dict;
}

/** An event handler. */
export type EventHandler = (
  args: unknown[],
  kwargs: Dict,
  details: EventDetails,
) => void;

/** A callee endpoint: returns a value, a Promise, or a `Result`. */
export type Endpoint = (
  args: unknown[],
  kwargs: Dict,
  details: InvocationDetails,
) => unknown;
