/**
 * The router command line:
 * `deno task router --host 127.0.0.1 --port 8080 --realm realm1`.
 *
 * Options: `--host`, `--port` (0 picks one), `--path` (default `/ws`),
 * `--realm` (repeatable; without it any realm is created), `--serializers`
 * (default `json,msgpack,cbor`), `--lenient-ids` (accept non-sequential
 * request ids, for older clients), `--quiet`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { CborSerializer } from "../../serializers/cbor.ts";
import { JsonSerializer } from "../../serializers/json.ts";
import { MsgpackSerializer } from "../../serializers/msgpack.ts";
import type { Serializer } from "../../serializers/serializer.ts";
import { Router } from "../router.ts";
import { serveRouter } from "./deno.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8080" },
    path: { type: "string", default: "/ws" },
    realm: { type: "string", multiple: true },
    serializers: { type: "string", default: "json,msgpack,cbor" },
    "lenient-ids": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

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

const router = new Router({
  realms: values.realm,
  serializers,
  strictRequestIds: !values["lenient-ids"],
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
});
console.log(`wampkit router listening on ${server.url}`);

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
