// A scripted WAMP peer on the far end of a memory transport: tests read what
// the client sent and write what a router would answer, message by message.
import assert from "node:assert/strict";
import {
  type LeaveInfo,
  Session,
  type SessionOptions,
} from "../../src/client/session.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { memoryPair } from "../../src/transports/memory.ts";
import type { Frame, Transport } from "../../src/transports/transport.ts";
import { VirtualClock } from "./virtual_clock.ts";

export { drain } from "./virtual_clock.ts";

export interface ScriptedPeer {
  /** The next message the other side sent (waits for it). */
  next(): Promise<unknown[]>;
  /** Sends a message (wire array) or a raw frame. */
  send(message: unknown[] | Frame): void;
  /** Closes the transport. */
  close(): void;
  /** Resolves when the transport closed. */
  closed: Promise<void>;
  /** Messages received and not read yet. */
  pending(): unknown[][];
}

/** A memory transport pair: the client end, and a scripted peer. */
export function scripted(): { transport: Transport; peer: ScriptedPeer } {
  const [client, server] = memoryPair("wamp.2.json");
  return { transport: client, peer: wrap(server) };
}

/** Scripts one end of a transport (JSON). */
export function wrap(server: Transport): ScriptedPeer {
  const json = new JsonSerializer();
  const inbox: unknown[][] = [];
  const waiters: ((m: unknown[]) => void)[] = [];
  const closed = Promise.withResolvers<void>();
  server.listen({
    message(frame) {
      const msg = json.deserialize(frame) as unknown[];
      const w = waiters.shift();
      if (w) w(msg);
      else inbox.push(msg);
    },
    close: () => closed.resolve(),
  });
  return {
    next() {
      const m = inbox.shift();
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        // Register before arming the timer: in Deno's test runner,
        // setTimeout can let queued microtasks (a delivery) run.
        const armed: { timer?: ReturnType<typeof setTimeout> } = {};
        waiters.push((msg) => {
          clearTimeout(armed.timer);
          resolve(msg);
        });
        armed.timer = setTimeout(
          () => reject(new Error("scripted peer: no message within 2 s")),
          2000,
        );
      });
    },
    send(message) {
      server.send(
        Array.isArray(message) ? json.serialize(message) : message,
      );
    },
    close: () => server.close(),
    closed: closed.promise,
    pending: () => inbox.splice(0),
  };
}

/** Waits for a few macrotasks so queued messages are delivered. */
export function tick(ms = 5): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const ROUTER_ROLES = {
  broker: {
    features: {
      pattern_based_subscription: true,
      publisher_exclusion: true,
    },
  },
  dealer: {
    features: {
      call_canceling: true,
      progressive_call_results: true,
      call_timeout: true,
    },
  },
};

/** A client session joined to a scripted router. */
export interface JoinedSession extends AsyncDisposable {
  session: Session;
  peer: ScriptedPeer;
  /** Resolves with the session's onleave. */
  left: Promise<LeaveInfo>;
  /** The session's clock. */
  clock: VirtualClock;
}

/**
 * A client session joined to a scripted router, on virtual time. `await
 * using` it: the transport closes when the test ends.
 */
export async function joined(
  options: Partial<SessionOptions> = {},
  roles: unknown = ROUTER_ROLES,
): Promise<JoinedSession> {
  const clock = new VirtualClock();
  const { transport, peer } = scripted();
  const session = new Session(transport, new JsonSerializer(), {
    realm: "realm1",
    clock,
    ...options,
  });
  const left = new Promise<LeaveInfo>((r) => session.onleave = r);
  const join = session.join();
  const hello = await peer.next();
  assert.equal(hello[0], 1);
  peer.send([2, 4242, { roles }]);
  await join;
  return {
    session,
    peer,
    left,
    clock,
    async [Symbol.asyncDispose]() {
      peer.close();
      await peer.closed;
    },
  };
}
