import assert from "node:assert/strict";
import {
  MessageType,
  messageTypeName,
  parse,
  ProtocolError,
  toWire,
} from "../../src/protocol/mod.ts";

function rejects(raw: unknown, text: string | RegExp) {
  assert.throws(() => parse(raw), (err: unknown) => {
    assert.ok(err instanceof ProtocolError, String(err));
    if (typeof text === "string") {
      assert.equal(err.message, text);
    } else assert.match(err.message, text);
    return true;
  });
}

Deno.test("parse() names the message, the field and what was expected", () => {
  rejects(
    [48, 1, {}, 7],
    "CALL: Procedure must be a URI string, got number",
  );
  rejects(
    [48, 0, {}, "a.b"],
    "CALL: Request must be an ID (integer in [1, 2^53]), got 0",
  );
  rejects(
    [48, 2 ** 53 + 2, {}, "a.b"],
    /CALL: Request must be an ID .*got 9007199254740994/,
  );
  rejects([48, 1.5, {}, "a.b"], /got 1.5/);
  rejects([48, "1", {}, "a.b"], /Request must be an ID .*got string/);
  rejects([48, 1, [], "a.b"], "CALL: Options must be a dict, got list");
  rejects([48, 1, null, "a.b"], "CALL: Options must be a dict, got null");
  rejects(
    [48, 1, {}, "a.b", {}],
    "CALL: Arguments must be a list, got object",
  );
  rejects(
    [48, 1, {}, "a.b", [], []],
    "CALL: ArgumentsKw must be a dict, got list",
  );
  rejects(
    [48, 1, { receive_progress: 1 }, "a.b"],
    "CALL: Options.receive_progress must be a boolean, got number",
  );
  rejects(
    [49, 1, { mode: "abort" }],
    'CANCEL: Options.mode must be one of "skip", "kill", "killnowait", got string',
  );
  rejects([1, "realm1", {}], "HELLO: Details.roles is required");
  rejects(
    [1, "realm1", { roles: { caller: true } }],
    /HELLO: Details.roles must be a dict of role dicts/,
  );
});

Deno.test("parse() enforces arity for every message type", () => {
  rejects([48, 1, {}], "CALL: Message must have 4 to 6 elements, got 3");
  rejects(
    [17, 1, 2, 3],
    "PUBLISHED: Message must have 3 elements, got 4",
  );
  rejects([35], "UNSUBSCRIBED: Message must have 2 to 3 elements, got 1");
  rejects([1, "r", { roles: {} }, []], /HELLO: Message must have 3 elements/);
});

Deno.test("parse() rejects what is not a message", () => {
  rejects({}, "Message must be a list, got object");
  rejects("x", "Message must be a list, got string");
  rejects([], "Message must not be empty");
  rejects(["CALL"], "Message type must be an integer, got string");
  rejects([7, {}], "Message type 7 is unknown");
  rejects([999], "Message type 999 is unknown");
});

Deno.test("parse() checks ERROR's request type", () => {
  rejects(
    [8, 99, 1, {}, "wamp.error.x"],
    /ERROR: Request.Type must be the type of a request .* got 99/,
  );
  const err = parse([8, 68, 5, {}, "com.err", ["a"], { b: 1 }]);
  assert.deepEqual(err, {
    type: 8,
    requestType: 68,
    requestId: 5,
    details: {},
    error: "com.err",
    args: ["a"],
    kwargs: { b: 1 },
  });
});

Deno.test("parse() accepts the three payload lengths", () => {
  assert.deepEqual(parse([70, 3, {}]), { type: 70, requestId: 3, options: {} });
  assert.deepEqual(parse([70, 3, {}, [1]]), {
    type: 70,
    requestId: 3,
    options: {},
    args: [1],
  });
  assert.deepEqual(parse([70, 3, {}, [], { a: 1 }]), {
    type: 70,
    requestId: 3,
    options: {},
    args: [],
    kwargs: { a: 1 },
  });
});

Deno.test("parse() accepts revocation UNSUBSCRIBED/UNREGISTERED with id 0", () => {
  assert.deepEqual(parse([35, 0, { subscription: 5, reason: "x" }]), {
    type: 35,
    requestId: 0,
    details: { subscription: 5, reason: "x" },
  });
  assert.deepEqual(parse([67, 12]), { type: 67, requestId: 12 });
  rejects([67, -1], /UNREGISTERED: Request must be an ID or 0, got -1/);
  rejects([67, 0, []], "UNREGISTERED: Details must be a dict, got list");
  assert.deepEqual(toWire(parse([67, 0, { registration: 9 }])), [67, 0, {
    registration: 9,
  }]);
});

Deno.test("parse() takes binary payloads only in payload transparency mode", () => {
  const bytes = new Uint8Array([1, 2]);
  const m = parse([16, 1, { ppt_scheme: "x_custom" }, "t.t", bytes]);
  assert.ok(m.type === MessageType.PUBLISH && m.payload === bytes);
  assert.deepEqual(toWire(m), [
    16,
    1,
    { ppt_scheme: "x_custom" },
    "t.t",
    bytes,
  ]);
  rejects(
    [16, 1, {}, "t.t", bytes],
    "PUBLISH: Arguments must be a list, got bytes",
  );
  rejects(
    [16, 1, { enc_algo: "cryptobox" }, "t.t", bytes, {}],
    "PUBLISH: ArgumentsKw must be absent with a transparent payload",
  );
  rejects(
    [16, 1, { enc_algo: "cryptobox" }, "t.t", "nope"],
    "PUBLISH: Arguments must be a list or bytes, got string",
  );
});

