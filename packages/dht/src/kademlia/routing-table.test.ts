import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Contact } from "../types.js";
import { bucketIndex, compareDistance, sha256Hex, sortByDistance } from "./node-id.js";
import { RoutingTable } from "./routing-table.js";

const self = sha256Hex("self");
const c = (i: number, address = `a${i}`): Contact => ({ id: sha256Hex(`c${i}`), address, httpAddress: "" });

describe("RoutingTable", () => {
  test("never stores self; rejects malformed IDs", () => {
    const t = new RoutingTable(self);
    assert.equal(t.touch({ id: self, address: "x", httpAddress: "" }), "self");
    assert.equal(t.size, 0);
    assert.throws(() => t.touch({ id: "nope", address: "x", httpAddress: "" }), /contact.id/);
  });

  test("closest() matches brute force on random IDs", () => {
    const t = new RoutingTable(self, { k: 4 });
    for (let i = 0; i < 2000; i++) t.touch(c(i));
    const all = t.all();
    assert.equal(all.length, t.size);
    assert.ok(t.size < 2000, "small buckets must have dropped contacts");
    for (let q = 0; q < 100; q++) {
      const target = q === 0 ? self : sha256Hex(`target${q}`);
      for (const n of [1, 5, 20, 1000]) {
        assert.deepEqual(t.closest(target, n), sortByDistance(target, all).slice(0, n), `target ${q} n ${n}`);
      }
    }
    const exclude = new Set(t.closest(sha256Hex("t"), 3).map((x) => x.id));
    const got = t.closest(sha256Hex("t"), 5, exclude);
    assert.deepEqual(got, sortByDistance(sha256Hex("t"), all.filter((x) => !exclude.has(x.id))).slice(0, 5));
  });

  test("closerThanSelf() counts what a brute-force ranking counts, near and far targets", () => {
    for (const k of [4, 20]) {
      const t = new RoutingTable(self, { k });
      for (let i = 0; i < 500; i++) t.touch(c(i));
      const all = t.all();
      // Near targets (sharing a long prefix with self) exercise the deeper buckets.
      const targets = [...Array.from({ length: 300 }, (_, i) => sha256Hex(`t${i}`)), ...Array.from({ length: 64 }, (_, i) => self.slice(0, i) + sha256Hex(`n${i}`).slice(i)), self, all[0]!.id];
      for (const target of targets) {
        const brute = all.filter((x) => compareDistance(target, x.id, self) < 0).length;
        assert.equal(t.closerThanSelf(target), brute, `target ${target}`);
      }
    }
  });

  test("buckets are indexed by shared prefix length and bounded by k", () => {
    const t = new RoutingTable(self, { k: 3 });
    for (let i = 0; i < 200; i++) t.touch(c(i));
    for (const b of t.buckets()) {
      assert.ok(b.contacts.length <= 3);
      for (const e of b.contacts) assert.equal(bucketIndex(self, e.contact.id), b.index);
    }
  });

  test("newer address replaces older", () => {
    const t = new RoutingTable(self);
    t.touch(c(1));
    t.touch(c(1, "new:1"));
    assert.equal(t.size, 1);
    assert.equal(t.get(c(1).id)?.contact.address, "new:1");
  });

  test("markFailure: suspect, then evicted after maxFailures with a replacement promoted", () => {
    const t = new RoutingTable(self, { k: 1, maxFailures: 3 });
    // Find two contacts in the same bucket.
    const first = c(0);
    let i = 1;
    while (bucketIndex(self, c(i).id) !== bucketIndex(self, first.id)) i++;
    const second = c(i);
    t.touch(first);
    assert.deepEqual(t.touch(second), { full: first });
    t.addReplacement(second);
    assert.equal(t.markFailure(first.id), "suspect");
    assert.ok(t.isSuspect(first.id));
    assert.equal(t.markFailure(first.id), "suspect");
    assert.deepEqual(t.markFailure(first.id), { evicted: first, promoted: second });
    assert.equal(t.get(first.id), undefined);
    assert.equal(t.get(second.id)?.contact.id, second.id);
    assert.equal(t.size, 1);
    assert.equal(t.markFailure(first.id), "unknown");
    t.markFailure(second.id);
    t.markSuccess(second);
    assert.ok(!t.isSuspect(second.id), "success clears suspicion");
  });

  test("snapshot/restore round-trips and skips bad entries", () => {
    const t = new RoutingTable(self);
    for (let i = 0; i < 50; i++) t.touch(c(i));
    const saved = JSON.parse(JSON.stringify(t.snapshot())) as Contact[];
    const u = new RoutingTable(self);
    const bad = [{ id: "zz", address: "x", httpAddress: "" }, { id: self, address: "x", httpAddress: "" }, null] as unknown as Contact[];
    assert.equal(u.restore([...saved, ...bad]), t.size);
    assert.deepEqual(new Set(u.all().map((x) => x.id)), new Set(t.all().map((x) => x.id)));
  });
});
