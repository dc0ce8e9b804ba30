import assert from "node:assert/strict";
import { DecodeError, EncodeError } from "../../src/serializers/errors.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";

const mp = new MsgpackSerializer();
const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (h: string) =>
  Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));

Deno.test("MsgpackSerializer picks the smallest integer encoding", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [127, "7f"],
    [128, "cc80"],
    [255, "ccff"],
    [256, "cd0100"],
    [65535, "cdffff"],
    [65536, "ce00010000"],
    [2 ** 32 - 1, "ceffffffff"],
    [2 ** 32, "cf0000000100000000"],
    [2 ** 53, "cf0020000000000000"],
    [-1, "ff"],
    [-32, "e0"],
    [-33, "d0df"],
    [-128, "d080"],
    [-129, "d1ff7f"],
    [-32768, "d18000"],
    [-32769, "d2ffff7fff"],
    [-(2 ** 31), "d280000000"],
    [-(2 ** 31) - 1, "d3ffffffff7fffffff"],
    [1.5, "cb3ff8000000000000"],
  ];
  for (const [v, h] of cases) {
    const frame = mp.serialize([v]);
    assert.equal(hex(frame), "91" + h, String(v));
    assert.deepEqual(mp.deserialize(frame), [v]);
  }
});

Deno.test("MsgpackSerializer decodes every width, including float32 and 64-bit", () => {
  assert.deepEqual(mp.deserialize(bytes("93ca3fc00000d0ffd1fffe")), [
    1.5,
    -1,
    -2,
  ]);
  assert.deepEqual(mp.deserialize(bytes("92d2fffffffdd3fffffffffffffffc")), [
    -3,
    -4,
  ]);
  // 2^64 - 1 and -2^63 do not fit in a number
  assert.deepEqual(
    mp.deserialize(bytes("92cfffffffffffffffffd38000000000000000")),
    [
      2n ** 64n - 1n,
      -(2n ** 63n),
    ],
  );
  assert.deepEqual(mp.deserialize(bytes("91cf0020000000000001")), [
    2n ** 53n + 1n,
  ]);
  assert.deepEqual(mp.deserialize(bytes("93c0c2c3")), [null, false, true]);
});

Deno.test("MsgpackSerializer encodes bigint as 64-bit integers", () => {
  assert.equal(hex(mp.serialize([2n ** 64n - 1n])), "91cfffffffffffffffff");
  assert.equal(hex(mp.serialize([-(2n ** 63n)])), "91d38000000000000000");
  assert.throws(() => mp.serialize([2n ** 64n]), EncodeError);
  assert.throws(() => mp.serialize([-(2n ** 63n) - 1n]), EncodeError);
});

Deno.test("MsgpackSerializer uses str 8/16/32 and bin 8/16/32 at the boundaries", () => {
  for (
    const [n, head] of [[31, "bf"], [32, "d920"], [255, "d9ff"], [
      256,
      "da0100",
    ], [65536, "db00010000"]] as const
  ) {
    const s = "x".repeat(n);
    const frame = mp.serialize([s]);
    assert.equal(hex(frame.subarray(1, 1 + head.length / 2)), head, `str ${n}`);
    assert.deepEqual(mp.deserialize(frame), [s]);
  }
  // multi-byte: 20 chars × 3 bytes = 60 bytes → str 8
  const wide = "中".repeat(20);
  assert.equal(hex(mp.serialize([wide]).subarray(0, 3)), "91d93c");
  assert.deepEqual(mp.deserialize(mp.serialize([wide])), [wide]);
  for (
    const [n, head] of [[0, "c400"], [255, "c4ff"], [256, "c50100"], [
      65536,
      "c600010000",
    ]] as const
  ) {
    const b = new Uint8Array(n).fill(7);
    const frame = mp.serialize([b]);
    assert.equal(hex(frame.subarray(1, 1 + head.length / 2)), head, `bin ${n}`);
    assert.deepEqual(mp.deserialize(frame), [b]);
  }
  assert.deepEqual(mp.deserialize(mp.serialize([new Uint8Array([1]).buffer])), [
    new Uint8Array([1]),
  ]);
});

Deno.test("MsgpackSerializer uses array and map 16/32", () => {
  const arr = Array.from({ length: 70000 }, (_, i) => i & 1);
  const f = mp.serialize([arr, Array(20).fill(0)]);
  assert.equal(hex(f.subarray(0, 6)), "92dd00011170");
  assert.deepEqual(mp.deserialize(f), [arr, Array(20).fill(0)]);
  const map: Record<string, number> = {};
  for (let i = 0; i < 70000; i++) map[`k${i}`] = i;
  const small: Record<string, number> = {};
  for (let i = 0; i < 20; i++) small[`k${i}`] = i;
  const g = mp.serialize([map, small]);
  assert.equal(hex(g.subarray(0, 2)), "92df");
  assert.deepEqual(mp.deserialize(g), [map, small]);
  assert.deepEqual(mp.deserialize(bytes("81da000161c0")), { a: null });
  assert.deepEqual(mp.deserialize(bytes("81d90161c0")), { a: null });
});

