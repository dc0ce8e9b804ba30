/**
 * The router command line, without a clone:
 * `deno run -A jsr:@wampkit/wamp/cli --port 8080`, or in the repository
 * `deno task router --host 127.0.0.1 --port 8080 --realm realm1`.
 *
 * Options: `--host`, `--port` (0 picks one), `--path` (default `/ws`),
 * `--realm` (repeatable; without it any realm is created), `--serializers`
 * (default `json,msgpack,cbor`), `--lenient-ids` (accept non-sequential
 * request ids, for older clients), `--hello-timeout SECONDS` (default 10),
 * `--allow-origin ORIGIN` (repeatable; browsers from other origins get
 * HTTP 403), `--max-sessions N`, `--max-outbound-bytes N` (slow consumer
 * bound, default 16 MiB), `--longpoll PATH` (also serve WAMP's HTTP
 * long-poll transport under this path, such as `/lp`), `--rawsocket-port PORT`
 * (also serve RawSocket on `rs://host:PORT`; 0 picks one), `--config FILE`
 * (realms, roles and permissions, authentication principals, allowed
 * origins and limits as JSON; see `readRouterConfig`; flags win over the
 * file), `--quiet`. The first log line says how the router admits
 * sessions: without a configuration "anonymous, all permissions" (the
 * development default), else the methods and the number of roles.
 *
 * @example Run a router
 * ```sh
 * deno run --allow-net --allow-env jsr:@wampkit/wamp/cli --port 8080 --realm realm1
 * ```
 *
 * @module
 */

import { CborSerializer } from "../../serializers/cbor.ts";
import { JsonSerializer } from "../../serializers/json.ts";
import { MsgpackSerializer } from "../../serializers/msgpack.ts";
import type { Serializer } from "../../serializers/serializer.ts";
import { Router, type RouterOptions } from "../router.ts";
import { ConfigError, readRouterConfig } from "../router_config.ts";
import { type RouterServer, serveRawSocket, serveRouter } from "./deno.ts";

export type { RouterServer };

/** What {@linkcode main} runs: the WebSocket server, and RawSocket if asked. */
export interface CliServer extends RouterServer {
  /** The RawSocket URL, with `--rawsocket-port`. */
  readonly rawSocketUrl?: string;
}

/** Parsed command line. */
interface Flags {
  host: string;
  port: string;
  path: string;
  realm: string[];
  "allow-origin": string[];
  serializers: string;
  "hello-timeout": string;
  "max-sessions": string;
  "max-outbound-bytes": string;
  longpoll: string;
  "rawsocket-port": string;
  "lenient-ids": boolean;
  quiet: boolean;
  config: string;
  /** Flags given on the command line (they win over the file). */
  given: Set<string>;
}

function parseFlags(args: string[]): Flags {
  const flags: Flags = {
    host: "127.0.0.1",
    port: "8080",
    path: "/ws",
    realm: [],
    "allow-origin": [],
    serializers: "json,msgpack,cbor",
    "hello-timeout": "10",
    "max-sessions": "10000",
    "max-outbound-bytes": String(16 * 1024 * 1024),
    longpoll: "",
    "rawsocket-port": "",
    "lenient-ids": false,
    quiet: false,
    config: "",
    given: new Set(),
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith("--")
      ? arg.slice(2).split("=", 2) as [string, string | undefined]
      : [arg, undefined];
    if (name === "lenient-ids" || name === "quiet") {
      flags[name] = true;
      continue;
    }
    if (
      ![
        "host",
        "port",
        "path",
        "realm",
        "allow-origin",
        "serializers",
        "hello-timeout",
        "max-sessions",
        "max-outbound-bytes",
        "longpoll",
        "rawsocket-port",
        "config",
      ].includes(name)
    ) {
      console.error(`Unknown option ${arg}`);
      Deno.exit(2);
    }
    const value = inline ?? args[++i];
    if (value === undefined) {
      console.error(`Option --${name} needs a value`);
      Deno.exit(2);
    }
    flags.given.add(name);
    if (name === "realm" || name === "allow-origin") flags[name].push(value);
    else {
      flags[
        name as
          | "host"
          | "port"
          | "path"
          | "serializers"
          | "hello-timeout"
          | "max-sessions"
          | "max-outbound-bytes"
          | "longpoll"
          | "rawsocket-port"
          | "config"
      ] = value;
    }
  }
  return flags;
}

