import assert from "node:assert/strict";
import { test } from "node:test";
import { toBinary, toJson } from "@bufbuild/protobuf";
import { NodeService } from "@p2p/proto/node";
import { PeerService } from "@p2p/proto/peer";
import { Prng } from "../chaos/prng.js";
import { randomMessage } from "./random-message.js";

const methods = [...NodeService.methods, ...PeerService.methods];

test("a random message of every method's input encodes to binary and JSON", () => {
  const rng = new Prng(7);
  for (let round = 0; round < 30; round++) {
    for (const m of methods) {
      const msg = randomMessage(rng, m.input);
      assert.ok(toBinary(m.input, msg) instanceof Uint8Array, m.name);
      try {
        toJson(m.input, msg);
      } catch (err) {
        // NaN and infinities have JSON forms; only 64-bit overflow of an unsigned field may refuse.
        assert.match((err as Error).message, /int64|uint64|cannot encode/i, `${m.name}: ${(err as Error).message}`);
      }
    }
  }
});

test("the same seed gives the same messages (a run replays from its seed)", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  for (const m of methods) assert.deepEqual(toBinary(m.input, randomMessage(a, m.input)), toBinary(m.input, randomMessage(b, m.input)), m.name);
});

test("fields get set: over many messages, most fields of PeerService.Store's request are seen", () => {
  const rng = new Prng(1);
  const store = PeerService.method.store;
  let withRecord = 0;
  for (let i = 0; i < 100; i++) if ((randomMessage(rng, store.input) as unknown as { record?: unknown }).record) withRecord++;
  assert.ok(withRecord > 30 && withRecord < 100, `record set in ${withRecord} of 100`);
});
