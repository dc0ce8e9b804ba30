// RawSocket where `deno task test`'s permissions do not reach: a Unix
// socket (Deno needs --allow-read, --allow-write and --allow-net=unix:PATH
// for it) and a client
// without --allow-net, each in a child Deno (_rawsocket_child.ts) given
// exactly those permissions.
import assert from "node:assert/strict";

const script = new URL("./_rawsocket_child.ts", import.meta.url).pathname;

async function child(
  mode: string,
  permissions: string[],
): Promise<Record<string, unknown>> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...permissions, script, mode],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      process.kill("SIGKILL");
    } catch {
      // gone
    }
  }, 30_000);
  try {
    const { code, stdout, stderr } = await process.output();
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, `${text}\n${new TextDecoder().decode(stderr)}`);
    return JSON.parse(text.trim().split("\n").at(-1)!);
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("rawsocket: the router on a Unix socket, clients through the Deno and Node connectors", async () => {
  const out = await child("unix", [
    "--allow-read",
    "--allow-write",
    "--allow-net",
    "--allow-env",
  ]);
  assert.match(out.url as string, /^unix:\/\/\/.*\/router\.sock$/);
  assert.equal(out.call, "hello unix");
  assert.equal(out.removed, true, "the socket file is removed on shutdown");
});

Deno.test("rawsocket: without --allow-net the client says which flag to add, and does not retry", async () => {
  const out = await child("denied", ["--allow-env"]);
  assert.equal(out.denied, true);
  assert.match(
    out.message as string,
    /No permission to connect to 127\.0\.0\.1:9 \(NotCapable\): run Deno with --allow-net=127\.0\.0\.1:9/,
  );
  assert.deepEqual(out.closes, [[
    "unreachable",
    "wampkit.error.permission_denied",
    false,
  ]]);
});
