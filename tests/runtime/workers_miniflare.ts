// Starts a Worker under workerd for a test: bundles its entry with
// `deno bundle`, runs it with miniflare_server.mjs (Node, Miniflare from
// tests/runtime/node_modules) on a loopback port, and drives evictions of
// its router objects.
import assert from "node:assert/strict";

const here = new URL("./", import.meta.url);

/** A Worker running under workerd. */
export interface Workerd {
  /** Its base URL, `http://127.0.0.1:<port>/`. */
  readonly base: string;
  /**
   * The WebSocket URL of a path.
   *
   * @param path Such as `ws/realm1`.
   */
  ws(path: string): string;
  /**
   * Evicts a router object from memory, its WebSockets kept open.
   *
   * @param name The object's name, such as `realm:realm1`.
   */
  evict(name: string): Promise<void>;
  /** Stops workerd and removes the bundle. */
  stop(): Promise<void>;
}

/**
 * Bundles `entry` and serves it under workerd.
 *
 * @param entry The Worker's entry module.
 * @param external Modules only workerd resolves (`cloudflare:sockets`).
 */
export async function startWorkerd(
  entry: URL,
  external: string[] = [],
): Promise<Workerd> {
  const dir = await Deno.makeTempDir({ prefix: "wampkit-worker-" });
  const bundle = `${dir}/worker.js`;
  const built = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "-q",
      ...external.flatMap((e) => ["--external", e]),
      "-o",
      bundle,
      entry.pathname,
    ],
  }).output();
  assert.equal(built.code, 0, new TextDecoder().decode(built.stderr));
  const child = new Deno.Command("node", {
    args: [new URL("miniflare_server.mjs", here).pathname, bundle],
    cwd: here.pathname,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const lines: string[] = [];
  let wake: () => void = () => {};
  const reading = (async () => {
    let rest = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      rest += chunk;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
      wake();
    }
    wake();
  })();
  let ended = false;
  reading.finally(() => ended = true);
  const waitFor = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const i = lines.findIndex((l) => pattern.test(l));
      if (i >= 0) return pattern.exec(lines.splice(i, 1)[0]!)!;
      const failed = lines.find((l) => l.startsWith("FAILED"));
      if (failed) throw new Error(failed);
      if (ended) throw new Error(`workerd ended: ${lines.join("\n")}`);
      await new Promise<void>((resolve) => wake = resolve);
    }
  };
  const stop = async () => {
    await stdin.close().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await child.status;
    clearTimeout(timer);
    await reading.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  };
  let base: string;
  try {
    base = (await waitFor(/^READY (\S+)/))[1]!;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    base,
    ws: (path) => base.replace(/^http/, "ws") + path,
    async evict(name) {
      await stdin.write(new TextEncoder().encode(`evict ${name}\n`));
      await waitFor(new RegExp(`^EVICTED ${name.replace(/[.]/g, "\\.")}$`));
    },
    stop,
  };
}
