/**
 * An in-process transport pair: what one end sends, the other receives, in
 * order and asynchronously, as over a socket. Used by tests and to connect a
 * client to an embedded router in the same process.
 *
 * @module
 */

import { Inbox } from "./_base.ts";
import type {
  CloseInfo,
  Frame,
  Transport,
  TransportHandlers,
  TransportInfo,
} from "./transport.ts";

class MemoryTransport implements Transport {
  readonly info: TransportInfo;
  readonly inbox: Inbox = new Inbox();
  peer!: MemoryTransport;
  #open = true;
  #queue: Frame[] = [];
  #scheduled = false;

  constructor(protocol: string) {
    this.info = { type: "memory", protocol };
  }

  get isOpen(): boolean {
    return this.#open;
  }

  send(frame: Frame): void {
    if (!this.#open) return;
    this.#queue.push(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (const frame of queue) this.peer.inbox.message(frame);
  }

  close(code = 1000, reason = ""): void {
    if (!this.#open) return;
    this.#open = false;
    const info: CloseInfo = { code, reason, wasClean: true };
    // Deliver what was sent before closing, then the close, to both ends.
    queueMicrotask(() => {
      this.#flush();
      this.peer.#open = false;
      this.peer.inbox.close(info);
      this.inbox.close(info);
    });
  }

  listen(handlers: TransportHandlers): void {
    this.inbox.listen(handlers);
  }
}

/**
 * Creates two connected in-memory transports.
 *
 * @example Usage
 * ```ts
 * import { memoryPair } from "@wampkit/wamp";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = memoryPair("wamp.2.json");
 * const got = new Promise((resolve) => b.listen({ message: resolve, close() {} }));
 * a.send("[1]");
 * assert.equal(await got, "[1]");
 * a.close();
 * ```
 *
 * @param protocol The subprotocol both ends report.
 * @returns The two ends.
 */
export function memoryPair(
  protocol = "wamp.2.json",
): [Transport, Transport] {
  const a = new MemoryTransport(protocol);
  const b = new MemoryTransport(protocol);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
