// Connection attempts that fail at the wire: a real WebSocket server on
// 127.0.0.1 that closes at once or never answers HELLO, and a client
// process without network permission.
import assert from "node:assert/strict";
import {
  type CloseDetails,
  type CloseReason,
  connect,
  Connection,
} from "../../src/client/connection.ts";

/** A WebSocket server that accepts `wamp.2.json` and hands the socket on. */
function serve(onSocket: (socket: WebSocket) => void) {
  let upgrades = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      upgrades++;
      const { socket, response } = Deno.upgradeWebSocket(request, {
        protocol: "wamp.2.json",
      });
      onSocket(socket);
      return response;
    },
  );
  return {
    url: `ws://127.0.0.1:${server.addr.port}/ws`,
    upgrades: () => upgrades,
    shutdown: () => server.shutdown(),
  };
}

/** Resolves with the value, or rejects after `ms` so a hang fails the test. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Still pending after ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a connection and collects every onclose until will_retry is false. */
async function closes(
  connection: Connection,
): Promise<[CloseReason, CloseDetails][]> {
  const seen: [CloseReason, CloseDetails][] = [];
  const done = Promise.withResolvers<void>();
  connection.onopen = () => done.reject(new Error("unexpected onopen"));
  connection.onclose = (reason, details) => {
    seen.push([reason, details]);
    if (!details.will_retry) done.resolve();
  };
  connection.open();
  await within(5000, done.promise);
  return seen;
}

Deno.test("Connection: retries every time against a server that closes at once, then gives up", async () => {
  const server = serve((socket) => {
    socket.onopen = () => socket.close();
  });
  try {
    const connection = new Connection({
      url: server.url,
      realm: "realm1",
      max_retries: 3,
      initial_retry_delay: 0.05,
      retry_delay_growth: 2,
      retry_delay_jitter: 0,
    });
    const seen = await closes(connection);
    assert.equal(server.upgrades(), 4);
    assert.deepEqual(seen.map(([, d]) => d.will_retry), [
      true,
      true,
      true,
      false,
    ]);
    assert.deepEqual(seen.map(([, d]) => d.retry_delay), [
      0.05,
      0.1,
      0.2,
      undefined,
    ]);
    for (const [reason, details] of seen) {
      assert.equal(reason, "closed");
      assert.equal(details.reason, "wamp.close.transport_lost");
      assert.ok(details.message.length > 0);
    }
    assert.ok(!connection.isRetrying);
    assert.ok(!connection.isOpen);
  } finally {
    await server.shutdown();
  }
});

Deno.test("connect() gives up after handshake_timeout when the router never answers HELLO", async () => {
  const server = serve(() => {});
  try {
    const started = Date.now();
    await within(
      2000,
      assert.rejects(
        connect({ url: server.url, realm: "realm1", handshake_timeout: 0.1 }),
        /wampkit\.error\.handshake_timeout.*No WELCOME from the router within 0\.1 s/,
      ),
    );
    assert.ok(Date.now() - started >= 90);
  } finally {
    await server.shutdown();
  }
});

Deno.test("Connection: a handshake timeout is a failed attempt that is retried", async () => {
  const server = serve(() => {});
  try {
    const seen = await closes(
      new Connection({
        url: server.url,
        realm: "realm1",
        handshake_timeout: 0.05,
        max_retries: 2,
        initial_retry_delay: 0.01,
        retry_delay_jitter: 0,
      }),
    );
    assert.equal(server.upgrades(), 3);
    assert.deepEqual(seen.map(([, d]) => d.will_retry), [true, true, false]);
    for (const [reason, details] of seen) {
      assert.equal(reason, "closed");
      assert.equal(details.reason, "wampkit.error.handshake_timeout");
      assert.match(details.message, /handshake_timeout/);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("Connection: without --allow-net, one onclose names the flag and nothing is retried", async () => {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  const script = `
    import { connect, Connection } from ${JSON.stringify(mod)};
    const options = { url: "ws://127.0.0.1:9/ws", realm: "realm1" };
    const connection = new Connection({
      ...options,
      max_retries: 5,
      initial_retry_delay: 0.01,
    });
    connection.onclose = (reason, details) => {
      console.log(JSON.stringify({ reason, details, retrying: connection.isRetrying }));
    };
    connection.open();
    await connect(options).catch((e) => console.log(JSON.stringify({ connect: e.message, denied: e.denied })));
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const killer = setTimeout(() => child.kill(), 10000);
  const output = await child.output();
  clearTimeout(killer);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, stderr);
  const lines = new TextDecoder().decode(output.stdout).trim().split("\n")
    .map((line) => JSON.parse(line));
  const onclose = lines.filter((l) => "reason" in l);
  assert.equal(onclose.length, 1, JSON.stringify(lines));
  const [{ reason, details, retrying }] = onclose;
  assert.equal(reason, "unreachable");
  assert.equal(details.will_retry, false);
  assert.equal(retrying, false);
  assert.equal(details.reason, "wampkit.error.permission_denied");
  assert.match(details.message, /--allow-net=127\.0\.0\.1:9\b/);
  const [{ connect: rejected, denied }] = lines.filter((l) => "connect" in l);
  assert.match(rejected, /--allow-net=127\.0\.0\.1:9\b/);
  assert.equal(denied, true);
});
