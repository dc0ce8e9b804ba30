// Requests on their own, with a fake session context: ids, pending maps,
// dropped answers, reject-all.
import assert from "node:assert/strict";
import {
  notOpen,
  type Pending,
  Requests,
  withoutUndefined,
} from "../../src/client/requests.ts";
import { SessionClosedError } from "../../src/client/session_closed_error.ts";
import { MessageType as M } from "../../src/protocol/message_type.ts";
import type { Message } from "../../src/protocol/messages.ts";

function fixture(failOn?: number) {
  const sent: Message[] = [];
  const dropped: string[] = [];
  const requests = new Requests({
    send: (message) => {
      if (message.type === failOn) throw new Error("cannot encode");
      sent.push(message);
    },
    dropped: (id, what) => dropped.push(`${what} ${id}`),
  });
  return { requests, sent, dropped };
}

function pending<T>(log: string[], name: string): Pending<T> {
  return {
    resolve: (v) => log.push(`${name} resolved ${v}`),
    reject: (e) => log.push(`${name} rejected ${(e as Error).message}`),
  };
}

Deno.test("Requests.send() uses up an id only once the request is sent", () => {
  const { requests, sent } = fixture(M.PUBLISH);
  assert.equal(requests.next, 1);
  assert.throws(
    () =>
      requests.send({
        type: M.PUBLISH,
        requestId: requests.next,
        options: {},
        topic: "t",
      }),
    /cannot encode/,
  );
  assert.equal(requests.next, 1);
  const id = requests.send({
    type: M.SUBSCRIBE,
    requestId: requests.next,
    options: {},
    topic: "t",
  });
  assert.equal(id, 1);
  assert.equal(requests.next, 2);
  assert.equal(sent.length, 1);
});

Deno.test("Requests.submit() files the entry, or rejects it when sending fails", () => {
  const { requests, dropped } = fixture(M.PUBLISH);
  const log: string[] = [];
  const map = requests.map<Pending<string>>();
  requests.submit(map, {
    type: M.SUBSCRIBE,
    requestId: requests.next,
    options: {},
    topic: "t",
  }, pending(log, "a"));
  requests.submit(map, {
    type: M.PUBLISH,
    requestId: requests.next,
    options: {},
    topic: "t",
  }, pending(log, "b"));
  assert.deepEqual([...map.keys()], [1]);
  assert.deepEqual(log, ["b rejected cannot encode"]);
  requests.take(map, 1, "SUBSCRIBED")?.resolve("x");
  requests.take(map, 1, "SUBSCRIBED");
  requests.fail(map, 2, new Error("late"));
  assert.deepEqual(log.slice(1), ["a resolved x"]);
  assert.deepEqual(dropped, ["SUBSCRIBED 1", "ERROR 2"]);
});

Deno.test("Requests.rejectAll() settles every map in the order they were made", () => {
  const { requests } = fixture();
  const log: string[] = [];
  const first = requests.map<Pending<never>>((p) =>
    log.push(`settle ${p === a}`)
  );
  const second = requests.map<Pending<never>>();
  const a = pending<never>(log, "a");
  second.set(1, pending(log, "b"));
  first.set(2, a);
  requests.rejectAll(notOpen());
  assert.deepEqual(log, [
    "settle true",
    "a rejected Session is not open",
    "b rejected Session is not open",
  ]);
  assert.equal(first.size + second.size, 0);
  assert.ok(notOpen() instanceof SessionClosedError);
  assert.equal(notOpen().uri, "wamp.error.session_not_open");
});

Deno.test("withoutUndefined() drops undefined values", () => {
  assert.deepEqual(withoutUndefined({ a: 1, b: undefined, c: null }), {
    a: 1,
    c: null,
  });
});
