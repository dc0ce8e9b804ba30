// Mutated and truncated frames must only ever raise DecodeError or
// ProtocolError: never another exception, never a hang.
import assert from "node:assert/strict";
import { parse, ProtocolError, toWire } from "../../src/protocol/mod.ts";
import { CborSerializer } from "../../src/serializers/cbor.ts";
import { DecodeError } from "../../src/serializers/errors.ts";
import { JsonSerializer } from "../../src/serializers/json.ts";
import { MsgpackSerializer } from "../../src/serializers/msgpack.ts";
import type { Serializer } from "../../src/serializers/serializer.ts";
import { message, Random, seed } from "../_helpers/random.ts";
import {
  hexToBytes,
  testsuiteDir,
  vectorFiles,
} from "../_helpers/testsuite.ts";

const serializers: Record<string, Serializer> = {
  json: new JsonSerializer({ maxMessageSize: 1 << 20 }),
  msgpack: new MsgpackSerializer({ maxMessageSize: 1 << 20 }),
  cbor: new CborSerializer({ maxMessageSize: 1 << 20 }),
};

function corpus(r: Random): [string, Uint8Array][] {
  const out: [string, Uint8Array][] = [];
  const dir = testsuiteDir();
  if (dir !== undefined) {
    for (const file of vectorFiles(dir)) {
      const doc = JSON.parse(Deno.readTextFileSync(file));
      for (const sample of doc.samples) {
        for (const format of Object.keys(serializers)) {
          for (const v of sample.serializers?.[format] ?? []) {
            out.push([format, hexToBytes(v.bytes_hex)]);
          }
        }
      }
    }
  }
  const enc = new TextEncoder();
  for (let i = 0; i < 60; i++) {
    const wire = toWire(message(r));
    for (const [format, s] of Object.entries(serializers)) {
      try {
        const f = s.serialize(wire);
        out.push([format, typeof f === "string" ? enc.encode(f) : f]);
      } catch {
        // too large for the fuzz limit
      }
    }
  }
  return out;
}

function mutate(r: Random, frame: Uint8Array): Uint8Array {
  const f = frame.slice();
  switch (r.int(5)) {
    case 0: // flip bytes
      for (let i = 0, n = 1 + r.int(4); i < n && f.length; i++) {
        f[r.int(f.length)] = r.int(256);
      }
      return f;
    case 1: // truncate
      return f.subarray(0, r.int(f.length));
    case 2: { // insert
      const at = r.int(f.length + 1);
      const extra = Uint8Array.from({ length: 1 + r.int(8) }, () => r.int(256));
      const out = new Uint8Array(f.length + extra.length);
      out.set(f.subarray(0, at));
      out.set(extra, at);
      out.set(f.subarray(at), at + extra.length);
      return out;
    }
    case 3: // huge length prefixes
      for (let i = 0; i < f.length; i++) {
        if (r.int(6) === 0) {
          f[i] = r.pick([0xdd, 0xdf, 0xc6, 0xdb, 0x9b, 0xbb, 0x5b, 0x7b, 0xff]);
        }
      }
      return f;
    default: // duplicate a slice
    {
      const a = r.int(f.length + 1);
      const b = a + r.int(f.length - a + 1);
      const out = new Uint8Array(f.length + (b - a));
      out.set(f.subarray(0, b));
      out.set(f.subarray(a), b);
      return out;
    }
  }
}

Deno.test("fuzz: mutated frames raise only DecodeError or ProtocolError", () => {
  const s = seed();
  const r = new Random(s);
  const frames = corpus(r);
  const dec = new TextDecoder();
  let runs = 0;
  let decodeErrors = 0;
  let protocolErrors = 0;
  const deadline = Date.now() + 4000; // a budget for the run, not an assertion
  while (runs < 40000 && Date.now() < deadline) {
    const [format, frame] = r.pick(frames);
    const mutated = mutate(r, frame);
    const s2 = serializers[format]!;
    const input = format === "json" && r.int(2) === 0
      ? dec.decode(mutated)
      : mutated;
    try {
      parse(s2.deserialize(input));
    } catch (err) {
      if (err instanceof DecodeError) decodeErrors++;
      else if (err instanceof ProtocolError) protocolErrors++;
      else {
        assert.fail(
          `WAMPKIT_SEED=${s}: ${format} frame raised ${err}\n${
            Array.from(mutated, (b) => b.toString(16).padStart(2, "0")).join("")
          }`,
        );
      }
    }
    runs++;
  }
  // Every truncation of every corpus frame, exhaustively.
  for (const [format, frame] of frames.slice(0, 400)) {
    for (let n = 0; n < Math.min(frame.length, 300); n++) {
      try {
        parse(serializers[format]!.deserialize(frame.subarray(0, n)));
      } catch (err) {
        assert.ok(
          err instanceof DecodeError || err instanceof ProtocolError,
          `${format} truncated to ${n}: ${err}`,
        );
      }
    }
  }
  assert.ok(runs > 1000);
  assert.ok(decodeErrors > 0 && protocolErrors > 0);
  console.log(
    `fuzz: ${runs} mutated frames, ${decodeErrors} DecodeError, ${protocolErrors} ProtocolError (WAMPKIT_SEED=${s})`,
  );
});

Deno.test("fuzz: a length prefix beyond the frame is refused before allocating", () => {
  const msgpack = serializers.msgpack!;
  const cbor = serializers.cbor!;
  // array 32 / map 32 / bin 32 / str 32 claiming 4 GiB - 1
  for (const head of [0xdd, 0xdf, 0xc6, 0xdb]) {
    assert.throws(
      () => msgpack.deserialize(new Uint8Array([head, 0xff, 0xff, 0xff, 0xff])),
      DecodeError,
    );
  }
  // CBOR array/map/bytes/text with an 8-byte length of 2^52
  for (const head of [0x9b, 0xbb, 0x5b, 0x7b]) {
    assert.throws(
      () =>
        cbor.deserialize(
          new Uint8Array([head, 0, 0x10, 0, 0, 0, 0, 0, 0]),
        ),
      DecodeError,
    );
  }
});

Deno.test("fuzz: nesting is bounded instead of overflowing the stack", () => {
  const deep = new Uint8Array(100000).fill(0x91); // [[[[...
  assert.throws(() => serializers.msgpack!.deserialize(deep), /Nesting deeper/);
  const deepCbor = new Uint8Array(100000).fill(0x81);
  assert.throws(
    () => serializers.cbor!.deserialize(deepCbor),
    /Nesting deeper/,
  );
  const indefinite = new Uint8Array(100000).fill(0x9f);
  assert.throws(
    () => serializers.cbor!.deserialize(indefinite),
    /Nesting deeper/,
  );
});
