// A seeded random source and a generator of random WAMP messages, for
// property and fuzz tests. The seed is printed so a failure can be replayed
// with WAMPKIT_SEED=<seed>.
import { LAYOUTS } from "../../src/protocol/_layout.ts";
import type { Message } from "../../src/protocol/messages.ts";

/** A small, fast, seeded PRNG (mulberry32). */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** The seed for this run: $WAMPKIT_SEED or a fresh one. */
export function seed(): number {
  const fromEnv = Deno.env.get("WAMPKIT_SEED");
  return fromEnv ? Number(fromEnv) : (Math.random() * 2 ** 32) >>> 0;
}

const CHARS = [
  "a",
  "z",
  "_",
  ".",
  " ",
  "é",
  "ß",
  "中",
  "😀",
  "\n",
  '"',
  "\\",
  "\u0001",
  "\u007f",
  "\u0800",
];

function string(r: Random, max = 40): string {
  // Sometimes long strings, to cross the str8/str16 boundaries.
  const n = r.int(60) === 0 ? r.int(70000) : r.int(max);
  let s = "";
  for (let i = 0; i < n; i++) s += r.pick(CHARS);
  return s;
}

function integer(r: Random): number {
  const bounds = [
    31,
    127,
    255,
    256,
    65535,
    65536,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
  ];
  const b = r.pick(bounds);
  const v = Math.floor(r.next() * b);
  return r.int(4) === 0 ? -v : v;
}

/** A random application value: no -0, NaN, Infinity or bigint. */
export function value(r: Random, depth = 0): unknown {
  const k = r.int(depth > 3 ? 6 : 9);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.int(2) === 0;
    case 2:
      return integer(r) || 0;
    case 3: {
      const f = (r.next() - 0.5) * 10 ** r.int(300);
      return Object.is(f, -0) || Number.isInteger(f) ? 0.5 : f;
    }
    case 4:
      return string(r);
    case 5: {
      const n = r.int(40) === 0 ? r.int(70000) : r.int(300);
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = r.int(256);
      return b;
    }
    case 6:
    case 7: {
      const n = r.int(6);
      return Array.from({ length: n }, () => value(r, depth + 1));
    }
    default: {
      const out: Record<string, unknown> = {};
      const n = r.int(6);
      for (let i = 0; i < n; i++) out[`k${string(r, 8)}`] = value(r, depth + 1);
      return out;
    }
  }
}

/** A random, valid message of a random (or given) type. */
export function message(r: Random, code?: number): Message {
  const codes = Object.keys(LAYOUTS).map(Number);
  const type = code ?? r.pick(codes);
  const layout = LAYOUTS[type]!;
  const msg: Record<string, unknown> = { type };
  for (const [key, kind] of layout.fields) {
    switch (kind) {
      case "id":
        msg[key] = 1 + Math.floor(r.next() * 2 ** 53);
        break;
      case "id0":
        msg[key] = r.int(2) === 0 ? 0 : 1 + r.int(1000);
        break;
      case "uri":
      case "string":
        msg[key] = r.pick(["com.example.a", "wamp.error.canceled", "x"]) +
          string(r, 6).replace(/[.\s#]/g, "");
        break;
      case "type":
        msg[key] = r.pick([16, 32, 34, 48, 64, 66, 68]);
        break;
      case "dict": {
        const d = value(r, 4);
        const dict: Record<string, unknown> = {};
        if (d && typeof d === "object" && !Array.isArray(d)) {
          for (const [k, v] of Object.entries(d)) dict[`_${k}`] = v;
        }
        if (type === 1 || type === 2) dict.roles = { caller: { features: {} } };
        msg[key] = dict;
        break;
      }
    }
  }
  if (layout.payload) {
    const shape = r.int(3);
    if (shape >= 1) {
      const n = 1 + r.int(4);
      msg.args = Array.from({ length: n }, () => value(r, 1));
    }
    if (shape === 2) {
      msg.kwargs = { a: value(r, 1), [string(r, 5)]: value(r, 1) };
      if (msg.args === undefined) msg.args = [];
    }
  } else if (layout.trailingDetails && msg.requestId === 0) {
    msg.details = { reason: "wamp.close.killed" };
  }
  return msg as unknown as Message;
}
