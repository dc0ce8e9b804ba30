import assert from "node:assert/strict";
import * as codes from "../../src/protocol/_codes.ts";
import * as uris from "../../src/protocol/_uris.ts";
import { ErrorUri, MessageType } from "../../src/protocol/mod.ts";

Deno.test("_codes.ts holds the same codes as MessageType", () => {
  assert.deepEqual({ ...codes }, { ...MessageType });
});

Deno.test("_uris.ts holds the same URIs as ErrorUri", () => {
  assert.deepEqual({ ...uris }, { ...ErrorUri });
});
