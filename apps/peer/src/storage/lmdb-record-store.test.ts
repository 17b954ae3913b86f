import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DhtRecord } from "@p2p/dht";
import { openPeerDatabase } from "./peer-database.js";
import type { PeerDatabase } from "./peer-database.js";
import { recordPosition } from "./lmdb-record-store.js";

const W1 = "a".repeat(64);
const W2 = "b".repeat(64);

function rec(key: string, value: string, wallMs: number, logical = 0, writer = W1, tombstone = false): DhtRecord {
  return { key, value: new TextEncoder().encode(value), version: { wallMs, logical, writer }, tombstone };
}
const text = (r: DhtRecord | undefined) => (r === undefined ? undefined : new TextDecoder().decode(r.value));

// process-crash commits synchronously on the calling thread, power-loss through lmdb-js's write thread.
for (const durability of ["process-crash", "power-loss"] as const)
describe(`LmdbRecordStore (durability ${durability})`, () => {
  let dir: string;
  let db: PeerDatabase;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "p2p-store-"));
    db = openPeerDatabase(dir, { durability });
  });
  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("raiseVersion changes only the version, and only from the expected one to a newer one", async () => {
    const s = db.records;
    const big = "x".repeat(1 << 20) + "end";
    await s.merge(rec("rv", big, 0, 0));
    const v = (wallMs: number, logical: number) => ({ wallMs, logical, writer: W1 });
    assert.deepEqual(await s.raiseVersion("rv", v(0, 0), v(0, 1)), v(0, 1));
    assert.deepEqual((await s.get("rv"))!.version, v(0, 1));
    assert.equal(text(await s.get("rv")), big, "value kept byte for byte");
    assert.deepEqual(await s.raiseVersion("rv", v(0, 0), v(0, 2)), v(0, 1), "held version is not `from`: unchanged");
    assert.deepEqual(await s.raiseVersion("rv", v(0, 1), v(0, 0)), v(0, 1), "never lowers");
    assert.equal(await s.raiseVersion("nope", v(0, 0), v(0, 1)), undefined);
    assert.equal((await s.list({ prefix: "rv", limit: 10 }))[0]!.sizeBytes, big.length);
  });

  test("merge keeps the newest version (last writer wins)", async () => {
    const s = db.records;
    assert.deepEqual(await s.merge(rec("k", "v1", 100)), { applied: true, current: rec("k", "", 100).version });
    // Older wall clock loses; the result reports the version held.
    const older = await s.merge(rec("k", "old", 99, 5));
    assert.equal(older.applied, false);
    assert.equal(older.current.wallMs, 100);
    assert.equal(text(await s.get("k")), "v1");
    // Same wall clock, higher logical wins; same clock and logical, larger writer wins.
    assert.equal((await s.merge(rec("k", "v2", 100, 1))).applied, true);
    assert.equal((await s.merge(rec("k", "v3", 100, 1, W2))).applied, true);
    assert.equal((await s.merge(rec("k", "v-lose", 100, 1, W1))).applied, false);
    // An identical version is not re-applied.
    assert.equal((await s.merge(rec("k", "v3", 100, 1, W2))).applied, false);
    const got = await s.get("k");
    assert.equal(text(got), "v3");
    assert.deepEqual(got?.version, { wallMs: 100, logical: 1, writer: W2 });
    assert.equal(got?.tombstone, false);
  });

  test("tombstones are stored, newer writes replace them, remove deletes outright", async () => {
    const s = db.records;
    await s.merge(rec("t", "x", 10));
    assert.equal((await s.merge(rec("t", "", 11, 0, W1, true))).applied, true);
    const tomb = await s.get("t");
    assert.equal(tomb?.tombstone, true);
    assert.equal(tomb?.value.length, 0);
    assert.equal((await s.merge(rec("t", "back", 12))).applied, true);
    assert.equal(text(await s.get("t")), "back");
    await s.remove("t");
    assert.equal(await s.get("t"), undefined);
  });

  test("concurrent merges of one key end with the newest, whatever the order", async () => {
    const s = db.records;
    const versions = [5, 3, 9, 1, 7, 8, 2, 6, 4];
    const results = await Promise.all(versions.map((v) => s.merge(rec("race", `v${v}`, v))));
    assert.equal(text(await s.get("race")), "v9");
    // Every merge after v9 (in queue order) reports v9 as current.
    for (const r of results.slice(versions.indexOf(9) + 1)) assert.equal(r.current.wallMs, 9);
  });

  test("binary values round trip exactly, including empty and large ones", async () => {
    const s = db.records;
    const big = new Uint8Array(256 * 1024).map((_, i) => (i * 31) % 256);
    await s.merge({ key: "bin", value: big, version: { wallMs: 1, logical: 0, writer: W1 }, tombstone: false });
    await s.merge({ key: "empty", value: new Uint8Array(), version: { wallMs: 1, logical: 0, writer: W1 }, tombstone: false });
    const a = await s.get("bin");
    const b = await s.get("empty");
    assert.deepEqual(Buffer.from(a!.value), Buffer.from(big));
    assert.equal(b!.value.length, 0);
    await s.remove("bin");
    await s.remove("empty");
  });

  test("list pages in key order, honours prefix, and count follows", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "p2p-list-"));
    const d = openPeerDatabase(fresh);
    try {
      const s = d.records;
      const keys = ["b/2", "a/1", "b/1", "c", "b/10", "a/2", "é", "b/3", "b"];
      for (const k of keys) await s.merge(rec(k, `value-of-${k}`, 1));
      assert.equal(s.count(), keys.length);

      const sorted = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await s.list({ after, limit: 4 });
        if (page.length === 0) break;
        assert.ok(page.length <= 4);
        seen.push(...page.map((p) => p.key));
        after = page.at(-1)!.key;
      }
      assert.deepEqual(seen, sorted);

      const b = await s.list({ prefix: "b/", limit: 10 });
      assert.deepEqual(b.map((p) => p.key), ["b/1", "b/10", "b/2", "b/3"]);
      const bAfter = await s.list({ prefix: "b/", after: "b/10", limit: 2 });
      assert.deepEqual(bAfter.map((p) => p.key), ["b/2", "b/3"]);
      // `after` before the prefix range starts at the prefix; after it, nothing.
      assert.deepEqual((await s.list({ prefix: "b/", after: "a", limit: 1 })).map((p) => p.key), ["b/1"]);
      assert.deepEqual(await s.list({ prefix: "b/", after: "c", limit: 5 }), []);

      const info = (await s.list({ prefix: "c", limit: 1 }))[0]!;
      assert.equal(info.sizeBytes, "value-of-c".length);
      assert.equal(info.position, recordPosition("c"));
      assert.match(info.position, /^[0-9a-f]{64}$/);
      assert.deepEqual(info.version, { wallMs: 1, logical: 0, writer: W1 });

      await s.merge(rec("c", "", 2, 0, W1, true));
      assert.equal(s.count(), keys.length, "tombstones count as records");
      await s.remove("c");
      assert.equal(s.count(), keys.length - 1);
    } finally {
      await d.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("rejects empty and oversized keys with a clear error", async () => {
    await assert.rejects(db.records.merge(rec("", "x", 1)), /record key: must not be empty/);
    await assert.rejects(db.records.get("k".repeat(3000)), /record key: at most 1978 bytes/);
  });
});

