// Virtual time for tests: a Clock whose timers fire only when the test
// advances it, so timeouts and retry delays are tested without sleeping.
import type { Clock } from "../../src/transports/clock.ts";

/**
 * Lets everything already under way over memory transports happen, without
 * waiting for any time to pass: frames are delivered in microtasks, so by
 * the next macrotask turn every frame in flight, every answer to it and
 * every promise they settle has been handled. "Nothing arrives" checks
 * drain, then look.
 */
export function drain(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

interface Timer {
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that stands still until `advance()` or `runAll()` moves it.
 * Timers due at the same time fire in the order they were set, and the
 * memory transports are drained after each one (and before the first), so
 * what a timer sets off has happened before the next fires.
 */
export class VirtualClock implements Clock {
  #now = 0;
  #nextId = 1;
  #timers = new Map<number, Timer>();

  /** Virtual milliseconds since the clock was made. */
  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.#timers.delete(id as number);
  }

  /** The delays of the timers set and not fired yet, soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now)
      .sort((a, b) => a - b);
  }

  /** Moves time on by `ms`, firing every timer that falls due. */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await drain();
    for (;;) {
      const next = this.#soonest();
      if (next === undefined || next[1].at > until) break;
      await this.#fire(next);
    }
    this.#now = until;
  }

  /**
   * Fires timers, soonest first, until none is left; fails after `limit`
   * timers (something keeps setting new ones).
   *
   * @returns How much virtual time passed.
   */
  async runAll(limit = 1000): Promise<number> {
    const start = this.#now;
    await drain();
    for (let fired = 0;; fired++) {
      const next = this.#soonest();
      if (next === undefined) return this.#now - start;
      if (fired >= limit) {
        throw new Error(`VirtualClock: still timers after ${limit} fired`);
      }
      await this.#fire(next);
    }
  }

  #soonest(): [number, Timer] | undefined {
    let best: [number, Timer] | undefined;
    for (const entry of this.#timers) {
      if (best === undefined || entry[1].at < best[1].at) best = entry;
    }
    return best;
  }

  async #fire([id, timer]: [number, Timer]): Promise<void> {
    this.#timers.delete(id);
    this.#now = timer.at;
    timer.fn();
    await drain();
  }
}
