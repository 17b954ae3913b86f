import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Contact, LookupResult, NodeId } from "../types.js";
import { NeighbourhoodCache } from "./neighbourhood-cache.js";
import { sha256Hex, sortByDistance } from "./node-id.js";

const contact = (i: number): Contact => ({ id: sha256Hex(`peer-${i}`), address: `mem:${i}`, httpAddress: "" });
const peers = Array.from({ length: 50 }, (_, i) => contact(i));
const self = peers[0]!;
const others = peers.slice(1);
const K = 20;

/** What a correct lookup of `target` wanting K returns: the K closest others, all answered. */
function lookupOf(target: NodeId, among = others): LookupResult {
  return { target, closest: sortByDistance(target, among).slice(0, K), unanswered: [], records: new Map(), steps: [], totalMs: 0, hops: 1 };
}

function cache(o: { maxEntries?: number; ttlMs?: number; now?: () => number; ownRadius?: bigint } = {}) {
  const warmed: NodeId[] = [];
  const c = new NeighbourhoodCache({
    maxEntries: o.maxEntries ?? 64,
    ttlMs: o.ttlMs ?? 60_000,
    warmWidth: K,
    now: o.now ?? (() => 0),
    warm: async (t) => void warmed.push(t),
    ownRadius: () => o.ownRadius,
  });
  return { c, warmed };
}

/** A target sharing the first `hexChars` hex digits with `t`. */
const near = (t: NodeId, hexChars: number, i = 1) => t.slice(0, hexChars) + sha256Hex(`near-${i}`).slice(hexChars);

describe("NeighbourhoodCache", () => {
  const target = sha256Hex("region");

  test("a wide lookup certifies the true closest for nearby targets, and only those", () => {
    const { c } = cache();
    c.record(self, target, K, lookupOf(target));
    let answered = 0;
    for (let i = 0; i < 40; i++) {
      const t = near(target, 2, i);
      const got = c.near(t, 6, 3, []);
      if (!got) continue;
      answered++;
      // Whatever it answers, its first 3 are the true 3 closest of the whole network.
      assert.deepEqual(got.slice(0, 3).map((x) => x.id), sortByDistance(t, peers).slice(0, 3).map((x) => x.id));
    }
    assert.ok(answered > 20, `answered ${answered} of 40 nearby targets`);
  });

  test("a narrow lookup, a short one and one with a silent contact certify nothing", () => {
    const { c } = cache();
    c.record(self, target, 3, { ...lookupOf(target), closest: sortByDistance(target, others).slice(0, 3) });
    c.record(self, target, K, { ...lookupOf(target), closest: sortByDistance(target, others).slice(0, 5) });
    c.record(self, target, K, { ...lookupOf(target), unanswered: [others[0]!] });
    assert.equal(c.size, 0);
  });

  test("a stranger within an entry's radius drops it; a member heard again does not", () => {
    const { c } = cache();
    const without = others.filter((p) => p.id !== sortByDistance(target, others)[0]!.id);
    c.record(self, target, K, lookupOf(target, without));
    c.stranger(sortByDistance(target, without)[0]!.id); // a member
    assert.equal(c.size, 1);
    c.stranger(sortByDistance(target, others)[0]!.id); // the true closest, missing from the entry: it joined
    assert.equal(c.size, 0);
    assert.equal(c.near(target, 6, 3, []), undefined);
  });

  test("a failed member drops the entries that count on it; forget drops the region", () => {
    const { c } = cache();
    c.record(self, target, K, lookupOf(target));
    c.failed(sortByDistance(target, others)[5]!.id);
    assert.equal(c.size, 0);
    c.record(self, target, K, lookupOf(target));
    c.forget(target);
    assert.equal(c.size, 0);
  });

  test("entries expire, the cache is bounded, and a miss warms the region", () => {
    let now = 0;
    const { c, warmed } = cache({ maxEntries: 2, ttlMs: 1000, now: () => now });
    for (let i = 0; i < 5; i++) {
      const t = sha256Hex(`far-${i}`);
      c.record(self, t, K, lookupOf(t));
    }
    assert.ok(c.size <= 2);
    const { c: d, warmed: w } = cache({ ttlMs: 1000, now: () => now });
    d.record(self, target, K, lookupOf(target));
    assert.ok(d.near(target, 6, 3, []));
    now = 1000;
    assert.equal(d.near(target, 6, 3, []), undefined, "expired");
    assert.equal(w.length, 1, "the miss started a warming lookup (the recorded lookup showed the granularity)");
    assert.equal(warmed.length, 0);
  });

  test("before any wide lookup, the table's own neighbourhood says whether warming can cover the ring", () => {
    // K closest within 2/5 of the ring (about 50 peers): a few regions; within 1/50 (about 1,000): too many.
    const small = cache({ ownRadius: (2n ** 256n * 2n) / 5n });
    small.c.near(target, 6, 3, []);
    assert.equal(small.warmed.length, 1);
    const large = cache({ ownRadius: 2n ** 256n / 50n });
    large.c.near(target, 6, 3, []);
    assert.equal(large.warmed.length, 0, "no warming where the regions would not fit");
    const unknown = cache();
    unknown.c.near(target, 6, 3, []);
    assert.equal(unknown.warmed.length, 0, "no warming without an estimate");
  });

  test("size 0 disables it", () => {
    const { c, warmed } = cache({ maxEntries: 0 });
    c.record(self, target, K, lookupOf(target));
    assert.equal(c.near(target, 6, 3, []), undefined);
    assert.equal(c.size, 0);
    assert.equal(warmed.length, 0);
  });
});
