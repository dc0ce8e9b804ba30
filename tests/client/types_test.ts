// Type tests of the client's option types. `deno check` and `deno test`
// type-check this file: each `@ts-expect-error` must meet an error, and the
// lines without one must compile.
import assert from "node:assert/strict";
import type { CallPromise } from "../../src/client/call_promise.ts";
import type { ChallengeHandler, Session } from "../../src/client/session.ts";
import type { ConnectionOptions } from "../../src/client/connection.ts";
import type {
  CallOptions,
  LocalCallOptions,
  WireCallOptions,
} from "../../src/client/types.ts";

/** Type-checked, never run. */
function callOptionTypes(session: Session, signal: AbortSignal): void {
  // Local options have their exact types.
  session.call("com.a", [], {}, {
    signal,
    cancelMode: "killnowait",
    timeout: 100,
    onProgress: (value, details) => void [value, details.progress],
  });
  // Known wire options, and custom lower-case ones, pass through.
  session.call("com.a", [], {}, {
    receive_progress: true,
    disclose_me: true,
    rkey: "key1",
    ppt_scheme: "x_custom",
    _impl_specific: { nested: [1, "two", null] },
    forward_for: [{ session: 1 }],
  });
  // Options built elsewhere, as dicts or typed objects.
  const dict: Record<string, unknown> = { x_custom: 1 };
  session.call("com.a", [], {}, dict);
  const typed: CallOptions = { timeout: 5 };
  typed.onProgress = () => {};
  session.call("com.a", [], {}, { ...typed, extra_key: 1 });
  const local: LocalCallOptions = { cancelMode: "skip" };
  const wire: WireCallOptions = { disclose_me: true, custom_key: "v" };
  session.call("com.a", [], {}, { ...local, ...wire });

  // @ts-expect-error a misspelt local option (camelCase is never a WAMP key)
  session.call("com.a", [], {}, { onProgres: () => {} });
  // @ts-expect-error a misspelt local option
  session.call("com.a", [], {}, { cancelMod: "kill" });
  // @ts-expect-error a local option of the wrong type
  session.call("com.a", [], {}, { signal: "stop" });
  // @ts-expect-error an unknown cancel mode
  session.call("com.a", [], {}, { cancelMode: "later" });
  // @ts-expect-error a timeout that is not a number
  session.call("com.a", [], {}, { timeout: "5s" });
  // @ts-expect-error a known wire option of the wrong type
  session.call("com.a", [], {}, { receive_progress: "yes" });
  // @ts-expect-error not a WAMP option key: capitals
  session.call("com.a", [], {}, { customKey: 1 });

  // call<T>() types the result.
  const typedCall: CallPromise<number> = session.call<number>("com.add2");
  typedCall.then((n) => n.toFixed());
  // @ts-expect-error the result is a number, not a string
  const wrong: CallPromise<string> = session.call<number>("com.add2");
  void wrong;
  const untyped: CallPromise<unknown> = session.call("com.add2");
  void untyped;
}

/** Type-checked, never run. */
function challengeHandlerTypes(): void {
  // One ChallengeHandler type for Session and Connection: it gets the Session.
  const onchallenge: ChallengeHandler = (session, method, extra) =>
    `${session.realm} ${method} ${extra.challenge}`;
  const options: ConnectionOptions = {
    realm: "realm1",
    url: "ws://x",
    onchallenge,
  };
  void options;
  const typedSession: ChallengeHandler = (session) => {
    // @ts-expect-error the session is a Session: it has no such method
    session.nope();
    return session.realm; // not `unknown`
  };
  void typedSession;
}

Deno.test("client option types (checked at compile time)", () => {
  assert.equal(typeof callOptionTypes, "function");
  assert.equal(typeof challengeHandlerTypes, "function");
});
