// Drives headless Chromium for tests/browser/browser_test.ts (run with Node
// 20: `node driver.mjs <page url>`). Chromium comes from @sparticuz/chromium
// (unpacked to /tmp on first use) and is driven by puppeteer-core over a
// pipe (no DevTools port). It is launched once; the page is opened once.
//
// Protocol, one JSON object per line:
//   stdout ← {"ready":true,"version":…,"scenarios":[…]} once the page loaded
//   stdin  → {"id":1,"name":"rpc","params":{…}}
//   stdout ← {"id":1,"ok":true,"result":…} or {"id":1,"ok":false,"error":"…"}
// Closing stdin closes the browser and ends the process. Progress and the
// page's console go to stderr.
import { createInterface } from "node:readline";

// Imported by a computed name: Node resolves them from
// tests/browser/node_modules, and `deno check` (which walks this file with
// the rest of the repository) does not try to.
const load = (name) => import(name);
const { default: chromium } = await load("@sparticuz/chromium");
const { default: puppeteer } = await load("puppeteer-core");

const pageUrl = process.argv[2];
const log = (...args) => console.error("[driver]", ...args);
const reply = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");

if (!pageUrl) {
  log("usage: node driver.mjs <page url>");
  process.exit(2);
}

let browser;
async function shutdown(code) {
  try {
    await browser?.close();
  } catch (err) {
    log("closing the browser:", err?.message ?? err);
  }
  process.exit(code);
}

try {
  const t0 = Date.now();
  // WAMPKIT_CHROMIUM: another Chromium/Chrome binary instead of the bundled
  // one.
  const own = process.env.WAMPKIT_CHROMIUM;
  if (!own) log("unpacking Chromium (first run: to /tmp) …");
  const executablePath = own || await chromium.executablePath();
  log(`Chromium at ${executablePath} (${Date.now() - t0} ms); launching …`);
  // The serverless defaults, minus the ones that would turn off the web's
  // security model: the page must run as on any origin.
  const args = chromium.args.filter((a) =>
    a !== "--disable-web-security" &&
    a !== "--allow-running-insecure-content"
  );
  browser = await puppeteer.launch({
    executablePath,
    args,
    headless: "shell",
    pipe: true,
    timeout: 120_000,
    protocolTimeout: 120_000,
  });
  const version = await browser.version();
  log(`${version} up in ${Date.now() - t0} ms`);
  const page = await browser.newPage();
  page.on("console", (msg) => log(`page console.${msg.type()}:`, msg.text()));
  page.on("pageerror", (err) => log("page error:", err?.message ?? err));
  page.on(
    "requestfailed",
    (req) => log("request failed:", req.url(), req.failure()?.errorText),
  );
  const response = await page.goto(pageUrl, {
    waitUntil: "load",
    timeout: 60_000,
  });
  if (!response?.ok()) {
    throw new Error(`loading ${pageUrl}: HTTP ${response?.status()}`);
  }
  await page.waitForFunction(() => globalThis.wampkitPage?.ready === true, {
    timeout: 30_000,
  });
  const scenarios = await page.evaluate(() => globalThis.wampkitPage.scenarios);
  const origin = await page.evaluate(() => location.origin);
  reply({
    ready: true,
    version,
    origin,
    scenarios,
    userAgent: await browser.userAgent(),
  });

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const { id, name, params } = JSON.parse(line);
    try {
      const result = await page.evaluate(
        (n, p) => globalThis.wampkitPage.run(n, p),
        name,
        params,
      );
      reply({ id, ok: true, result });
    } catch (err) {
      reply({ id, ok: false, error: String(err?.message ?? err) });
    }
  }
  await shutdown(0);
} catch (err) {
  log("FAILED:", err?.stack ?? err);
  log(
    "if Chromium lacks shared libraries, its own output above names them; " +
      "WAMPKIT_CHROMIUM=/path/to/chrome selects another binary",
  );
  reply({ ready: false, error: String(err?.message ?? err) });
  await shutdown(1);
}
