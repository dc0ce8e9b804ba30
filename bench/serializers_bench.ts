// Serializer speed, side by side with native JSON and the npm peers.
//   cd bench && npm install --omit=optional && cd .. && deno task bench
import { JsonSerializer } from "../src/serializers/json.ts";
import { MsgpackSerializer } from "../src/serializers/msgpack.ts";
import { CborSerializer } from "../src/serializers/cbor.ts";
import { CORPUS } from "./_corpus.ts";
import { peers } from "./_peers.ts";

const ours = {
  "wampkit json": new JsonSerializer(),
  "wampkit msgpack": new MsgpackSerializer(),
  "wampkit cbor": new CborSerializer(),
};
const others = await peers();

// WAMPKIT_BENCH_ITEM=<index> benches one corpus item only: one fresh
// process per item keeps the others' garbage and JIT state out of its numbers
// (bench/serializers_table.ts does that for every item).
const only = Deno.env.get("WAMPKIT_BENCH_ITEM");
for (const [index, item] of CORPUS.entries()) {
  if (only !== undefined && Number(only) !== index) continue;
  const { name, message } = item;
  const encodeGroup = `${name} encode`;
  const decodeGroup = `${name} decode`;
  if (!item.binary) {
    const text = JSON.stringify(message);
    Deno.bench("JSON.stringify", { group: encodeGroup, baseline: true }, () => {
      JSON.stringify(message);
    });
    Deno.bench("JSON.parse", { group: decodeGroup, baseline: true }, () => {
      JSON.parse(text);
    });
  }
  for (const [label, s] of Object.entries(ours)) {
    const frame = s.serialize(message);
    Deno.bench(label, {
      group: encodeGroup,
      baseline: item.binary && label === "wampkit msgpack",
    }, () => {
      s.serialize(message);
    });
    Deno.bench(label, {
      group: decodeGroup,
      baseline: item.binary && label === "wampkit msgpack",
    }, () => {
      s.deserialize(frame);
    });
  }
  for (const [label, p] of Object.entries(others)) {
    const frame = p.encode(message);
    Deno.bench(label, { group: encodeGroup }, () => {
      p.encode(message);
    });
    Deno.bench(label, { group: decodeGroup }, () => {
      p.decode(frame);
    });
  }
}
