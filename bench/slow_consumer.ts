// Slow consumer: one subscriber stops reading while a publisher sends
// 300,000 events of 4 KB (1.2 GB) through the router; a second subscriber
// reads everything. The router runs as its own process (the CLI), and its
// RSS is sampled from /proc. With `--src DIR` the router comes from another
// checkout (e.g. a `git worktree` of an older commit) for a before/after run.
//
//   deno run -A bench/slow_consumer.ts [--events 300000] [--src DIR]
import { connect } from "../src/client/connection.ts";

const args = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const EVENTS = Number(opt("events", "300000"));
const SRC = opt("src", new URL("..", import.meta.url).pathname);
const BOUND = 16 * 1024 * 1024;

function rss(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}
const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;

const router = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `${SRC}/src/router/adapters/cli.ts`,
    "--port",
    "0",
    "--realm",
    "realm1",
  ],
  stdout: "piped",
  stderr: "null",
}).spawn();
const lines = router.stdout.pipeThrough(new TextDecoderStream()).getReader();
let out = "";
while (!/ws:\/\/\S+/.test(out)) {
  const { value, done } = await lines.read();
  if (done) throw new Error("router did not start");
  out += value;
}
// Keep draining the router's log so it never blocks on stdout.
const logged: string[] = [];
(async () => {
  for (;;) {
    const { value, done } = await lines.read();
    if (done) break;
    logged.push(value);
  }
})();
const url = /ws:\/\/\S+/.exec(out)![0];
const port = Number(new URL(url).port);

// The slow subscriber: a raw WebSocket that joins, subscribes, then never
// reads again.
const conn = await Deno.connect({ hostname: "127.0.0.1", port });
const enc = new TextEncoder();
await conn.write(enc.encode(
  "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
    "Sec-WebSocket-Protocol: wamp.2.json\r\n\r\n",
));
function frame(text: string): Uint8Array {
  const p = enc.encode(text);
  const out = new Uint8Array(6 + p.length);
  out.set([0x81, 0x80 | p.length, 0, 0, 0, 0]);
  out.set(p, 6);
  return out;
}
await conn.read(new Uint8Array(4096)); // 101
await conn.write(frame('[1,"realm1",{"roles":{"subscriber":{}}}]'));
await conn.write(frame('[32,1,{},"com.feed"]'));
await new Promise((r) => setTimeout(r, 200));

const reader = await connect({ url, realm: "realm1" });
let received = 0;
await reader.subscribe("com.feed", () => received++);
const publisher = await connect({ url, realm: "realm1" });
await new Promise((r) => setTimeout(r, 500));
const pid = router.pid;
const baseline = rss(pid);
let peak = baseline;
const sampler = setInterval(() => peak = Math.max(peak, rss(pid)), 100);

const chunk = "e".repeat(4096);
const started = performance.now();
let sent = 0;
while (sent < EVENTS) {
  for (let i = 0; i < 99 && sent < EVENTS - 1; i++) {
    publisher.publish("com.feed", [sent++, chunk]);
  }
  await publisher.publish("com.feed", [sent++, chunk], {}, {
    acknowledge: true,
  });
}
const seconds = (performance.now() - started) / 1000;
const deadline = Date.now() + 30_000;
while (received < sent && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 50));
}
await new Promise((r) => setTimeout(r, 2000));
clearInterval(sampler);
const after = rss(pid);
peak = Math.max(peak, after);
const slowClosed = logged.join("").includes("slow consumer");

const limit = baseline + BOUND + 100e6;
console.log(
  `| router | events × 4 KB | baseline RSS | peak RSS | RSS 2 s after | limit (baseline + 16 MiB + 100 MB) | slow session closed | reading subscriber got | publish time |`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |`);
console.log(
  `| ${SRC} | ${sent} | ${mb(baseline)} | ${mb(peak)} | ${mb(after)} | ${
    mb(limit)
  } ${peak <= limit ? "(within)" : "(exceeded)"} | ${
    slowClosed ? "yes" : "no"
  } | ${received}/${sent} | ${seconds.toFixed(1)} s |`,
);

await reader.leave();
await publisher.leave();
conn.close();
router.kill("SIGTERM");
await router.status;
