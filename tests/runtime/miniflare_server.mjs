// Runs a bundled Worker under workerd through Miniflare, prints
// "READY <url>", and stops when stdin closes.
import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";

const [scriptPath] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  script: readFileSync(scriptPath, "utf8"),
  host: "127.0.0.1",
  port: 0,
  compatibilityDate: "2025-01-01",
  durableObjects: { WAMP_ROUTER: "WampRouterObject" },
});
const url = await mf.ready;
console.log(`READY ${url}`);
process.stdin.on("end", async () => {
  await mf.dispose();
  process.exit(0);
});
process.stdin.resume();
