/**
 * Stored bytes that do not decode: every read path of LmdbRecordStore moves them to the
 * quarantine once and answers as if the key were not held; nothing throws.
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import type { DhtRecord } from "@p2p/dht";
import { DATABASE_FILE_NAME, openPeerDatabase } from "./peer-database.js";
import type { PeerDatabase } from "./peer-database.js";
import type { QuarantinedRecord } from "./record-quarantine.js";

const W = "a".repeat(64);

function rec(key: string, value: string, wallMs = 1): DhtRecord {
  return { key, value: new TextEncoder().encode(value), version: { wallMs, logical: 0, writer: W }, tombstone: false };
}

/** Writes raw bytes under record keys, as a damaged disk or an old bug would have. */
async function writeRaw(dir: string, entries: [string, Uint8Array][]): Promise<void> {
  const root = open({ path: join(dir, DATABASE_FILE_NAME), maxDbs: 4 });
  try {
    const records = root.openDB<Uint8Array, Uint8Array>({ name: "records", keyEncoding: "binary", encoding: "binary" });
    for (const [k, v] of entries) await records.put(Buffer.from(k, "utf8"), v);
  } finally {
    await root.close();
  }
}

/** Bytes with the current format byte but a NaN clock, and bytes in no format at all. */
const NAN_VERSION = (() => {
  const b = Buffer.alloc(19);
  b[0] = 1;
  b.writeDoubleLE(Number.NaN, 2);
  return b;
})();
const GARBAGE = Uint8Array.of(0xde, 0xad, 0x03);

for (const durability of ["process-crash", "power-loss"] as const)
describe(`undecodable records (durability ${durability})`, () => {
  let dir: string;
  let db: PeerDatabase;
  let told: QuarantinedRecord[];

  /** A database holding good records a, c, e and the undecodable b (garbage) and d (NaN clock). */
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "p2p-undecodable-"));
    const first = openPeerDatabase(dir, { durability });
    for (const k of ["a", "c", "e"]) await first.records.merge(rec(k, `value-${k}`));
    await first.close();
    await writeRaw(dir, [["b", GARBAGE], ["d", NAN_VERSION]]);
    told = [];
    db = openPeerDatabase(dir, { durability, onQuarantined: (q) => told.push(q) });
  });
  afterEach(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("get answers undefined, moves the record to the quarantine and tells once", async () => {
    assert.equal(await db.records.get("b"), undefined);
    assert.equal(await db.records.get("b"), undefined);
    assert.equal(told.length, 1);
    assert.equal(told[0]!.key, "b");
    assert.match(told[0]!.reason, /unknown format 222/);
    assert.equal(told[0]!.bytes, 3);
    const kept = db.quarantine.list();
    assert.deepEqual(kept.map((q) => q.key), ["b"]);
    assert.deepEqual(db.quarantine.bytesAt(0), GARBAGE);
    assert.equal(db.records.count(), 4, "gone from the records database");
  });

  test("a format byte with an impossible clock is undecodable too", async () => {
    assert.equal(await db.records.get("d"), undefined);
    assert.match(told[0]!.reason, /impossible version NaN/);
  });

  test("list skips undecodable records, still fills its page, and quarantines them", async () => {
    const page = await db.records.list({ limit: 3 });
    assert.deepEqual(page.map((r) => r.key), ["a", "c", "e"], "a short page would end the index load early");
    assert.deepEqual(told.map((q) => q.key).sort(), ["b", "d"]);
    assert.equal(db.records.count(), 3);
    // Paging from a key across the gap.
    assert.deepEqual((await db.records.list({ after: "a", limit: 1 })).map((r) => r.key), ["c"]);
    assert.equal(told.length, 2, "told once per record");
  });

  test("merge replaces an undecodable record with whatever arrives", async () => {
    const r = await db.records.merge(rec("b", "good copy", 0));
    assert.equal(r.applied, true);
    assert.equal(new TextDecoder().decode((await db.records.get("b"))!.value), "good copy");
    assert.deepEqual(told.map((q) => q.key), ["b"]);
  });

  test("raiseVersion of an undecodable record answers undefined (not held)", async () => {
    const from = { wallMs: 1, logical: 0, writer: W };
    assert.equal(await db.records.raiseVersion("b", from, { ...from, logical: 1 }), undefined);
    assert.deepEqual(told.map((q) => q.key), ["b"]);
    assert.equal(await db.records.get("b"), undefined);
  });

  test("concurrent reads of one undecodable record quarantine it once", async () => {
    await Promise.all([db.records.get("b"), db.records.get("b"), db.records.list({ limit: 10 }), db.records.get("b")]);
    assert.deepEqual(told.map((q) => q.key).sort(), ["b", "d"]);
    assert.deepEqual(db.quarantine.list().map((q) => q.key).sort(), ["b", "d"]);
  });

  test("good records are untouched", async () => {
    for (const k of ["a", "c", "e"]) assert.equal(new TextDecoder().decode((await db.records.get(k))!.value), `value-${k}`);
    assert.equal(told.length, 0);
  });
});
