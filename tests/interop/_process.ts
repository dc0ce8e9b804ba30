// Starting and stopping a real router process on a free loopback port.
const root = new URL("../../", import.meta.url);

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Path of a peer binary under .peers/, or fail loudly. */
export function peerBinary(relative: string, env: string): string {
  const path = Deno.env.get(env) ??
    new URL(`.peers/${relative}`, root).pathname;
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `${path} is missing: run tests/interop/install_peers.sh (or set ${env})`,
    );
  }
  return path;
}

export interface RunningRouter {
  url: string;
  /** Its RawSocket URL, when started with `rawsocket`. */
  rawsocketUrl?: string;
  stop(): Promise<void>;
}

/** Starts a router process and waits until its WebSocket accepts. */
export async function startRouter(
  name: string,
  command: string,
  args: string[],
  url: string,
  options: {
    cwd?: string;
    timeoutMs?: number;
    env?: Record<string, string>;
  } = {},
): Promise<RunningRouter> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log += decoder.decode(chunk);
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  const deadline = Date.now() + (options.timeoutMs ?? 60000);
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(url, ["wamp.2.json"]);
      ws.onopen = () => {
        ws.close();
        resolve(true);
      };
      ws.onerror = () => resolve(false);
    });
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error(`${name} did not start within the time limit:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // gone
        }
      }, 10000);
      await child.status;
      clearTimeout(timer);
      await drained;
    },
  };
}

/**
 * Starts nexusd (from .peers/) with realm1 on a free port; `rawsocket`
 * also serves RawSocket (`--tcp`) on another.
 */
export async function startNexus(
  options: { rawsocket?: boolean } = {},
): Promise<RunningRouter> {
  const port = freePort();
  const rsPort = options.rawsocket ? freePort() : undefined;
  const r = await startRouter(
    "nexusd",
    peerBinary("bin/nexusd", "NEXUSD_BIN"),
    [
      "--ws",
      `127.0.0.1:${port}`,
      ...(rsPort ? ["--tcp", `127.0.0.1:${rsPort}`] : []),
      "--realm",
      "realm1",
    ],
    `ws://127.0.0.1:${port}/ws`,
  );
  return {
    url: r.url,
    rawsocketUrl: rsPort ? `rs://127.0.0.1:${rsPort}` : undefined,
    stop: () => r.stop(),
  };
}

/**
 * Starts Crossbar (from .peers/) with an anonymous realm1 on a free port;
 * `longpoll` also serves HTTP long-poll on that path, `rawsocket` a
 * RawSocket transport on another port, `binary` and `env` run another
 * Crossbar (see crossbar_longpoll_test.ts); `roles` and `auth` secure it
 * (see crossbar_auth_test.ts).
 */
export async function startCrossbar(
  options: {
    rawsocket?: boolean;
    binary?: string;
    longpoll?: { path: string; options?: Record<string, unknown> };
    env?: Record<string, string>;
    /** realm1's roles instead of an all-permitting `anonymous`. */
    roles?: Record<string, unknown>[];
    /** The WebSocket transport's `auth` instead of anonymous access. */
    auth?: Record<string, unknown>;
  } = {},
): Promise<RunningRouter> {
  const port = freePort();
  const rsPort = options.rawsocket ? freePort() : undefined;
  const dir = await Deno.makeTempDir({ prefix: "wampkit-bench-cb-" });
  await Deno.mkdir(`${dir}/.crossbar`);
  await Deno.writeTextFile(
    `${dir}/.crossbar/config.json`,
    JSON.stringify({
      version: 2,
      controller: {},
      workers: [{
        type: "router",
        realms: [{
          name: "realm1",
          roles: options.roles ?? [{
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
        transports: [
          {
            type: "web",
            endpoint: { type: "tcp", interface: "127.0.0.1", port },
            paths: {
              ws: {
                type: "websocket",
                serializers: ["json", "msgpack", "cbor"],
                auth: options.auth ??
                  { anonymous: { type: "static", role: "anonymous" } },
              },
              ...(options.longpoll && {
                [options.longpoll.path]: {
                  type: "longpoll",
                  options: options.longpoll.options,
                },
              }),
            },
          },
          ...(rsPort
            ? [{
              type: "rawsocket",
              endpoint: { type: "tcp", interface: "127.0.0.1", port: rsPort },
              serializers: ["json", "msgpack", "cbor"],
              auth: { anonymous: { type: "static", role: "anonymous" } },
            }]
            : []),
        ],
      }],
    }),
  );
  const r = await startRouter(
    "crossbar",
    options.binary ?? peerBinary("cbvenv/bin/crossbar", "CROSSBAR_BIN"),
    ["start", "--cbdir", `${dir}/.crossbar`],
    `ws://127.0.0.1:${port}/ws`,
    { cwd: dir, timeoutMs: 90000, env: options.env },
  );
  return {
    url: r.url,
    rawsocketUrl: rsPort ? `rs://127.0.0.1:${rsPort}` : undefined,
    async stop() {
      await r.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
