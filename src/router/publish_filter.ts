/**
 * Subscriber black- and white-listing and publisher exclusion: which
 * subscribers a publication may reach.
 *
 * @module
 */

import type { Dict } from "../protocol/messages.ts";

/** What the filter needs to know of a subscriber. */
export interface FilterTarget {
  /** Session id. */
  readonly id: number;
  /** The authid the router granted. */
  readonly authid: string;
  /** The authrole the router granted. */
  readonly authrole: string;
}

function set<T>(v: unknown): Set<T> | undefined {
  return Array.isArray(v) ? new Set(v as T[]) : undefined;
}

/**
 * The receivers a PUBLISH allows, from its options: `exclude`, `eligible`
 * (session ids), `exclude_authid`, `eligible_authid`, `exclude_authrole`,
 * `eligible_authrole`, and `exclude_me` (default true) for the publisher.
 * Exclusion wins over eligibility; a white list that is given admits only
 * the sessions it names.
 *
 * @example Usage
 * ```ts
 * import { PublishFilter } from "./publish_filter.ts";
 * import assert from "node:assert/strict";
 *
 * const alice = { id: 1, authid: "alice", authrole: "user" };
 * const bob = { id: 2, authid: "bob", authrole: "admin" };
 * const filter = PublishFilter.of({ eligible_authrole: ["user", "admin"], exclude: [2] }, undefined);
 * assert.equal(filter?.admits(alice), true);
 * assert.equal(filter?.admits(bob), false);
 * assert.equal(PublishFilter.of({}, undefined), undefined); // nothing to filter
 * ```
 */
export class PublishFilter {
  #publisher: FilterTarget | undefined;
  #exclude: Set<number> | undefined;
  #eligible: Set<number> | undefined;
  #excludeAuthid: Set<string> | undefined;
  #eligibleAuthid: Set<string> | undefined;
  #excludeAuthrole: Set<string> | undefined;
  #eligibleAuthrole: Set<string> | undefined;

  private constructor(options: Dict, publisher: FilterTarget | undefined) {
    this.#publisher = options.exclude_me === false ? undefined : publisher;
    this.#exclude = set(options.exclude);
    this.#eligible = set(options.eligible);
    this.#excludeAuthid = set(options.exclude_authid);
    this.#eligibleAuthid = set(options.eligible_authid);
    this.#excludeAuthrole = set(options.exclude_authrole);
    this.#eligibleAuthrole = set(options.eligible_authrole);
  }

  /**
   * The filter for a publication, or undefined when it admits everyone.
   *
   * @param options The PUBLISH options.
   * @param publisher The publishing session; undefined for the router.
   * @returns The filter, if any option restricts the receivers.
   */
  static of(
    options: Dict,
    publisher: FilterTarget | undefined,
  ): PublishFilter | undefined {
    if (
      (publisher === undefined || options.exclude_me === false) &&
      options.exclude === undefined && options.eligible === undefined &&
      options.exclude_authid === undefined &&
      options.eligible_authid === undefined &&
      options.exclude_authrole === undefined &&
      options.eligible_authrole === undefined
    ) return undefined;
    return new PublishFilter(options, publisher);
  }

  /**
   * Whether a subscriber may receive the publication.
   *
   * @param s The subscriber.
   * @returns True when admitted.
   */
  admits(s: FilterTarget): boolean {
    if (s === this.#publisher) return false;
    if (this.#exclude?.has(s.id)) return false;
    if (this.#eligible !== undefined && !this.#eligible.has(s.id)) return false;
    if (this.#excludeAuthid?.has(s.authid)) return false;
    if (
      this.#eligibleAuthid !== undefined && !this.#eligibleAuthid.has(s.authid)
    ) return false;
    if (this.#excludeAuthrole?.has(s.authrole)) return false;
    return this.#eligibleAuthrole === undefined ||
      this.#eligibleAuthrole.has(s.authrole);
  }
}
