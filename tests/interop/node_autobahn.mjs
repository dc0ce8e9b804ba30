// Autobahn|JS 22 under Node, as its users run it: `require("autobahn")` with
// the `ws` it depends on and its optional dependencies (when.js, which gives
// the progress callback). Run by node_peers_test.ts:
//
//   node node_autobahn.mjs <url> <serializers> solo
//   node node_autobahn.mjs <url> <serializers> peer
//
// <url>: ws://…, or rs://host:port or unix:///path for Autobahn's rawsocket
// transport (JSON only; use <serializers> "default").
// <serializers>: "default" (no `serializers` option: what Autobahn offers by
// itself), or json / msgpack / cbor: that serializer first and the other two
// after it, so the upgrade request carries a comma-joined list.
// solo: two sessions exercise RPC and pub/sub on each other and on the
// wampkit session of the test, then report {result}.
// peer: calls and is called by the wampy peer (node_wampy.mjs peer): reports
// {ready}, waits for "go" on stdin, reports {result}, waits for "bye".
import { createRequire } from "node:module";
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

// `require`, as Autobahn|JS's README shows; it also keeps `deno check` of the
// repository from resolving these Node-only npm names.
const require = createRequire(import.meta.url);
const autobahn = require("autobahn");
const WebSocket = require("ws");

const [url, serializers = "default", mode = "solo"] = process.argv.slice(2);
const STEP = 20_000;

const SERIALIZERS = {
  json: () => new autobahn.serializer.JSONSerializer(),
  msgpack: () => new autobahn.serializer.MsgpackSerializer(),
  cbor: () => new autobahn.serializer.CBORSerializer(),
};

function options() {
  if (serializers === "default") return {};
  const order = [
    serializers,
    ...Object.keys(SERIALIZERS).filter((s) => s !== serializers),
  ];
  return { serializers: order.map((s) => SERIALIZERS[s]()) };
}

// A RawSocket URL (rs://host:port, unix:///path) selects Autobahn's
// `rawsocket` transport (JSON only), as its users configure it.
function where() {
  if (url.startsWith("unix:")) {
    return { transports: [{ type: "rawsocket", path: new URL(url).pathname }] };
  }
  if (url.startsWith("rs:")) {
    const u = new URL(url.replace(/^rs:/, "http:"));
    return {
      transports: [{
        type: "rawsocket",
        host: u.hostname,
        port: Number(u.port),
      }],
    };
  }
  return { url };
}

function open() {
  const connection = new autobahn.Connection({
    ...where(),
    realm: "realm1",
    max_retries: 0,
    retry_if_unreachable: false,
    ...options(),
  });
  const opened = deferred();
  const closed = deferred();
  connection.onopen = (session) => opened.resolve(session);
  connection.onclose = (reason, details) => {
    const err = new Error(
      `autobahn connection closed: ${reason} ${JSON.stringify(details)}`,
    );
    opened.reject(err);
    closed.resolve({ reason, details });
    return true; // no reconnect
  };
  connection.open();
  const protocols = connection._transport_factories?.[0]?._options?.protocols;
  return within(
    STEP,
    "autobahn connection open",
    opened.promise.catch(async (err) => {
      // Autobahn says only "unreachable": show what the upgrade got.
      if (!url.startsWith("ws")) throw err;
      throw new Error(`${err.message}; ${await probe(protocols)}`);
    }),
  ).then(
    (session) => ({
      connection,
      session,
      closed: closed.promise,
      protocol: connection.transport?.info?.protocol ??
        session._socket?.info?.protocol,
      type: connection.transport?.info?.type ?? session._socket?.info?.type,
    }),
  );
}

/** The answer to an upgrade with Autobahn's Sec-WebSocket-Protocol value. */
function probe(protocols) {
  const header = Array.isArray(protocols) ? protocols.join(",") : "";
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers: { "Sec-WebSocket-Protocol": header },
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d) => body += d);
      res.on("end", () =>
        resolve(
          `upgrade with Sec-WebSocket-Protocol "${header}" got HTTP ${res.statusCode} ${body}`,
        ));
    });
    ws.on("open", () => {
      resolve(`upgrade with "${header}" succeeds (protocol ${ws.protocol})`);
      ws.close();
    });
    ws.on("error", (e) => resolve(`upgrade probe: ${e.message}`));
  });
}

function plain(r) {
  return r instanceof autobahn.Result
    ? { args: r.args, kwargs: r.kwargs }
    : { value: r };
}

function callError(promise) {
  return promise.then(
    (r) => ({ unexpectedResult: plain(r) }),
    (e) => ({ error: e.error ?? String(e), args: e.args, kwargs: e.kwargs }),
  );
}

