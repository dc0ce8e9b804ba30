import assert from "node:assert/strict";
import {
  isValidUri,
  uriMatches,
  wildcardMatches,
} from "../../src/protocol/mod.ts";

Deno.test("isValidUri() follows the spec's loose and strict rules", () => {
  for (const ok of ["a", "com.myapp.topic1", "com.MyApp.Ärger", "a.b-c.d"]) {
    assert.ok(isValidUri(ok), ok);
  }
  for (const bad of ["", ".a", "a.", "a..b", "a b", "a#b", "a.\tb"]) {
    assert.ok(!isValidUri(bad), bad);
  }
  assert.ok(isValidUri("com.myapp_1.x", { strict: true }));
  assert.ok(!isValidUri("com.MyApp", { strict: true }));
  assert.ok(!isValidUri("com.my-app", { strict: true }));
});

Deno.test("isValidUri() allows empty components only when asked", () => {
  for (const ok of ["a..b", ".b", "a.", "..", "a.b."]) {
    assert.ok(isValidUri(ok, { allowEmpty: true }), ok);
  }
  assert.ok(isValidUri("a..b", { allowEmpty: true, strict: true }));
  assert.ok(!isValidUri("a..B", { allowEmpty: true, strict: true }));
  assert.ok(!isValidUri("", { allowEmpty: true }));
  assert.ok(!isValidUri("a. .b", { allowEmpty: true }));
  assert.ok(!isValidUri(42 as unknown as string));
});

Deno.test("uriMatches() implements exact, prefix and wildcard", () => {
  assert.ok(uriMatches("a.b", "exact", "a.b"));
  assert.ok(!uriMatches("a.b", "exact", "a.b.c"));
  assert.ok(uriMatches("com.a.obj1", "prefix", "com.a.obj1-x"));
  assert.ok(uriMatches("com.a.obj1", "prefix", "com.a.obj1.y"));
  assert.ok(!uriMatches("com.a.obj1", "prefix", "com.a.obj"));
  assert.ok(uriMatches("com..create", "wildcard", "com.user.create"));
  assert.ok(uriMatches("..", "wildcard", "a.b.c"));
  assert.ok(!uriMatches("com..create", "wildcard", "com.user.delete"));
  assert.ok(!uriMatches("com..create", "wildcard", "com.create"));
  assert.ok(wildcardMatches([""], ["x"]));
});
