// Starts routers (and the raw relay) as separate processes so that the load
// generator and the router do not share a thread: the embedded router via its
// CLI (from this checkout or from another one, for before/after runs), Nexus
// and Crossbar from .peers/ (tests/interop/install_peers.sh installs them).
// Each process exposes its pid, CPU time and RSS (read from /proc), and is
// killed, with its children, by stop() or by stopAll().
import {
  cpuSeconds,
  listeningPorts,
  processStart,
  processTree,
  rssBytes,
} from "./_proc.ts";

const root = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

export interface RouterProcess {
  name: string;
  url: string;
  /** The embedded router's long-poll URL, when started with `--longpoll`. */
  longpollUrl?: string;
  /** The embedded router's RawSocket URL, with `--rawsocket-port`. */
  rawSocketUrl?: string;
  /** The process started (for Crossbar: the node controller). */
  pid: number;
  /** The process and its descendants now (Crossbar: controller + workers). */
  tree(): number[];
  /** CPU seconds (user + system) of the process tree. */
  cpu(): number;
  /** RSS in bytes of the process tree. */
  rss(): number;
  /** What the process printed. */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<RouterProcess>();

/** Stops every process started here that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}

let signalsInstalled = false;
const onSignal = () => {
  stopAll().finally(() => Deno.exit(130));
};
/**
 * On SIGINT/SIGTERM, kill the started processes before exiting. Call
 * `uninstallSignalCleanup()` at the end, or the listeners keep the process
 * alive.
 */
export function installSignalCleanup(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
}
export function uninstallSignalCleanup(): void {
  if (!signalsInstalled) return;
  signalsInstalled = false;
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
}

function kill(pid: number, signal: Deno.Signal) {
  try {
    Deno.kill(pid, signal);
  } catch {
    // already gone
  }
}

async function accepts(url: string): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const ws = new WebSocket(url, ["wamp.2.json"]);
    ws.onopen = () => {
      ws.close();
      resolve(true);
    };
    ws.onerror = () => resolve(false);
  });
}

/**
 * Spawns a server process, finds its URL (from its output or from its
 * listening socket, see `findUrl`) and waits until a WebSocket opens.
 */
export async function spawnServer(
  name: string,
  command: string,
  args: string[],
  findUrl: (log: string, pid: number) => string | undefined,
  options: { cwd?: string; timeoutMs?: number; cleanup?: () => void } = {},
): Promise<RouterProcess> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  // Always drain, so a chatty process never blocks on a full pipe.
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      log += decoder.decode(chunk);
      if (log.length > 1_000_000) log = log.slice(-500_000);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let known: number[] = [child.pid];
  let stopped: Promise<void> | undefined;
  const proc: RouterProcess = {
    name,
    url: "",
    pid: child.pid,
    tree() {
      return exited ? [] : (known = processTree(child.pid));
    },
    cpu() {
      return proc.tree().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    },
    rss() {
      return proc.tree().reduce((sum, pid) => sum + rssBytes(pid), 0);
    },
    log: () => log,
    stop() {
      return stopped ??= (async () => {
        const family = (exited ? known : proc.tree()).slice(1)
          .map((pid) => ({ pid, start: processStart(pid) }));
        kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => kill(child.pid, "SIGKILL"), 10000);
        await status;
        clearTimeout(timer);
        // Children the process left behind (Crossbar's workers, normally
        // stopped by the controller): kill them by pid.
        for (const { pid, start } of family) {
          if (start !== undefined && processStart(pid) === start) {
            kill(pid, "SIGKILL");
          }
        }
        await drained;
        options.cleanup?.();
        running.delete(proc);
      })();
    },
  };
  running.add(proc);
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60000);
    for (;;) {
      if (exited) throw new Error(`${name} exited:\n${log}`);
      const url = findUrl(log, child.pid);
      if (url && await accepts(url)) {
        proc.url = url;
        return proc;
      }
      if (Date.now() > deadline) {
        throw new Error(`${name} did not start within the time limit:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await proc.stop();
    throw err;
  }
}

/** The URL on the first port the process tree listens on, once it does. */
const byListeningPort = (path: string) => (_log: string, pid: number) => {
  const port = listeningPorts(processTree(pid))[0];
  return port ? `ws://127.0.0.1:${port}${path}` : undefined;
};

/**
 * What the router CLI of a checkout can serve besides WebSocket: older
 * trees have neither `--longpoll` nor `--rawsocket-port` (and refuse
 * unknown options).
 */
export function cliTransports(
  dir: string = root,
): { longpoll: boolean; rawsocket: boolean } {
  let text = "";
  try {
    text = Deno.readTextFileSync(`${dir}/src/router/adapters/cli.ts`);
  } catch {
    // not a checkout: WebSocket only
  }
  return {
    longpoll: text.includes('"longpoll"'),
    rawsocket: text.includes('"rawsocket-port"'),
  };
}

/**
 * The embedded router's CLI on port 0, from this checkout or from `dir`
 * (another checkout of the repository, e.g. a `git worktree` of an older
 * commit). With `--longpoll PATH` and `--rawsocket-port PORT` in `extra`,
 * their URLs (from the CLI's first log line, "listening on ws://… and
 * http://…/lp (long-poll) and rs://… (RawSocket) (sessions: …)") are set as
 * `longpollUrl` and `rawSocketUrl`.
 */
export async function embedded(
  extra: string[] = [],
  dir: string = root,
  name = "wampkit",
): Promise<RouterProcess> {
  // The whole first line, so that the other URLs on it are complete too.
  const line = (log: string) => /listening on (ws:\/\/\S+)[^\n]*\n/.exec(log);
  const proc = await spawnServer(
    name,
    Deno.execPath(),
    [
      "run",
      "-A",
      `${dir}/src/router/adapters/cli.ts`,
      "--port",
      "0",
      "--quiet",
      ...extra,
    ],
    (log) => line(log)?.[1],
    { cwd: dir },
  );
  const first = line(proc.log())?.[0] ?? "";
  proc.longpollUrl = / (http:\/\/\S+) \(long-poll\)/.exec(first)?.[1];
  proc.rawSocketUrl = / (rs:\/\/\S+) \(RawSocket\)/.exec(first)?.[1];
  for (
    const [flag, url] of [
      ["--longpoll", proc.longpollUrl],
      ["--rawsocket-port", proc.rawSocketUrl],
    ] as const
  ) {
    if (extra.includes(flag) && url === undefined) {
      await proc.stop();
      throw new Error(`${name}: ${flag} given but no URL in:\n${first}`);
    }
  }
  return proc;
}

/**
 * The raw WebSocket relay of bench/_relay.ts on port 0; its URL has no path
 * (clients append /caller or /callee).
 */
export async function relay(): Promise<RouterProcess> {
  return await spawnServer(
    "relay",
    Deno.execPath(),
    ["run", "--allow-net", new URL("_relay.ts", import.meta.url).pathname],
    (log) => /(ws:\/\/\S+)\/ws/.exec(log)?.[1],
  );
}

function peerBinary(relative: string, env: string): string {
  const path = Deno.env.get(env) ?? `${root}/.peers/${relative}`;
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `${path} is missing: run tests/interop/install_peers.sh (or set ${env})`,
    );
  }
  return path;
}