/**
 * Starts the router as the command line does: parses the flags, serves on
 * `ws://host:port/path` (and `http://host:port/<longpoll>`), logs joins, leaves and aborts to stdout.
 *
 * @example Usage
 * ```ts ignore
 * import { main } from "@wampkit/wamp/cli";
 *
 * const server = main(["--port", "0", "--quiet"]);
 * await server.shutdown();
 * ```
 *
 * @param args Command-line arguments (without the program name).
 * @returns The running server.
 */
export function main(args: string[]): CliServer {
  const values = parseFlags(args);
  let fromFile: RouterOptions = {};
  let summary = "anonymous, all permissions";
  if (values.config !== "") {
    try {
      const config = readRouterConfig(
        JSON.parse(Deno.readTextFileSync(values.config)),
      );
      fromFile = config.options;
      summary = config.summary;
      const l = config.listen;
      const take = (
        flag: "host" | "port" | "path" | "serializers",
        v: unknown,
      ) => {
        if (v !== undefined && !values.given.has(flag)) {
          values[flag] = Array.isArray(v) ? v.join(",") : String(v);
        }
      };
      take("host", l.host);
      take("port", l.port);
      take("path", l.path);
      take("serializers", l.serializers);
    } catch (err) {
      const why = err instanceof ConfigError || err instanceof SyntaxError
        ? err.message
        : `cannot read it (${(err as Error).message})`;
      console.error(`Configuration ${values.config}: ${why}`);
      Deno.exit(2);
    }
  }

  const available: Record<string, () => Serializer> = {
    json: () => new JsonSerializer(),
    msgpack: () => new MsgpackSerializer(),
    cbor: () => new CborSerializer(),
  };
  const serializers = values.serializers.split(",").map((name) => {
    const make = available[name.trim()];
    if (!make) {
      console.error(`Unknown serializer ${name}: use json, msgpack, cbor`);
      Deno.exit(2);
    }
    return make();
  });

  function positive(name: keyof Flags, value: string): number {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) {
      console.error(`Option --${name} needs a positive number, got ${value}`);
      Deno.exit(2);
    }
    return n;
  }

  const given = (flag: string) => values.given.has(flag);
  const router = new Router({
    ...fromFile,
    // --realm picks realms: one the file configures keeps its roles.
    realms: values.realm.length > 0
      ? values.realm.map((name) =>
        fromFile.realms?.find((r) =>
          (typeof r === "string" ? r : r.name) === name
        ) ?? name
      )
      : fromFile.realms,
    serializers,
    strictRequestIds: !values["lenient-ids"],
    helloTimeout: !given("hello-timeout") && fromFile.helloTimeout
      ? fromFile.helloTimeout
      : positive("hello-timeout", values["hello-timeout"]) * 1000,
    maxSessions: !given("max-sessions") && fromFile.maxSessions
      ? fromFile.maxSessions
      : positive("max-sessions", values["max-sessions"]),
    maxOutboundBytes: !given("max-outbound-bytes") && fromFile.maxOutboundBytes
      ? fromFile.maxOutboundBytes
      : positive("max-outbound-bytes", values["max-outbound-bytes"]),
    allowedOrigins: values["allow-origin"].length > 0
      ? values["allow-origin"]
      : fromFile.allowedOrigins,
    onEvent: values.quiet ? undefined : (e) =>
      console.log(
        `${new Date().toISOString()} ${e.type} session=${e.session} realm=${
          e.realm ?? "-"
        } authid=${e.authid} ${e.protocol}${e.detail ? ` ${e.detail}` : ""}`,
      ),
  });
  const server = serveRouter(router, {
    hostname: values.host,
    port: Number(values.port),
    path: values.path,
    longpoll: values.longpoll || undefined,
  });
  const rsPort = values["rawsocket-port"];
  if (rsPort !== "" && (!/^\d+$/.test(rsPort) || Number(rsPort) > 65535)) {
    console.error(`Option --rawsocket-port needs a port number, got ${rsPort}`);
    Deno.exit(2);
  }
  const rawsocket = rsPort === ""
    ? undefined
    : serveRawSocket(router, { hostname: values.host, port: Number(rsPort) });
  console.log(
    `wampkit router listening on ${server.url}${
      server.longpollUrl ? ` and ${server.longpollUrl} (long-poll)` : ""
    }${
      rawsocket ? ` and ${rawsocket.url} (RawSocket)` : ""
    } (sessions: ${summary})`,
  );
  if (rawsocket === undefined) return server;
  return {
    ...server,
    rawSocketUrl: rawsocket.url,
    finished: Promise.all([server.finished, rawsocket.finished]).then(() => {}),
    async shutdown() {
      await rawsocket.shutdown();
      await server.shutdown();
    },
  };
}

if (import.meta.main) {
  const server = main(Deno.args);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing sessions and stopping`);
    await server.shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
}
