// Runs a bundled Worker under workerd through Miniflare, prints
// "READY <url>", and stops when stdin closes. Each line on stdin
// "evict <name>" evicts the WampRouterObject named <name> from memory with
// its WebSockets kept open (hibernated), as Cloudflare does to an idle
// object, and answers "EVICTED <name>" (or "FAILED <name> <error>").
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Miniflare } from "miniflare";

const [scriptPath] = process.argv.slice(2);
const mf = new Miniflare({
  name: "wampkit",
  modules: true,
  script: readFileSync(scriptPath, "utf8"),
  host: "127.0.0.1",
  port: 0,
  compatibilityDate: "2025-01-01",
  durableObjects: { WAMP_ROUTER: "WampRouterObject" },
});
const url = await mf.ready;
console.log(`READY ${url}`);
const lines = createInterface({ input: process.stdin });
lines.on("line", async (line) => {
  const [command, name] = line.trim().split(" ");
  if (command !== "evict") return;
  try {
    await mf.unsafeEvictDurableObject("wampkit", "WampRouterObject", {
      name,
      webSockets: "hibernate",
    });
    console.log(`EVICTED ${name}`);
  } catch (err) {
    console.log(`FAILED ${name} ${err?.message ?? err}`);
  }
});
lines.on("close", async () => {
  await mf.dispose();
  process.exit(0);
});
