import assert from "node:assert/strict";
import { PublishFilter } from "../../src/router/publish_filter.ts";

const a = { id: 1, authid: "alice", authrole: "user" };
const b = { id: 2, authid: "bob", authrole: "user" };
const c = { id: 3, authid: "carol", authrole: "admin" };
const all = [a, b, c];

function receivers(options: Record<string, unknown>, publisher = a) {
  const filter = PublishFilter.of(options, publisher);
  return all.filter((s) => filter === undefined || filter.admits(s))
    .map((s) => s.authid);
}

Deno.test("PublishFilter: the publisher is excluded unless exclude_me is false", () => {
  assert.deepEqual(receivers({}), ["bob", "carol"]);
  assert.deepEqual(receivers({ exclude_me: false }), ["alice", "bob", "carol"]);
  assert.equal(PublishFilter.of({ exclude_me: false }, a), undefined);
  assert.equal(PublishFilter.of({}, undefined), undefined);
});

Deno.test("PublishFilter: black and white lists by session, authid, authrole", () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ exclude: [2] }, ["carol"]],
    [{ eligible: [2] }, ["bob"]],
    [{ exclude_authid: ["carol"] }, ["bob"]],
    [{ eligible_authid: ["carol", "alice"] }, ["carol"]],
    [{ exclude_authrole: ["user"] }, ["carol"]],
    [{ eligible_authrole: ["user"] }, ["bob"]],
    [{ eligible: [2, 3], exclude_authid: ["bob"] }, ["carol"]],
    [{ eligible: [1, 2, 3], exclude_me: false, exclude: [1] }, [
      "bob",
      "carol",
    ]],
    [{ eligible: [] }, []],
    [{ eligible_authrole: ["admin"], eligible_authid: ["bob"] }, []],
  ];
  for (const [options, expected] of cases) {
    assert.deepEqual(receivers(options), expected, JSON.stringify(options));
  }
});
