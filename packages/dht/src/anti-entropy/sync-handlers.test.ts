// The incoming side of anti-entropy rejects malformed requests with INVALID_ARGUMENT naming
// the field, and bounds what it answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { MemoryRecordStore } from "../store/memory-store.js";
import type { Contact } from "../types.js";
import { IndexedRecordStore } from "../store/indexed-store.js";
import { HybridLogicalClock } from "../records/hlc.js";
import { LocalRecords } from "../records/local-records.js";
import { plainRecords } from "../records/plain-records.js";
import { RecordTypeRegistry } from "../records/record-registry.js";
import { RangeDigest, leafOf } from "./range-digest.js";
import { sha256Hex } from "../replication/position.js";
import type { ReplicaView } from "./replica-view.js";
import { MAX_FETCH_KEYS, SyncHandlers } from "./sync-handlers.js";

const from: Contact = { id: "b".repeat(64), address: "mem:b", httpAddress: "" };
const W = "a".repeat(64);

async function setup(maxFetchBytes = 1 << 20) {
  const store = new IndexedRecordStore(new MemoryRecordStore());
  const digest = new RangeDigest();
  for (let i = 0; i < 20; i++) {
    const key = `k${i}`;
    await store.merge({ key, value: new Uint8Array(100), version: { wallMs: i + 1, logical: 0, writer: W }, tombstone: false });
    const e = store.entry(key)!;
    digest.add(key, e.leaf, e.hash);
  }
  const view: ReplicaView = { stamp: "s", digests: new Map([[from.id, digest]]), neighbours: new Map([[from.id, from]]), handoff: [], primary: 0, replica: 20, short: 0 };
  const records = new LocalRecords(store, new RecordTypeRegistry([plainRecords(store, () => 1 << 20)]), new HybridLogicalClock({ self: W }));
  return { store, digest, handlers: new SyncHandlers({ records, source: { view: () => view, options: { maxFetchBytes } } }) };
}

const invalid = (field: string) => (e: unknown) => e instanceof DhtError && e.code === "invalid_argument" && e.message.startsWith(field);

test("SyncDigest: a matching root answers no leaves; a different one answers all leaves; a bad root is refused", async () => {
  const { digest, handlers } = await setup();
  assert.deepEqual(handlers.handleSyncDigest(from, { root: digest.root(), count: digest.count }), { match: true, leaves: [], count: 20 });
  const other = handlers.handleSyncDigest(from, { root: new Uint8Array(32), count: 20 });
  assert.equal(other.match, false);
  assert.equal(other.leaves.length, 64);
  assert.throws(() => handlers.handleSyncDigest(from, { root: new Uint8Array(5), count: 1 }), invalid("root"));
});

test("SyncKeys: entries of the asked leaves in key order, paged; bad leaves and limits are refused", async () => {
  const { handlers } = await setup();
  const all = handlers.handleSyncKeys(from, { leaves: Array.from({ length: 64 }, (_, i) => i), after: "", limit: 0 });
  assert.equal(all.entries.length, 20);
  assert.deepEqual(all.entries.map((e) => e.key), all.entries.map((e) => e.key).sort());
  const page = handlers.handleSyncKeys(from, { leaves: Array.from({ length: 64 }, (_, i) => i), after: "", limit: 5 });
  assert.equal(page.entries.length, 5);
  assert.equal(page.truncated, true);
  const leaf = leafOf(sha256Hex("k3"));
  assert.ok(handlers.handleSyncKeys(from, { leaves: [leaf], after: "", limit: 10 }).entries.every((e) => leafOf(sha256Hex(e.key)) === leaf));
  assert.throws(() => handlers.handleSyncKeys(from, { leaves: [64], after: "", limit: 1 }), invalid("leaves[0]"));
  assert.throws(() => handlers.handleSyncKeys(from, { leaves: [0], after: "", limit: -1 }), invalid("limit"));
});

test("FetchRecords: bounded by key count and answer bytes, keys validated", async () => {
  const { handlers } = await setup(250);
  const got = await handlers.handleFetchRecords(from, ["k1", "k2", "k3", "missing"]);
  assert.deepEqual(got.map((r) => r.key), ["k1", "k2"], "stops at the byte budget");
  await assert.rejects(handlers.handleFetchRecords(from, Array.from({ length: MAX_FETCH_KEYS + 1 }, (_, i) => `k${i}`)), invalid("keys"));
  await assert.rejects(handlers.handleFetchRecords(from, [""]), invalid("keys[0]"));
});
