import assert from "node:assert/strict";
import { UriIndex } from "../../src/router/uri_index.ts";
import { type MatchPolicy, wildcardMatches } from "../../src/protocol/uri.ts";
import { Random, seed } from "../_helpers/random.ts";

Deno.test("UriIndex: get, set, delete under each policy", () => {
  const index = new UriIndex<number>();
  index.set("com.a", "exact", 1);
  index.set("com.a", "prefix", 2);
  index.set("com..a", "wildcard", 3);
  assert.equal(index.size, 3);
  assert.equal(index.get("com.a", "exact"), 1);
  assert.equal(index.get("com.a", "prefix"), 2);
  assert.equal(index.get("com..a", "wildcard"), 3);
  assert.equal(index.get("com.a", "wildcard"), undefined);
  index.set("com..a", "wildcard", 4); // replaces
  assert.equal(index.size, 3);
  assert.deepEqual([...index.entries()], [
    ["com.a", "exact", 1],
    ["com.a", "prefix", 2],
    ["com..a", "wildcard", 4],
  ]);
  assert.equal(index.delete("com..a", "wildcard"), true);
  assert.equal(index.delete("com..a", "wildcard"), false);
  assert.equal(index.delete("com.b", "prefix"), false);
  assert.equal(index.delete("com.a", "prefix"), true);
  assert.equal(index.delete("com.a", "exact"), true);
  assert.equal(index.size, 0);
  assert.deepEqual(index.matches("com.a"), []);
  assert.equal(index.best("com.x.a"), undefined);
});

Deno.test("UriIndex: best() is exact, then the longest prefix, then the wildcard with the earliest literals", () => {
  const index = new UriIndex<string>();
  index.set("com.a.b.c", "exact", "exact");
  index.set("com.a", "prefix", "prefix short");
  index.set("com.a.b", "prefix", "prefix long");
  index.set("com..c", "wildcard", "wildcard late");
  index.set("com.x.", "wildcard", "wildcard early");
  index.set(".x.c", "wildcard", "wildcard first empty");
  assert.equal(index.best("com.a.b.c"), "exact");
  assert.equal(index.best("com.a.b.d"), "prefix long");
  assert.equal(index.best("com.ab"), "prefix short");
  assert.equal(index.best("com.z.c"), "wildcard late");
  assert.equal(index.best("com.x.c"), "wildcard early");
  assert.equal(index.best("org.x.c"), "wildcard first empty");
  assert.equal(index.best("org.y.c"), undefined);
  assert.equal(index.best("com"), undefined);
  // Prefixes are string prefixes, not component prefixes.
  index.delete("com.a", "prefix");
  assert.equal(index.best("com.ab"), undefined);
});

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

// The matching rules as the broker and dealer applied them before the index:
// a linear scan, kept here as the reference.
function reference(
  entries: [string, MatchPolicy, number][],
  uri: string,
): { all: Set<number>; best: number | undefined } {
  const parts = uri.split(".");
  const all = new Set<number>();
  let exact: number | undefined;
  let prefix: [string, number] | undefined;
  let wild: [number[], number] | undefined;
  for (const [pattern, match, v] of entries) {
    if (match === "exact" && pattern === uri) {
      all.add(v);
      exact = v;
    } else if (match === "prefix" && uri.startsWith(pattern)) {
      all.add(v);
      if (!prefix || pattern.length > prefix[0].length) prefix = [pattern, v];
    } else if (match === "wildcard") {
      const p = pattern.split(".");
      if (!wildcardMatches(p, parts)) continue;
      all.add(v);
      const score = p.map((x) => (x === "" ? 0 : 1));
      if (!wild || compare(score, wild[0]) > 0) wild = [score, v];
    }
  }
  return { all, best: exact ?? prefix?.[1] ?? wild?.[1] };
}

Deno.test("UriIndex: agrees with a linear scan on random patterns and URIs", () => {
  const s = seed();
  console.log(`seed ${s}`);
  const random = new Random(s);
  const rand = () => random.next();
  const words = ["a", "b", "ab", "c", "com", "x"];
  const pick = () => random.pick(words);
  for (let round = 0; round < 200; round++) {
    const index = new UriIndex<number>();
    const entries = new Map<string, [string, MatchPolicy, number]>();
    for (let i = 0; i < 30; i++) {
      const n = 1 + Math.floor(rand() * 3);
      const parts = Array.from(
        { length: n },
        () => (rand() < 0.3 ? "" : pick()),
      );
      const match: MatchPolicy = rand() < 0.33
        ? "exact"
        : rand() < 0.5
        ? "prefix"
        : "wildcard";
      let uri = parts.join(".");
      if (match === "exact") uri = parts.map((p) => p || "a").join(".");
      if (match === "prefix") {
        uri = uri.slice(0, Math.floor(rand() * (uri.length + 1)));
      }
      entries.set(`${match} ${uri}`, [uri, match, i]);
      index.set(uri, match, i);
    }
    // Remove a few, as unsubscribes would.
    for (const [key, [uri, match]] of [...entries].slice(0, 5)) {
      assert.equal(index.delete(uri, match), true);
      entries.delete(key);
    }
    assert.equal(index.size, entries.size);
    for (let q = 0; q < 30; q++) {
      const uri = Array.from(
        { length: 1 + Math.floor(rand() * 3) },
        pick,
      ).join(".");
      const ref = reference([...entries.values()], uri);
      assert.deepEqual(new Set(index.matches(uri)), ref.all, uri);
      assert.equal(index.best(uri), ref.best, uri);
    }
  }
});