Deno.test("parse() ignores unknown option keys", () => {
  const m = parse([32, 1, { x_custom: [1], _impl: "y" }, "a.b"]);
  assert.equal(m.type, MessageType.SUBSCRIBE);
});

Deno.test("parse() ignores option keys named like Object.prototype members", () => {
  const options = JSON.parse(
    '{"toString":1,"constructor":"x","hasOwnProperty":2,"__proto__":3}',
  );
  const m = parse([48, 1, options, "a.b"]);
  assert.ok(m.type === MessageType.CALL);
  assert.equal(m.options, options);
  const bare = Object.assign(Object.create(null), { valueOf: 3 });
  assert.equal(parse([32, 1, bare, "a.b"]).type, MessageType.SUBSCRIBE);
});

Deno.test("parse() treats Options and Details keys holding undefined as absent", () => {
  // What wampy sends over MessagePack (msgpackr) and CBOR (cbor-x).
  const options = { match: undefined, get_retained: undefined, nkey: "k" };
  const raw = [32, 1, options, "com.example.topic"];
  const m = parse(raw);
  assert.ok(m.type === MessageType.SUBSCRIBE);
  assert.equal("match" in m.options, false);
  assert.equal("get_retained" in m.options, false);
  assert.deepEqual(Object.keys(m.options), ["nkey"]);
  // The decoded dict itself is left as it was.
  assert.equal(raw[2], options);
  assert.ok("match" in options);
  // Without such keys the dict is the one decoded.
  const plain = { match: "prefix" };
  assert.equal(
    (parse([32, 1, plain, "a"]) as { options: unknown }).options,
    plain,
  );

  const hello = parse([1, "realm1", {
    roles: { caller: {} },
    authid: undefined,
    authmethods: undefined,
  }]);
  assert.ok(hello.type === MessageType.HELLO);
  assert.deepEqual(Object.keys(hello.details), ["roles"]);
  rejects(
    [1, "realm1", { roles: undefined }],
    "HELLO: Details.roles is required",
  );

  const event = parse([36, 1, 2, { publisher: undefined, topic: "t" }, [1]]);
  assert.ok(event.type === MessageType.EVENT);
  assert.deepEqual(event.details, { topic: "t" });
  assert.deepEqual(event.args, [1]);

  const ppt = parse([48, 1, { ppt_scheme: undefined }, "a.b", [1]]);
  assert.ok(ppt.type === MessageType.CALL && !("ppt_scheme" in ppt.options));
  rejects(
    [48, 1, { ppt_scheme: undefined }, "a.b", new Uint8Array(1)],
    "CALL: Arguments must be a list, got bytes",
  );

  const revoked = parse([35, 0, { subscription: 5, reason: undefined }]);
  assert.ok(revoked.type === MessageType.UNSUBSCRIBED);
  assert.deepEqual(revoked.details, { subscription: 5 });
  assert.equal("reason" in revoked.details!, false);

  // Anywhere else undefined is an ordinary (wrong) value.
  rejects([32, 1, { match: null }, "a"], /SUBSCRIBE: Options.match must be/);
  rejects([32, undefined, {}, "a"], /SUBSCRIBE: Request must be an ID/);
});

Deno.test("parse() and toWire() handle EVENT_RECEIVED", () => {
  const m = parse([337, 5512315355]);
  assert.deepEqual(m, { type: 337, publication: 5512315355 });
  assert.ok(m.type === MessageType.EVENT_RECEIVED);
  assert.equal(m.publication, 5512315355);
  assert.deepEqual(toWire(m), [337, 5512315355]);
  assert.deepEqual(
    toWire({ type: MessageType.EVENT_RECEIVED, publication: 7 }),
    [337, 7],
  );
  rejects([337], "EVENT_RECEIVED: Message must have 2 elements, got 1");
  rejects(
    [337, 1, {}],
    "EVENT_RECEIVED: Message must have 2 elements, got 3",
  );
  rejects(
    [337, 0],
    "EVENT_RECEIVED: Publication must be an ID (integer in [1, 2^53]), got 0",
  );
  assert.equal(messageTypeName(337), "EVENT_RECEIVED");
});

Deno.test("toWire() applies the empty payload rule", () => {
  const base = { type: MessageType.RESULT, requestId: 1, details: {} } as const;
  assert.deepEqual(toWire({ ...base }), [50, 1, {}]);
  assert.deepEqual(toWire({ ...base, args: [] }), [50, 1, {}]);
  assert.deepEqual(toWire({ ...base, args: [], kwargs: {} }), [50, 1, {}]);
  assert.deepEqual(toWire({ ...base, args: [0] }), [50, 1, {}, [0]]);
  assert.deepEqual(toWire({ ...base, kwargs: { a: 1 } }), [50, 1, {}, [], {
    a: 1,
  }]);
  assert.deepEqual(toWire({ ...base, args: [1], kwargs: {} }), [50, 1, {}, [
    1,
  ]]);
  assert.deepEqual(
    toWire({ type: MessageType.UNSUBSCRIBED, requestId: 4 }),
    [35, 4],
  );
});

Deno.test("messageTypeName() names codes", () => {
  assert.equal(messageTypeName(70), "YIELD");
  assert.equal(messageTypeName(3), "ABORT");
  assert.equal(messageTypeName(1000), "MESSAGE 1000");
});
