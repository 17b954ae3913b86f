import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { RecordSchema, StoreOutcomeSchema, ValueOutcomeSchema } from "@p2p/proto/peer";
import { VersionSchema } from "@p2p/proto/types";
import { DhtError, silentLogger } from "@p2p/dht";
import type { DhtRecord } from "@p2p/dht";
import { findValueManyResponse, storeOutcomesFromProto, valueOutcomesFromProto } from "./batch-codec.js";

const writer = "cd".repeat(32);
const version = create(VersionSchema, { wallTimeMs: 5n, logical: 0, writer });
const sender = undefined as never;

test("a responder's answer with the wrong number of outcomes fails the whole call (Internal)", () => {
  assert.throws(() => storeOutcomesFromProto([create(StoreOutcomeSchema, { applied: true, current: version })], 2), (e: unknown) => e instanceof DhtError && e.code === "internal");
  assert.throws(() => valueOutcomesFromProto([], ["a"]), /0 outcomes for 1 items/);
});

test("one bad item fails alone: a record for another key, a missing version, an unknown error code", () => {
  const values = valueOutcomesFromProto(
    [
      create(ValueOutcomeSchema, { record: create(RecordSchema, { key: "not-a", value: new Uint8Array([1]), version }) }),
      create(ValueOutcomeSchema, { record: create(RecordSchema, { key: "b", value: new Uint8Array([1]), version }) }),
      create(ValueOutcomeSchema, {}),
      create(ValueOutcomeSchema, { omitted: true }),
      create(ValueOutcomeSchema, { errorCode: "no_such_code", errorMessage: "x" }),
    ],
    ["a", "b", "c", "d", "e"],
  );
  assert.ok(values[0] instanceof DhtError && /is not the requested key/.test(values[0].message));
  assert.equal((values[1] as DhtRecord).key, "b");
  assert.equal(values[2], null);
  assert.equal(values[3], "omitted");
  assert.ok(values[4] instanceof DhtError && values[4].code === "unknown");
  const stores = storeOutcomesFromProto([create(StoreOutcomeSchema, { applied: true }), create(StoreOutcomeSchema, { errorCode: "resource_exhausted", errorMessage: "disk quota" })], 2);
  assert.ok(stores[0] instanceof DhtError, "an outcome without its version is an error");
  assert.ok(stores[1] instanceof DhtError && stores[1].code === "resource_exhausted" && /disk quota/.test(stores[1].message));
});

test("a FindValueMany answer stays under the message limit: the records past the budget are omitted", () => {
  const big = (key: string): DhtRecord => ({ key, value: new Uint8Array(400_000), version: { wallMs: 5, logical: 0, writer }, tombstone: false });
  const res = findValueManyResponse(sender, [big("a"), big("b"), big("c"), null, DhtError.internal("boom")], 1_000_000, silentLogger);
  assert.deepEqual(res.values.map((v) => (v.record ? "record" : v.omitted ? "omitted" : v.errorCode || "none")), ["record", "record", "omitted", "none", "internal"]);
  assert.equal(res.values[4]!.errorMessage, "internal error", "internal failures are not described to the other side");
});
