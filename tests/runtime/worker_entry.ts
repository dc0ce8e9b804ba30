// The Worker the Miniflare test runs (bundled with `deno bundle`): the
// router lives in a Durable Object, reached through the Worker's fetch,
// serving WebSocket and HTTP long-poll on /lp.
import {
  type DurableObjectNamespaceLike,
  routeToRouter,
  WampRouterObject as RouterObject,
} from "../../src/router/adapters/workers.ts";

/** The router object, with long-poll beside WebSocket. */
export class WampRouterObject extends RouterObject {
  constructor(state?: unknown, env?: unknown) {
    super(state, env, { longpoll: "/lp" });
  }
}

export default {
  fetch(
    request: Request,
    env: { WAMP_ROUTER: DurableObjectNamespaceLike },
  ): Promise<Response> {
    return routeToRouter(request, env.WAMP_ROUTER);
  },
};
