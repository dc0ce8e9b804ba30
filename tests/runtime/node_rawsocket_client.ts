// Bundled with `deno bundle` and run by node_rawsocket_test.ts under Node
// itself: our client over RawSocket through the default connector, which
// under Node is node:net from process.getBuiltinModule (Node 20.16+).
//
//   node client.mjs <rs:// or unix:// URL> <json|msgpack|cbor>
//
// Prints one JSON line with what it saw.
import { connect } from "../../src/client/connection.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

// The library uses Promise.withResolvers (Node 22+); Node 20 needs this.
(Promise as { withResolvers?: unknown }).withResolvers ??= function <T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const process = (globalThis as unknown as {
  process: { argv: string[]; versions: Record<string, string> };
}).process;
const [url, format] = process.argv.slice(2) as [string, string];
const serializer = format === "msgpack"
  ? new MsgpackSerializer()
  : format === "cbor"
  ? new CborSerializer()
  : new JsonSerializer();
const open = () =>
  connect({
    realm: "realm1",
    serializers: [serializer],
    transports: [{ type: "rawsocket", url }],
  });
const a = await open();
const b = await open();
await a.register("node.add2", ([x, y]) => (x as number) + (y as number));
const event = Promise.withResolvers<unknown>();
await a.subscribe("node.topic", (args) => event.resolve(args[0]));
const bytes = new Uint8Array([0, 1, 254, 255]);
const result = {
  node: process.versions.node,
  info: b.transport.info,
  sum: await b.call("node.add2", [20, 22]),
  echo: await b.call("deno.echo", ["from node", 7]),
  published: (await b.publish("node.topic", [[1, "two"]], {}, {
    acknowledge: true,
  }))!.id > 0,
  event: await event.promise,
  binary: [...(await b.call("deno.echo", [bytes]) as Uint8Array)],
  binaryIsPlain: Object.getPrototypeOf(await b.call("deno.echo", [bytes])) ===
    Uint8Array.prototype,
};
await a.leave();
await b.leave();
console.log(JSON.stringify(result));
