import assert from "node:assert/strict";
import { AuthError, ticket } from "../../src/auth/mod.ts";

Deno.test("ticket() sends the ticket for a ticket challenge", async () => {
  const auth = ticket({
    authid: "joe",
    ticket: "secret!",
    authrole: "user",
    authextra: { a: 1 },
  });
  assert.deepEqual(await auth.hello(), {
    authmethods: ["ticket"],
    authid: "joe",
    authrole: "user",
    authextra: { a: 1 },
  });
  assert.equal(await auth.challenge("ticket", {}), "secret!");
  assert.equal(auth.welcome, undefined);
});

Deno.test("ticket() refuses another method's challenge", () => {
  const auth = ticket({ authid: "joe", ticket: "secret!" });
  assert.throws(() => auth.challenge("wampcra", {}), {
    name: "AuthError",
    message: 'Router challenged for "wampcra", not ticket',
  });
  assert.throws(() => auth.challenge("TICKET", {}), AuthError);
});

Deno.test("ticket() needs an authid and a ticket string", () => {
  assert.throws(
    () => ticket({ authid: undefined as unknown as string, ticket: "t" }),
    TypeError,
  );
  assert.throws(
    () => ticket({ authid: "joe", ticket: 42 as unknown as string }),
    TypeError,
  );
});

Deno.test("AuthError is an Error with its name", () => {
  const err = new AuthError("Nope", { cause: 1 });
  assert.ok(err instanceof Error);
  assert.equal(err.name, "AuthError");
  assert.equal(err.cause, 1);
});
