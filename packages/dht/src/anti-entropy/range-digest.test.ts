import { test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { resolveAntiEntropyOptions } from "./anti-entropy-options.js";
import { LEAF_COUNT, RangeDigest, leafOf, recordHash, validLeaves } from "./range-digest.js";
import { sha256Hex } from "../replication/position.js";

const W = "a".repeat(64);
const v = (wallMs: number) => ({ wallMs, logical: 0, writer: W });

function digestOf(entries: [string, number][]): RangeDigest {
  const d = new RangeDigest();
  for (const [key, ms] of entries) d.add(key, leafOf(sha256Hex(key)), recordHash(key, v(ms), false));
  return d;
}

test("equal sets give equal digests whatever the order; one changed version changes one leaf", () => {
  const a = digestOf([["x", 1], ["y", 2], ["z", 3]]);
  const b = digestOf([["z", 3], ["x", 1], ["y", 2]]);
  assert.ok(a.matches(b.root(), b.count));
  const c = digestOf([["x", 1], ["y", 9], ["z", 3]]);
  assert.ok(!a.matches(c.root(), c.count));
  assert.deepEqual(a.differingLeaves(c.leaves), [leafOf(sha256Hex("y"))]);
  assert.deepEqual(a.keysOf([leafOf(sha256Hex("y"))]), a.keysOf([leafOf(sha256Hex("y"))]).sort());
  assert.ok(a.keysOf([leafOf(sha256Hex("y"))]).includes("y"));
});

test("a tombstone hashes differently from a value of the same version", () => {
  assert.notDeepEqual(recordHash("k", v(1), true), recordHash("k", v(1), false));
});

test("the record count is part of the match (an empty digest never matches a non-empty one)", () => {
  const empty = new RangeDigest();
  assert.ok(empty.matches(Buffer.alloc(32), 0));
  assert.ok(!empty.matches(Buffer.alloc(32), 1));
});

test("validLeaves rejects wrong counts and sizes", () => {
  const good = Array.from({ length: LEAF_COUNT }, () => new Uint8Array(32));
  assert.ok(validLeaves(good));
  assert.ok(!validLeaves(good.slice(1)));
  assert.ok(!validLeaves([...good.slice(1), new Uint8Array(31)]));
});

test("anti-entropy options: defaults, the grace follows a raised interval, bad values name the field", () => {
  const d = resolveAntiEntropyOptions({});
  assert.equal(d.repairIntervalMs, 30_000);
  assert.equal(d.tombstoneGraceMs, 10 * 86_400_000, "ten days, as Cassandra's gc_grace_seconds");
  const slow = resolveAntiEntropyOptions({ repairIntervalMs: 86_400_000 });
  assert.equal(slow.tombstoneGraceMs, 10 * 86_400_000);
  const slower = resolveAntiEntropyOptions({ repairIntervalMs: 86_400_000, tombstoneGraceMs: 2 * 86_400_000 });
  assert.equal(slower.tombstoneGraceMs, 2 * 86_400_000);
  assert.throws(
    () => resolveAntiEntropyOptions({ repairIntervalMs: 1000, tombstoneGraceMs: 1500 }),
    (e: unknown) => e instanceof DhtError && e.code === "invalid_argument" && e.message.startsWith("tombstoneGraceMs:"),
  );
  assert.throws(() => resolveAntiEntropyOptions({ maxConcurrentTransfers: 0 }), /maxConcurrentTransfers/);
});
