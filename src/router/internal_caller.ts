/**
 * The router calling a procedure that a client registered: a dynamic
 * authenticator or authorizer. It joins the realm as a trusted session over
 * an in-process transport (so the dealer routes its calls like anyone's) and
 * speaks just enough WAMP for CALL and its answer.
 *
 * @module
 */

import { JsonSerializer } from "../serializers/json.ts";
import { memoryPair } from "../transports/memory.ts";
import type { Transport } from "../transports/transport.ts";
import type { Clock } from "../transports/clock.ts";
import { withResolvers } from "../transports/_with_resolvers.ts";

/** A dynamic authenticator or authorizer failed or did not answer. */
export class InternalCallError extends Error {
  /** The WAMP error URI, when the callee answered ERROR. */
  readonly uri: string | undefined;

  /**
   * Creates the error.
   *
   * @param message What went wrong.
   * @param uri The WAMP error URI, if any.
   */
  constructor(message: string, uri?: string) {
    super(message);
    this.name = "InternalCallError";
    this.uri = uri;
  }
}

interface Pending {
  resolve: (value: unknown[]) => void;
  reject: (err: Error) => void;
  timer: unknown;
}

const MAX_PENDING = 1000;

/**
 * One trusted session in one realm that makes calls for the router.
 *
 * @example Calling a registered procedure
 * ```ts ignore
 * // As Router does: serve the router's end as a trusted RouterSession.
 * const caller = new InternalCaller(
 *   (server) => new RouterSession(server, new JsonSerializer(), host, true).start(),
 *   "realm1",
 *   systemClock,
 * );
 * const [result] = await caller.call("com.example.authenticate", ["realm1", "joe", {}]);
 * ```
 */
export class InternalCaller {
  #json = new JsonSerializer();
  #transport: Transport;
  #pending = new Map<number, Pending>();
  #next = 0;
  #joined: Promise<void>;
  #closed = false;
  #clock: Clock;
  #timeout: number;
  #idle: unknown;

  /**
   * Joins a realm.
   *
   * @param accept Serves the router's end as a trusted session.
   * @param realm The realm to join.
   * @param clock Timers.
   * @param timeout Milliseconds a call may take.
   * @param onClose Called once the session is gone.
   */
  constructor(
    accept: (server: Transport) => void,
    realm: string,
    clock: Clock,
    timeout = 10_000,
    onClose?: () => void,
  ) {
    this.#clock = clock;
    this.#timeout = timeout;
    const [client, server] = memoryPair("wamp.2.json");
    this.#transport = client;
    const joined = withResolvers<void>();
    this.#joined = joined.promise;
    // A failed join rejects every call; nobody else waits on it.
    joined.promise.catch(() => {});
    client.listen({
      message: (frame) => {
        const m = this.#json.deserialize(frame) as unknown[];
        if (m[0] === 2) return joined.resolve();
        if (m[0] === 3) {
          return joined.reject(
            new InternalCallError(`Router refused the join: ${m[2]}`),
          );
        }
        if (m[0] === 50) return this.#settle(m[1], null, m);
        if (m[0] === 8 && m[1] === 48) return this.#settle(m[2], m, null);
      },
      close: () => {
        this.#closed = true;
        this.#clock.clearTimeout(this.#idle);
        onClose?.();
        joined.reject(new InternalCallError("Internal session closed"));
        for (const [id, p] of this.#pending) {
          this.#clock.clearTimeout(p.timer);
          this.#pending.delete(id);
          p.reject(new InternalCallError("Internal session closed"));
        }
      },
    });
    accept(server);
    this.#send([1, realm, { roles: { caller: {} } }]);
  }

  /** Whether the session is gone (a new caller must be made). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Calls a procedure.
   *
   * @param procedure The procedure URI.
   * @param args Positional arguments.
   * @param kwargs Keyword arguments.
   * @returns The result's positional arguments.
   */
  async call(
    procedure: string,
    args: unknown[],
    kwargs: Record<string, unknown> = {},
  ): Promise<unknown[]> {
    this.#clock.clearTimeout(this.#idle);
    await this.#joined;
    if (this.#pending.size >= MAX_PENDING) {
      throw new InternalCallError("Too many internal calls pending");
    }
    const id = ++this.#next;
    const { promise, resolve, reject } = withResolvers<unknown[]>();
    const timer = this.#clock.setTimeout(() => {
      this.#pending.delete(id);
      this.#idleSoon();
      reject(new InternalCallError(`${procedure} did not answer in time`));
    }, this.#timeout);
    this.#pending.set(id, { resolve, reject, timer });
    this.#send([48, id, {}, procedure, args, kwargs]);
    return promise;
  }

  /** Leaves the realm. */
  close(): void {
    this.#transport.close(1000, "closed");
  }

  // Leaves the realm a second after the last answer, so that an idle
  // realm (an auto-created one, say) is not held by the router's session.
  #idleSoon(): void {
    if (this.#pending.size > 0) return;
    this.#clock.clearTimeout(this.#idle);
    this.#idle = this.#clock.setTimeout(() => {
      if (this.#pending.size === 0) this.close();
    }, 1000);
  }

  #send(message: unknown[]): void {
    try {
      this.#transport.send(this.#json.serialize(message));
    } catch {
      // A closed transport: the close handler rejects what is pending.
    }
  }

  #settle(id: unknown, error: unknown[] | null, result: unknown[] | null) {
    const p = this.#pending.get(id as number);
    if (p === undefined) return;
    this.#pending.delete(id as number);
    this.#clock.clearTimeout(p.timer);
    this.#idleSoon();
    if (error) {
      p.reject(new InternalCallError(`${error[4]}`, String(error[4])));
    } else p.resolve(Array.isArray(result![3]) ? result![3] : []);
  }
}