Deno.test("MsgpackSerializer skips undefined dict values and uses toJSON", () => {
  assert.deepEqual(
    mp.deserialize(mp.serialize([{ a: undefined, b: 1 }, undefined])),
    [
      { b: 1 },
      null,
    ],
  );
  const when = new Date(0);
  assert.deepEqual(mp.deserialize(mp.serialize([when])), [when.toJSON()]);
});

Deno.test("MsgpackSerializer decodes msgpackr's undefined (fixext 1, type 0, data 0)", () => {
  assert.equal(mp.deserialize(bytes("d40000")), undefined);
  assert.deepEqual(mp.deserialize(bytes("92d40000c0")), [undefined, null]);
  const dict = mp.deserialize(bytes("81a161d40000")) as Record<string, unknown>;
  assert.deepEqual(Object.keys(dict), ["a"]);
  assert.equal(dict.a, undefined);
  for (const h of ["d40001", "d40100", "d4ff00", "d5000000", "c7010000"]) {
    assert.throws(
      () => mp.deserialize(bytes(h)),
      /MessagePack ext type 0x(d4|d5|c7) is not allowed in WAMP at offset 0/,
      h,
    );
  }
  assert.throws(
    () => mp.deserialize(bytes("d400")),
    /Truncated frame: fixext 1 needs 2 bytes, 1 left at offset 1/,
  );
  assert.throws(
    () => mp.deserialize(bytes("81d40000c0")),
    /Map keys must be strings/,
  );
});

Deno.test("MsgpackSerializer rejects ext types, bad keys and trailing bytes", () => {
  for (const h of ["c70101aa", "d401aa", "d5010000", "c1"]) {
    assert.throws(() => mp.deserialize(bytes(h)), DecodeError, h);
  }
  assert.throws(
    () => mp.deserialize(bytes("d401aa")),
    /ext type 0xd4 is not allowed/,
  );
  assert.throws(
    () => mp.deserialize(bytes("8101c0")),
    /Map keys must be strings at offset 1/,
  );
  assert.throws(
    () => mp.deserialize(bytes("90c0")),
    /1 bytes after the end of the value at offset 1/,
  );
  assert.throws(
    () => mp.deserialize(bytes("92c0")),
    /Truncated frame: an array of 2 needs 2 bytes, 1 left at offset 1/,
  );
  assert.throws(
    () => mp.deserialize(bytes("a3ffffff")),
    /Invalid UTF-8 in string at offset 1/,
  );
  assert.throws(() => mp.deserialize(new Uint8Array()), /Empty frame/);
  assert.throws(() => mp.deserialize("[]"), /must be binary/);
  assert.throws(
    () =>
      new MsgpackSerializer({ maxMessageSize: 2 }).deserialize(
        bytes("93000000"),
      ),
    /exceeds the limit of 2/,
  );
});

Deno.test("MsgpackSerializer refuses what it cannot encode", () => {
  assert.throws(() => mp.serialize([() => 1]), /Cannot encode a function/);
  assert.throws(() => mp.serialize([Symbol("x")]), /Cannot encode a symbol/);
  assert.throws(() => mp.serialize([new Map()]), /Cannot encode a Map/);
  assert.throws(() => mp.serialize([new Float32Array(1)]), /Float32Array/);
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.throws(() => mp.serialize(cycle), /Nesting deeper than 64/);
  assert.throws(
    () => new MsgpackSerializer({ maxMessageSize: 3 }).serialize(["abcdef"]),
    /exceeds the limit of 3/,
  );
  // Still usable after a failure, and after a message over 1 MiB.
  assert.deepEqual(mp.deserialize(mp.serialize([new Uint8Array(2 << 20)])), [
    new Uint8Array(2 << 20),
  ]);
  assert.deepEqual(mp.deserialize(mp.serialize([1])), [1]);
});

Deno.test("MsgpackSerializer encodes lone surrogates as U+FFFD like TextEncoder", () => {
  for (const s of ["\ud800", "a\udc00b", "\ud800x"]) {
    assert.deepEqual(mp.deserialize(mp.serialize([s])), [
      new TextDecoder().decode(new TextEncoder().encode(s)),
    ]);
  }
});

Deno.test("MsgpackSerializer keeps earlier frames intact while the buffer grows", () => {
  const s = new MsgpackSerializer();
  const first = s.serialize([1, "first"]);
  const copy = first.slice();
  // Force several buffer replacements, with a dict whose header is patched
  // after its nested values moved the buffer.
  const big = { a: undefined, b: "x".repeat(40000), c: new Uint8Array(50000) };
  const frame = s.serialize([big, big]);
  assert.deepEqual(first, copy);
  assert.deepEqual(s.deserialize(frame), [{ b: big.b, c: big.c }, {
    b: big.b,
    c: big.c,
  }]);
  assert.deepEqual(s.deserialize(s.serialize(["after"])), ["after"]);
});

Deno.test("MsgpackSerializer accepts a real U+FFFD and rejects invalid UTF-8 in long strings", () => {
  const s = "\uFFFD".repeat(40) + "x".repeat(100);
  assert.deepEqual(mp.deserialize(mp.serialize([s])), [s]);
  const bad = mp.serialize(["y".repeat(100)]).slice();
  bad[50] = 0xff;
  assert.throws(() => mp.deserialize(bad), /Invalid UTF-8 in string/);
});
