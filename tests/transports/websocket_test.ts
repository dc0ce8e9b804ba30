import assert from "node:assert/strict";
import {
  connectWebSocket,
  type WebSocketConstructor,
} from "../../src/transports/websocket.ts";
import { TransportError } from "../../src/transports/transport_error.ts";

/** A WebSocket class whose constructor throws an error with this name. */
function throwing(name: string): WebSocketConstructor {
  return class {
    constructor() {
      const err = new Error("Requires net access");
      err.name = name;
      throw err;
    }
  } as unknown as WebSocketConstructor;
}

Deno.test("connectWebSocket() reports a missing permission as denied, naming the flag", async () => {
  for (
    const [name, url, flag] of [
      ["NotCapable", "ws://127.0.0.1:8080/ws", "--allow-net=127.0.0.1:8080"],
      ["NotCapable", "wss://example.com/ws", "--allow-net=example.com:443"],
      ["PermissionDenied", "ws://[::1]/ws", "--allow-net=[::1]:80"],
    ]
  ) {
    await assert.rejects(
      connectWebSocket(url!, {
        protocols: ["wamp.2.json"],
        WebSocket: throwing(name!),
      }),
      (err: unknown) => {
        assert.ok(err instanceof TransportError);
        assert.equal(err.denied, true);
        assert.equal(err.unsupported, false);
        assert.ok(err.message.includes(flag!), err.message);
        assert.equal((err.cause as Error).name, name);
        return true;
      },
    );
  }
});

Deno.test("connectWebSocket() reports other constructor errors as not denied", async () => {
  await assert.rejects(
    connectWebSocket("not a url", {
      protocols: ["wamp.2.json"],
      WebSocket: throwing("SyntaxError"),
    }),
    (err: unknown) =>
      err instanceof TransportError && !err.denied &&
      /Cannot open not a url/.test(err.message),
  );
});