test("with synchronous commits, the merges asked for in one turn share one commit, each decided in order", async () => {
  const { open } = await import("lmdb");
  const { LmdbRecordStore } = await import("./lmdb-record-store.js");
  const dir = mkdtempSync(join(tmpdir(), "p2p-store-batch-"));
  const env = open({ path: dir });
  try {
    const records = env.openDB<Uint8Array, Uint8Array>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    let commits = 0;
    const counted = new Proxy(records, {
      get(target, prop, receiver) {
        if (prop === "transactionSync") return (fn: () => unknown) => (commits++, target.transactionSync(fn));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const store = new LmdbRecordStore(counted, {} as never, { syncCommits: true });
    const results = await Promise.all([
      ...Array.from({ length: 200 }, (_, i) => store.merge(rec(`k${i}`, `v${i}`, 100))),
      store.merge(rec("k0", "newer", 101)),
      store.merge(rec("k0", "older", 99)),
    ]);
    assert.equal(commits, 1, "one commit for the whole turn");
    assert.ok(results.slice(0, 201).every((r) => r.applied));
    assert.equal(results[201]!.applied, false, "decided after the newer write of the same turn");
    assert.equal(text(await store.get("k0")), "newer");
    assert.equal(text(await store.get("k199")), "v199");
    await store.merge(rec("k1", "later", 200));
    assert.equal(commits, 2, "a later turn commits again");
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
