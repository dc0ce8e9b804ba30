// Client sessions against an embedded router over memory transports.
import { connect } from "../../src/client/connection.ts";
import type { Session } from "../../src/client/session.ts";
import {
  Router,
  routerHost,
  type RouterOptions,
} from "../../src/router/router.ts";
import type { Dict } from "../../src/protocol/messages.ts";
import { type ScriptedPeer, wrap } from "./peer.ts";

/**
 * A client session joined to the router. The router admits anonymous
 * sessions only and assigns their authid; `authid` and `authrole` are then
 * granted on the router's side, as an authenticator would.
 */
export async function session(
  router: Router,
  options: {
    authid?: string;
    authrole?: string;
    realm?: string;
    protocol?: string;
  } = {},
): Promise<Session> {
  const s = await connect({
    realm: options.realm ?? "realm1",
    transports: [{
      type: "memory",
      connect: () => router.connectLocal(options.protocol),
    }],
  });
  if (options.authid !== undefined || options.authrole !== undefined) {
    const realm = routerHost(router).realmFor(s.realm!);
    if (typeof realm === "string") throw new Error(realm);
    const held = realm.sessions.get(s.id!)!;
    if (options.authid !== undefined) held.authid = options.authid;
    if (options.authrole !== undefined) held.authrole = options.authrole;
  }
  return s;
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