/** nexusd (from .peers/) with realm1 on port 0. */
export async function nexus(): Promise<RouterProcess> {
  // nexusd logs ":0" as its address: the port comes from /proc/net/tcp.
  return await spawnServer(
    "nexus",
    peerBinary("bin/nexusd", "NEXUSD_BIN"),
    ["--ws", "127.0.0.1:0", "--realm", "realm1"],
    byListeningPort("/ws"),
  );
}

/** A free TCP port on 127.0.0.1 (for Crossbar, which refuses port 0). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Crossbar (from .peers/) with an anonymous realm1. Crossbar's config check
 * refuses port 0, so a free port is picked first. `crossbar start` becomes
 * the node controller ("crossbar-controller") and spawns the router worker
 * ("crossbar-worker") as its child: CPU and RSS are summed over the tree.
 */
export async function crossbar(): Promise<RouterProcess> {
  const port = freePort();
  const dir = Deno.makeTempDirSync({ prefix: "wampkit-bench-cb-" });
  Deno.mkdirSync(`${dir}/.crossbar`);
  Deno.writeTextFileSync(
    `${dir}/.crossbar/config.json`,
    JSON.stringify({
      version: 2,
      controller: {},
      workers: [{
        type: "router",
        realms: [{
          name: "realm1",
          roles: [{
            name: "anonymous",
            permissions: [{
              uri: "",
              match: "prefix",
              allow: {
                call: true,
                register: true,
                publish: true,
                subscribe: true,
              },
              disclose: { caller: true, publisher: true },
              cache: true,
            }],
          }],
        }],
        transports: [{
          type: "web",
          endpoint: { type: "tcp", interface: "127.0.0.1", port },
          paths: {
            ws: {
              type: "websocket",
              serializers: ["json", "msgpack", "cbor"],
              auth: { anonymous: { type: "static", role: "anonymous" } },
            },
          },
        }],
      }],
    }),
  );
  return await spawnServer(
    "crossbar",
    peerBinary("cbvenv/bin/crossbar", "CROSSBAR_BIN"),
    ["start", "--cbdir", `${dir}/.crossbar`],
    () => `ws://127.0.0.1:${port}/ws`,
    {
      cwd: dir,
      timeoutMs: 90000,
      cleanup: () => Deno.removeSync(dir, { recursive: true }),
    },
  );
}

/**
 * `--before DIR`, other `--name value` options, flags without a value (named
 * in `flags`), and the positional seconds.
 */
export function parseArgs(args: string[], flags: string[] = []): {
  seconds: number;
  before: string | undefined;
  opt(name: string, fallback: string): string;
  has(name: string): boolean;
} {
  const named = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2) as [string, string | undefined];
      named.set(k, v ?? (flags.includes(k) ? "" : args[++i] ?? ""));
    } else positional.push(a);
  }
  let before = named.get("before");
  if (before !== undefined) {
    before = before.replace(/\/$/, "");
    if (!before.startsWith("/")) before = `${Deno.cwd()}/${before}`;
    try {
      Deno.statSync(`${before}/mod.ts`);
      Deno.statSync(`${before}/src/router/adapters/cli.ts`);
    } catch {
      throw new Error(
        `--before ${before}: not a checkout of this repository (no mod.ts or src/router/adapters/cli.ts); create one with git worktree add ${before} <commit>`,
      );
    }
  }
  return {
    seconds: Number(positional[0] ?? 3),
    before,
    opt: (name, fallback) => named.get(name) ?? fallback,
    has: (name) => named.has(name),
  };
}

/** The commit of a checkout, short, for table labels. */
export function commitOf(dir: string): string {
  try {
    const out = new Deno.Command("git", {
      args: ["-C", dir, "rev-parse", "--short", "HEAD"],
      stderr: "null",
    }).outputSync();
    const head = new TextDecoder().decode(out.stdout).trim();
    const dirty = new Deno.Command("git", {
      args: ["-C", dir, "status", "--porcelain", "--untracked-files=no"],
      stderr: "null",
    }).outputSync();
    return head +
      (new TextDecoder().decode(dirty.stdout).trim() ? "+changes" : "");
  } catch {
    return "?";
  }
}
