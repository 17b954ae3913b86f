import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryRecordStore } from "./memory-store.js";
import { sha256Hex } from "../replication/position.js";
import type { DhtRecord } from "../types.js";

const W = "1".repeat(64);
const bytes = (s: string) => new TextEncoder().encode(s);
const rec = (key: string, value: string, wallMs: number, logical = 0, tombstone = false): DhtRecord => ({
  key,
  value: tombstone ? new Uint8Array(0) : bytes(value),
  version: { wallMs, logical, writer: W },
  tombstone,
});

describe("MemoryRecordStore", () => {
  test("an older write never overwrites a newer one", async () => {
    const s = new MemoryRecordStore();
    assert.equal((await s.merge(rec("k", "new", 20))).applied, true);
    const r = await s.merge(rec("k", "old", 10));
    assert.equal(r.applied, false);
    assert.deepEqual(r.current, { wallMs: 20, logical: 0, writer: W });
    assert.deepEqual((await s.get("k"))?.value, bytes("new"));
    assert.equal((await s.merge(rec("k", "newer", 20, 1))).applied, true, "logical breaks the tie");
    assert.deepEqual((await s.get("k"))?.value, bytes("newer"));
  });

  test("a tombstone beats an older value and is kept", async () => {
    const s = new MemoryRecordStore();
    await s.merge(rec("k", "v", 10));
    assert.equal((await s.merge(rec("k", "", 11, 0, true))).applied, true);
    assert.equal((await s.merge(rec("k", "stale", 10, 5))).applied, false);
    const held = await s.get("k");
    assert.equal(held?.tombstone, true);
    assert.equal(s.count(), 1, "tombstones count");
  });

  test("merging an equal version is idempotent", async () => {
    const s = new MemoryRecordStore();
    await s.merge(rec("k", "v", 10));
    const again = await s.merge(rec("k", "v", 10));
    assert.equal(again.applied, false);
    assert.equal(s.count(), 1);
    assert.equal((await s.list({ limit: 10 })).length, 1);
  });

  test("list is sorted and honours after, limit and prefix; remove keeps the order", async () => {
    const s = new MemoryRecordStore();
    for (const k of ["b/2", "a/1", "c", "b/1", "a/2", "b/3"]) await s.merge(rec(k, k, 1));
    const keys = async (o: Parameters<typeof s.list>[0]) => (await s.list(o)).map((i) => i.key);
    assert.deepEqual(await keys({ limit: 100 }), ["a/1", "a/2", "b/1", "b/2", "b/3", "c"]);
    assert.deepEqual(await keys({ limit: 2, after: "a/2" }), ["b/1", "b/2"]);
    assert.deepEqual(await keys({ limit: 100, prefix: "b/" }), ["b/1", "b/2", "b/3"]);
    assert.deepEqual(await keys({ limit: 100, prefix: "b/", after: "b/1" }), ["b/2", "b/3"]);
    assert.deepEqual(await keys({ limit: 100, prefix: "a/", after: "b" }), []);
    await s.remove("b/2");
    await s.remove("missing");
    assert.deepEqual(await keys({ limit: 100 }), ["a/1", "a/2", "b/1", "b/3", "c"]);
    assert.equal(s.count(), 5);
    const [info] = await s.list({ limit: 1, prefix: "c" });
    assert.deepEqual(info, { key: "c", position: sha256Hex("c"), version: { wallMs: 1, logical: 0, writer: W }, tombstone: false, sizeBytes: 1 });
  });

  test("raiseVersion moves only from the expected version to a newer one, keeping the value", async () => {
    const s = new MemoryRecordStore();
    const v = (logical: number) => ({ wallMs: 0, logical, writer: W });
    await s.merge({ key: "c", value: new Uint8Array([7]), version: v(0), tombstone: false });
    assert.deepEqual(await s.raiseVersion("c", v(0), v(1)), v(1));
    assert.deepEqual(await s.raiseVersion("c", v(0), v(2)), v(1), "held is not `from`");
    assert.deepEqual(await s.raiseVersion("c", v(1), v(0)), v(1), "never lowers");
    assert.equal(await s.raiseVersion("x", v(0), v(1)), undefined);
    assert.deepEqual(await s.get("c"), { key: "c", value: new Uint8Array([7]), version: v(1), tombstone: false });
  });
});
