/**
 * The debug trace of a client session: every message sent and received,
 * and answers that were dropped, as lines of text.
 *
 * @module
 */

import type { Message } from "../protocol/messages.ts";
import { toWire } from "../protocol/parse.ts";
import type { Frame } from "../transports/transport.ts";

/** What turns the trace on and where it goes. */
export interface TracerOptions {
  /**
   * Trace at all.
   *
   * @default {false, or true when WAMPKIT_DEBUG=1}
   */
  debug?: boolean;
  /** Where the lines go (default `console.debug`). */
  trace?: (line: string) => void;
}

/**
 * A message as JSON for the debug trace. Never throws: bigints print as
 * `"123n"`, bytes as `"<n bytes>"`, and anything else JSON cannot show as a
 * placeholder.
 */
function traceJson(value: unknown): string {
  try {
    return JSON.stringify(
      value,
      (_key, v: unknown) =>
        typeof v === "bigint"
          ? `${v}n`
          : v instanceof Uint8Array
          ? `<${v.length} bytes>`
          : v,
    );
  } catch (err) {
    return `<not printable: ${err instanceof Error ? err.message : err}>`;
  }
}

function envDebug(): boolean {
  try {
    const proc = (globalThis as {
      process?: { env?: Record<string, string | undefined> };
    }).process;
    return proc?.env?.WAMPKIT_DEBUG === "1";
  } catch {
    return false;
  }
}

/**
 * Writes the debug trace. Callers check {@linkcode Tracer.enabled} first, so
 * that nothing is built for a trace that is off; the trace never throws and
 * never changes what the session does, even when its sink fails.
 *
 * @example Usage
 * ```ts
 * import { Tracer } from "./tracer.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const tracer = new Tracer({ debug: true, trace: (l) => lines.push(l) });
 * if (tracer.enabled) tracer.message("→", "[48,1,{},\"com.a\"]", {
 *   type: 48,
 *   requestId: 1,
 *   options: {},
 *   procedure: "com.a",
 * });
 * assert.deepEqual(lines, ['[wampkit] → [48,1,{},"com.a"]']);
 * ```
 */
export class Tracer {
  /** Whether the trace is on. */
  readonly enabled: boolean;
  #sink: (line: string) => void;

  /**
   * Creates the trace of a session.
   *
   * @param options Whether to trace, and where to.
   */
  constructor(options: TracerOptions) {
    this.enabled = options.debug ?? envDebug();
    // deno-lint-ignore no-console
    this.#sink = options.trace ?? ((line) => console.debug(line));
  }

  /**
   * Traces a message: text frames as they are, binary ones as JSON.
   *
   * @param arrow `→` for sent, `←` for received.
   * @param frame The frame.
   * @param message The message in it.
   */
  message(arrow: "→" | "←", frame: Frame, message: Message): void {
    this.line(() =>
      `${arrow} ${
        typeof frame === "string"
          ? frame
          : `${frame.length} bytes ${traceJson(toWire(message))}`
      }`
    );
  }

  /**
   * Traces a line, built only now.
   *
   * @param line Builds the line.
   */
  line(line: () => string): void {
    try {
      this.#sink(`[wampkit] ${line()}`);
    } catch {
      // A failing trace (or trace sink) must not affect the session.
    }
  }
}
