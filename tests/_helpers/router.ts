// Client sessions against an embedded router over memory transports.
import { connect } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import { Router, type RouterOptions } from "../../src/router/router.ts";
import type { Dict } from "../../src/protocol/messages.ts";
import { type ScriptedPeer, wrap } from "./peer.ts";

export function session(
  router: Router,
  options: { authid?: string; realm?: string; protocol?: string } = {},
): Promise<Session> {
  return connect({
    realm: options.realm ?? "realm1",
    authid: options.authid,
    transports: [{
      type: "memory",
      connect: () => router.connectLocal(options.protocol),
    }],
  });
}

/** A raw, scripted client joined with the given roles. */
export async function rawClient(
  router: Router,
  roles: Dict = { caller: {}, callee: {}, publisher: {}, subscriber: {} },
): Promise<{ peer: ScriptedPeer; id: number }> {
  const peer = wrap(router.connectLocal());
  peer.send([1, "realm1", { roles }]);
  const welcome = await peer.next();
  if (welcome[0] !== 2) throw new Error(`expected WELCOME, got ${welcome}`);
  return { peer, id: welcome[1] as number };
}

export function newRouter(options: RouterOptions = {}): Router {
  return new Router({ realms: ["realm1"], ...options });
}
