// wampy 8 under Node, as its users run it: `import { Wampy } from "wampy"`
// with the `ws` package as its WebSocket (`ws: WebSocket`, which wampy needs
// under Node). Run by node_peers_test.ts:
//
//   node node_wampy.mjs <url> <json|msgpack|cbor> solo
//   node node_wampy.mjs <url> <json|msgpack|cbor> peer
//
// json is wampy's default serializer (no `serializer` option); msgpack and
// cbor are wampy's MsgpackSerializer and CborSerializer.
// solo: two sessions exercise RPC and pub/sub on each other and on the
// wampkit session of the test, then report {result}.
// peer: calls and is called by the Autobahn|JS peer (node_autobahn.mjs
// peer): reports {ready}, waits for "go" on stdin, reports {result}, waits
// for "bye".
import {
  command,
  deferred,
  ECHO_ARGS,
  ECHO_KWARGS,
  EVENT_ARGS,
  EVENT_KWARGS,
  main,
  report,
  within,
} from "./_node_common.mjs";

// The same modules as `import { Wampy } from "wampy"` etc. (wampy's ESM
// build, ws's ESM wrapper); imported by a name in a variable so that
// `deno check` of the repository does not try to resolve these Node-only npm
// names.
const load = (name) => import(name);
const { Wampy } = await load("wampy");
const { CborSerializer } = await load("wampy/CborSerializer.js");
const { MsgpackSerializer } = await load("wampy/MsgpackSerializer.js");
const { default: WebSocket } = await load("ws");

const [url, serializer = "json", mode = "solo"] = process.argv.slice(2);
const STEP = 20_000;

const SERIALIZERS = {
  json: () => undefined, // wampy's default
  msgpack: () => new MsgpackSerializer(),
  cbor: () => new CborSerializer(),
};
if (!(serializer in SERIALIZERS)) {
  throw new Error(`unknown serializer ${serializer}`);
}

async function open() {
  const s = SERIALIZERS[serializer]();
  const wampy = new Wampy(url, {
    realm: "realm1",
    ws: WebSocket,
    autoReconnect: false,
    ...(s ? { serializer: s } : {}),
  });
  await within(STEP, "wampy connect", wampy.connect());
  return { wampy, protocol: wampy._ws?.protocol };
}

const plain = (r) => ({ args: r.argsList, kwargs: r.argsDict });

function callError(promise) {
  return promise.then(
    (r) => ({ unexpectedResult: plain(r) }),
    (e) => ({
      error: e.errorUri ?? String(e),
      args: e.argsList,
      kwargs: e.argsDict,
    }),
  );
}

async function callWithProgress(wampy, procedure, args) {
  const progress = [];
  const final = await within(
    STEP,
    `call ${procedure}`,
    wampy.call(procedure, args, {
      progress_callback: (p) => progress.push(plain(p)),
    }),
  );
  return { progress, final: plain(final) };
}

async function solo() {
  const a = await open();
  const b = await open();
  await within(
    STEP,
    "register node.add",
    a.wampy.register("node.add", ({ argsList, argsDict }) => ({
      argsList: [argsList[0] + argsList[1]],
      argsDict: { sum: argsList[0] + argsList[1], echo: argsDict },
    })),
  );
  await within(
    STEP,
    "register node.fail",
    a.wampy.register("node.fail", () => {
      throw Object.assign(new Error("bad"), {
        error: "com.example.error.bad",
        argsList: ["bad"],
        argsDict: { code: 7 },
      });
    }),
  );
  const gotEvent = deferred();
  await within(
    STEP,
    "subscribe node.topic",
    a.wampy.subscribe(
      "node.topic",
      ({ argsList, argsDict }) =>
        gotEvent.resolve({ args: argsList, kwargs: argsDict }),
    ),
  );

  const add = plain(
    await within(
      STEP,
      "call node.add",
      b.wampy.call("node.add", {
        argsList: [2, 3],
        argsDict: { x: "y", list: [true, false, null] },
      }),
    ),
  );
  const wkEcho = plain(
    await within(
      STEP,
      "call wampkit.echo",
      b.wampy.call("wampkit.echo", {
        argsList: ECHO_ARGS,
        argsDict: ECHO_KWARGS,
      }),
    ),
  );
  const wkCount = await callWithProgress(b.wampy, "wampkit.count", [3]);
  // wampy's publish always asks for acknowledge.
  const pub = await within(
    STEP,
    "publish node.topic",
    b.wampy.publish("node.topic", {
      argsList: EVENT_ARGS,
      argsDict: EVENT_KWARGS,
    }),
  );
  const event = await within(STEP, "event on node.topic", gotEvent.promise);
  const wkPub = await within(
    STEP,
    "publish wampkit.topic",
    b.wampy.publish("wampkit.topic", {
      argsList: ["from wampy", serializer],
      argsDict: { lib: "wampy" },
    }),
  );
  const missing = await within(
    STEP,
    "call node.missing",
    callError(b.wampy.call("node.missing")),
  );
  const fail = await within(
    STEP,
    "call node.fail",
    callError(b.wampy.call("node.fail")),
  );
  const protocols = [a.protocol, b.protocol];
  await within(
    STEP,
    "disconnect",
    Promise.all([a.wampy.disconnect(), b.wampy.disconnect()]),
  );
  report({
    result: {
      protocols,
      add,
      wkEcho,
      wkCount,
      event,
      pubId: pub.publicationId,
      wkPubId: wkPub.publicationId,
      missing,
      fail,
    },
  });
}

async function peer() {
  const a = await open();
  const events = deferred();
  await within(
    STEP,
    "register wampy.mul",
    a.wampy.register("wampy.mul", ({ argsList, argsDict }) => ({
      argsList: [argsList[0] * argsList[1]],
      argsDict: { by: "wampy", echo: argsDict },
    })),
  );
  await within(
    STEP,
    "register wampy.echo",
    a.wampy.register("wampy.echo", ({ argsList, argsDict }) => ({
      argsList,
      argsDict,
    })),
  );
  await within(
    STEP,
    "subscribe wampy.topic",
    a.wampy.subscribe(
      "wampy.topic",
      ({ argsList, argsDict }) =>
        events.resolve({ args: argsList, kwargs: argsDict }),
    ),
  );
  report({ ready: { protocol: a.protocol } });
  await command("go");
  const add = plain(
    await within(
      STEP,
      "call ab.add",
      a.wampy.call("ab.add", { argsList: [2, 3], argsDict: ECHO_KWARGS }),
    ),
  );
  const count = await callWithProgress(a.wampy, "ab.count", [3]);
  const pub = await within(
    STEP,
    "publish ab.topic",
    a.wampy.publish("ab.topic", {
      argsList: EVENT_ARGS,
      argsDict: EVENT_KWARGS,
    }),
  );
  const event = await within(STEP, "event from autobahn", events.promise);
  report({ result: { add, count, pubId: pub.publicationId, event } });
  await command("bye", { orEnd: true });
  await within(STEP, "disconnect", a.wampy.disconnect());
}

main(mode === "peer" ? peer : solo);
