// A raw WebSocket relay for bench/rpc_bench.ts, run as its own process like
// the router: frames from /caller go to /callee and back. Prints its port.
let callee: WebSocket | undefined;
let caller: WebSocket | undefined;
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  (req) => {
    const role = new URL(req.url).pathname.slice(1);
    const { socket, response } = Deno.upgradeWebSocket(req, {
      protocol: req.headers.get("sec-websocket-protocol")
        ? "wamp.2.json"
        : undefined,
    });
    if (role === "callee") callee = socket;
    else caller = socket;
    socket.onmessage = (e) => {
      if (socket === caller) callee?.send(e.data);
      else caller?.send(e.data);
    };
    return response;
  },
);
// deno-lint-ignore no-console
console.log(
  `listening on ws://127.0.0.1:${(server.addr as Deno.NetAddr).port}/ws`,
);