// Progressive results arrive through the when.js progress callback.
function callWithProgress(session, procedure, args, kwargs) {
  const progress = [];
  return within(
    STEP,
    `call ${procedure}`,
    new Promise((resolve, reject) => {
      session.call(procedure, args, kwargs, { receive_progress: true }).then(
        (r) => resolve({ progress, final: plain(r) }),
        reject,
        (p) => progress.push(plain(p)),
      );
    }),
  );
}

function registerCount(session, procedure) {
  return session.register(procedure, (args, _kwargs, details) => {
    const n = args[0];
    if (details.progress) {
      for (let i = 0; i < n; i++) details.progress([i], { i });
    }
    return new autobahn.Result([n], { done: true });
  });
}

async function solo() {
  const a = await open();
  const b = await open();
  await within(
    STEP,
    "register node.add",
    a.session.register(
      "node.add",
      (args, kwargs) =>
        new autobahn.Result([args[0] + args[1]], {
          sum: args[0] + args[1],
          echo: kwargs,
        }),
    ),
  );
  await within(
    STEP,
    "register node.count",
    registerCount(a.session, "node.count"),
  );
  await within(
    STEP,
    "register node.fail",
    a.session.register("node.fail", () => {
      throw new autobahn.Error("com.example.error.bad", ["bad"], { code: 7 });
    }),
  );
  const gotEvent = deferred();
  await within(
    STEP,
    "subscribe node.topic",
    a.session.subscribe(
      "node.topic",
      (args, kwargs) => gotEvent.resolve({ args, kwargs }),
    ),
  );

  const add = plain(
    await within(
      STEP,
      "call node.add",
      b.session.call("node.add", [2, 3], { x: "y", list: [true, false, null] }),
    ),
  );
  const count = await callWithProgress(b.session, "node.count", [3]);
  const wkEcho = plain(
    await within(
      STEP,
      "call wampkit.echo",
      b.session.call("wampkit.echo", ECHO_ARGS, ECHO_KWARGS),
    ),
  );
  const wkCount = await callWithProgress(b.session, "wampkit.count", [3]);
  const pub = await within(
    STEP,
    "publish node.topic",
    b.session.publish("node.topic", EVENT_ARGS, EVENT_KWARGS, {
      acknowledge: true,
    }),
  );
  const event = await within(STEP, "event on node.topic", gotEvent.promise);
  const wkPub = await within(
    STEP,
    "publish wampkit.topic",
    b.session.publish("wampkit.topic", ["from autobahn", serializers], {
      lib: "autobahn",
    }, { acknowledge: true }),
  );
  const missing = await within(
    STEP,
    "call node.missing",
    callError(b.session.call("node.missing")),
  );
  const fail = await within(
    STEP,
    "call node.fail",
    callError(b.session.call("node.fail")),
  );
  const protocols = [a.protocol, b.protocol];
  const types = [a.type, b.type];
  a.connection.close();
  b.connection.close();
  await within(STEP, "close", Promise.all([a.closed, b.closed]));
  report({
    result: {
      protocols,
      types,
      add,
      count,
      wkEcho,
      wkCount,
      event,
      pubId: pub.id,
      wkPubId: wkPub.id,
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
    "register ab.add",
    a.session.register(
      "ab.add",
      (args, kwargs) =>
        new autobahn.Result([args[0] + args[1]], {
          by: "autobahn",
          echo: kwargs,
        }),
    ),
  );
  await within(STEP, "register ab.count", registerCount(a.session, "ab.count"));
  await within(
    STEP,
    "subscribe ab.topic",
    a.session.subscribe(
      "ab.topic",
      (args, kwargs) => events.resolve({ args, kwargs }),
    ),
  );
  report({ ready: { protocol: a.protocol } });
  await command("go");
  const mul = plain(
    await within(
      STEP,
      "call wampy.mul",
      a.session.call("wampy.mul", [6, 7], ECHO_KWARGS),
    ),
  );
  const echo = plain(
    await within(
      STEP,
      "call wampy.echo",
      a.session.call("wampy.echo", ECHO_ARGS, ECHO_KWARGS),
    ),
  );
  const pub = await within(
    STEP,
    "publish wampy.topic",
    a.session.publish("wampy.topic", EVENT_ARGS, EVENT_KWARGS, {
      acknowledge: true,
    }),
  );
  const event = await within(STEP, "event from wampy", events.promise);
  report({ result: { mul, echo, pubId: pub.id, event } });
  await command("bye", { orEnd: true });
  a.connection.close();
  await within(STEP, "close", a.closed);
}

main(mode === "peer" ? peer : solo);
