// The WAMP message corpus the serializer benchmarks run on.
const text = (n: number) => "lorem ipsum dolor sit amet ".repeat(n).slice(0, n);

const users = Array.from({ length: 1000 }, (_, i) => ({
  id: 100000 + i,
  name: `user ${i}`,
  email: `user${i}@example.com`,
  active: i % 3 !== 0,
  score: i * 1.25,
}));

const binary = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 255);

/** Name → wire array. `binary` says whether it holds a Uint8Array. */
export const CORPUS: { name: string; message: unknown[]; binary: boolean }[] = [
  {
    name: "small CALL",
    message: [48, 7814135, {}, "com.myapp.add2", [23, 7]],
    binary: false,
  },
  {
    name: "1 KB EVENT",
    message: [36, 5512315355, 4429313566, { publisher: 3335656 }, [
      text(600),
    ], {
      sensor: "temp-42",
      readings: [21.5, 21.75, 22, 22.25],
      unit: "C",
      note: text(250),
    }],
    binary: false,
  },
  {
    name: "50 KB RESULT (1000 objects)",
    message: [50, 7814135, {}, [users]],
    binary: false,
  },
  {
    name: "INVOCATION with 64 KiB binary",
    message: [68, 6131533, 9823526, {}, [binary, "image/png"]],
    binary: true,
  },
  {
    name: "full HELLO",
    message: [1, "realm1", {
      roles: {
        caller: {
          features: {
            caller_identification: true,
            progressive_call_results: true,
            call_canceling: true,
            call_timeout: true,
          },
        },
        callee: {
          features: {
            caller_identification: true,
            pattern_based_registration: true,
            shared_registration: true,
            progressive_call_results: true,
            registration_revocation: true,
            call_canceling: true,
            call_timeout: true,
          },
        },
        publisher: {
          features: {
            publisher_identification: true,
            subscriber_blackwhite_listing: true,
            publisher_exclusion: true,
          },
        },
        subscriber: {
          features: {
            publisher_identification: true,
            pattern_based_subscription: true,
            subscription_revocation: true,
          },
        },
      },
      agent: "wampkit-0.1.0",
      authmethods: ["wampcra", "ticket", "anonymous"],
      authid: "joe",
      authextra: {
        pubkey:
          "545efb0a2192db8d43f118e9bf9aee081466e1ef36c708b96ee6f62dddad9122",
      },
    }],
    binary: false,
  },
];
