// The Worker the Miniflare test runs (bundled with `deno bundle`): the
// router lives in a Durable Object, reached through the Worker's fetch.
import {
  type DurableObjectNamespaceLike,
  routeToRouter,
  WampRouterObject,
} from "../../src/router/adapters/workers.ts";

export { WampRouterObject };

export default {
  fetch(
    request: Request,
    env: { WAMP_ROUTER: DurableObjectNamespaceLike },
  ): Promise<Response> {
    return routeToRouter(request, env.WAMP_ROUTER);
  },
};
