import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import type { DhtRecord } from "../types.js";
import { createTestnet } from "../testing/testnet.js";
import { RECORD_OVERHEAD_BYTES, RecordQuota, formatBytes, recordCost } from "./record-quota.js";
import { plainRecords } from "./plain-records.js";

const W = "a".repeat(64);
const rec = (key: string, bytes: number, wallMs: number, tombstone = false): DhtRecord => ({ key, value: new Uint8Array(tombstone ? 0 : bytes), version: { wallMs, logical: 0, writer: W }, tombstone });

function setup(quotaBytes: number) {
  const store = new MemoryRecordStore();
  const quota = new RecordQuota(store, (k) => k.startsWith("chunk:"), { recordQuotaBytes: quotaBytes });
  return { store, quota, plain: plainRecords(store, () => 1 << 20, quota) };
}

describe("RecordQuota", () => {
  test("concurrent writes of different keys cannot together pass the quota (space is reserved before the write)", async () => {
    const store = new MemoryRecordStore();
    const quota = new RecordQuota(store, () => false, { recordQuotaBytes: 10 * recordCost(rec("k00", 1000, 1)) });
    // A store as slow as LMDB under load: every write waits, so all 32 are in flight at once.
    const slowMerge = async (r: DhtRecord) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return store.merge(r);
    };
    const results = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => quota.keep(rec(`k${String(i).padStart(2, "0")}`, 1000, 1), slowMerge)));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 10);
    assert.ok(quota.usedBytes <= quota.options.recordQuotaBytes, `used ${quota.usedBytes} of ${quota.options.recordQuotaBytes}`);
  });

  test("counts key + value + overhead; refuses growth past the quota naming it; nothing changes", async () => {
    const { store, quota, plain } = setup(3 * (1024 + 1 + RECORD_OVERHEAD_BYTES));
    for (const k of ["a", "b", "c"]) await plain.keep(rec(k, 1024, 1));
    assert.equal(quota.usedBytes, 3 * recordCost(rec("a", 1024, 1)));
    await assert.rejects(plain.keep(rec("d", 1024, 1)), (e: DhtError) => e.code === "resource_exhausted" && e.reason === "disk_full" && /^disk quota: 4\.5 KiB of 4\.5 KiB used; record of 1\.5 KiB refused$/.test(e.message));
    assert.equal(quota.refused, 1);
    assert.equal(await store.get("d"), undefined);
  });

  test("when full: a delete passes, an overwrite counts only the difference, a stale write is answered as LWW answers it", async () => {
    const { quota, plain } = setup(2 * (1000 + 1 + RECORD_OVERHEAD_BYTES));
    await plain.keep(rec("a", 1000, 1));
    await plain.keep(rec("b", 1000, 1));
    assert.equal((await plain.keep(rec("a", 900, 2))).applied, true, "a smaller value fits");
    assert.equal((await plain.keep(rec("a", 1000, 3))).applied, true, "growing back by 100 bytes fits the 100 freed");
    await assert.rejects(plain.keep(rec("a", 1001, 4)), (e: DhtError) => e.reason === "disk_full");
    const stale = await plain.keep(rec("a", 5000, 2));
    assert.equal(stale.applied, false);
    assert.equal(stale.current.wallMs, 3);
    assert.equal((await plain.keep(rec("b", 0, 5, true))).applied, true, "a delete is never refused");
    assert.equal((await plain.keep(rec("c", 400, 1))).applied, true, "the delete freed the space");
    assert.ok(quota.usedBytes + recordCost(rec("new-tombstone", 0, 5, true)) > quota.options.recordQuotaBytes);
    assert.equal((await plain.keep(rec("new-tombstone", 0, 5, true))).applied, true, "nor a tombstone of a key not held, even past the quota");
  });

  test("removals outside keep (tombstone collection, hand-off) free their bytes; the first count includes what was held", async () => {
    const { store, quota, plain } = setup(10_000);
    await store.merge(rec("old", 100, 1)); // held before the quota was counted
    await store.merge(rec("chunk:x", 5000, 1)); // chunks have their own quota
    await plain.keep(rec("a", 100, 1));
    assert.equal(quota.usedBytes, recordCost(rec("old", 100, 1)) + recordCost(rec("a", 100, 1)));
    plain.removed?.(rec("a", 100, 1));
    await quota.init();
    assert.equal(quota.usedBytes, recordCost(rec("old", 100, 1)));
  });

  test("concurrent writes of one key are counted once each, in order", async () => {
    const { quota, plain } = setup(1 << 20);
    await Promise.all([1, 2, 3, 4, 5].map((v) => plain.keep(rec("k", v * 100, v))));
    assert.equal(quota.usedBytes, recordCost(rec("k", 500, 5)));
  });

  test("formatBytes", () => {
    assert.deepEqual([0, 1023, 1024, 1536, 300 * 2 ** 20, 2 ** 30].map(formatBytes), ["0 B", "1023 B", "1.0 KiB", "1.5 KiB", "300 MiB", "1.0 GiB"]);
  });
});

describe("record quota on a testnet", () => {
  test("replicas over quota refuse a write: the writer gets RESOURCE_EXHAUSTED naming the quota, not an ack", async (t) => {
    const net = await createTestnet(3, { node: { replication: { replicationFactor: 3, writeQuorum: 2, readQuorum: 2 }, records: { recordQuotaBytes: 4096 } } });
    t.after(() => net.stop());
    const c = net.nodes[0]!.coordinator;
    await c.put("k1", new Uint8Array(2000));
    const err = await c.put("k2", new Uint8Array(3000)).catch((e: unknown) => e);
    assert.ok(err instanceof DhtError && err.code === "resource_exhausted" && err.reason === "disk_full" && /disk quota/.test(err.message), String(err));
    await c.put("k1", new Uint8Array(10)); // overwrite shrinks
    await c.delete("k1");
    assert.equal((await c.put("k2", new Uint8Array(3000))).acknowledgedBy.length >= 2, true, "space freed by the delete is usable");
  });
});
