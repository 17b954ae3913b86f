import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import type { RootDatabase } from "lmdb";
import { RecordQuarantine } from "./record-quarantine.js";
import type { QuarantineDatabase, QuarantineLimits } from "./record-quarantine.js";

describe("RecordQuarantine", () => {
  let dir: string;
  let root: RootDatabase;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "p2p-quarantine-"));
    root = open({ path: join(dir, "q.mdb"), maxDbs: 20 });
  });
  after(async () => {
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh quarantine sub-database of `root`. */
  function quarantine(limits?: QuarantineLimits): RecordQuarantine {
    const db = root.openDB({ name: `q${n++}`, keyEncoding: "binary" }) as unknown as QuarantineDatabase;
    return new RecordQuarantine(db, limits);
  }

  function add(q: RecordQuarantine, key: string, bytes: number, atMs = 1): void {
    root.transactionSync(() => q.addInTransaction(Buffer.from(key), new Uint8Array(bytes).fill(7), `reason of ${key}`, atMs));
  }

  test("keeps key, reason, time and bytes, oldest first", () => {
    const q = quarantine();
    add(q, "k1", 3, 100);
    add(q, "é", 5, 200);
    assert.deepEqual(q.list(), [
      { key: "k1", reason: "reason of k1", atMs: 100, bytes: 3 },
      { key: "é", reason: "reason of é", atMs: 200, bytes: 5 },
    ]);
    assert.deepEqual(q.bytesAt(1), new Uint8Array(5).fill(7));
    assert.equal(q.bytesAt(2), undefined);
  });

  test("over maxEntries the oldest entries go", () => {
    const q = quarantine({ maxEntries: 2, maxBytes: 1000 });
    for (const k of ["a", "b", "c", "d"]) add(q, k, 1);
    assert.deepEqual(q.list().map((e) => e.key), ["c", "d"]);
  });

  test("over maxBytes the oldest go, and a value longer than the bound alone is kept cut", () => {
    const q = quarantine({ maxEntries: 100, maxBytes: 10 });
    add(q, "a", 4);
    add(q, "b", 4);
    add(q, "c", 4);
    assert.deepEqual(q.list().map((e) => e.key), ["b", "c"]);
    add(q, "big", 50);
    assert.deepEqual(q.list(), [{ key: "big", reason: "reason of big", atMs: 1, bytes: 50 }]);
    assert.equal(q.bytesAt(0)!.length, 10);
  });

  test("limits of 0 keep nothing but still report what was moved", () => {
    const q = quarantine({ maxEntries: 0, maxBytes: 10 });
    const told = root.transactionSync(() => q.addInTransaction(Buffer.from("x"), Uint8Array.of(1, 2), "r", 5));
    assert.deepEqual(told, { key: "x", reason: "r", atMs: 5, bytes: 2 });
    assert.deepEqual(q.list(), []);
  });

  test("rejects limits that are not non-negative integers", () => {
    assert.throws(() => quarantine({ maxEntries: -1, maxBytes: 1 }), /quarantine maxEntries: must be a non-negative integer/);
    assert.throws(() => quarantine({ maxEntries: 1, maxBytes: 0.5 }), /quarantine maxBytes/);
  });
});
