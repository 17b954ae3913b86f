// Tombstone collection: only after the grace period and once every replica holds the
// tombstone, and a collected delete still answers for its key. Rounds are driven by hand.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import type { DhtRecord, NodeId, StoreResult } from "../types.js";
import { Testnet } from "../testing/testnet.js";

const R = 3;
const GRACE = 60_000;
const enc = (s: string) => new TextEncoder().encode(s);

/** Live holders of a non-tombstone copy of `key`. */
async function valueHolders(net: Testnet, key: string): Promise<NodeId[]> {
  const out: NodeId[] = [];
  for (const n of net.live()) if ((await n.store.get(key))?.tombstone === false) out.push(n.self.id);
  return out;
}

describe("a delete while a replica is down longer than the grace", () => {
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  const net = new Testnet({ clock, node: { antiEntropy: { repairIntervalMs: 1000, tombstoneGraceMs: GRACE } } });
  before(() => net.add(8));
  after(() => net.stop());

  test("the returning replica's old value does not come back: not through its rounds, a read or a read repair", async () => {
    const key = "gone/1";
    const [away, ...rest] = net.closest(key, R);
    const writer = net.node(rest[0]!.id);
    await writer.put(key, enc("old"));
    await net.settle(5, async () => (await net.holders(key)).length === R);

    net.fail(away!.id);
    await writer.delete(key);
    // The others hold the tombstone, and after the grace (having evicted the one that is away,
    // which answers none of their proofs) collect it.
    await net.settle(3, async () => true);
    clock.offset += 2 * GRACE;
    await net.settle(10, async () => (await net.holders(key)).length === 0);
    assert.ok(net.live().reduce((s, n) => s + n.replicationHealth().collectedDeletes, 0) >= R - 1, "the collectors remember the delete");

    // It comes back with the value the delete removed, and rejoins.
    net.recover(away!.id);
    const returning = net.node(away!.id);
    assert.equal((await returning.store.get(key))?.tombstone, false, "the returning replica still holds the old value");
    await returning.bootstrap([writer.self]);
    await net.settle(10, async () => (await valueHolders(net, key)).length === 0);
    for (const n of net.live()) await assert.rejects(n.get(key), /not found/, `read through ${n.self.id.slice(0, 8)}`);
    await net.settle(3, async () => true);
    assert.deepEqual(await valueHolders(net, key), [], "no peer holds the value again");
  });
});

describe("an expired tombstone a replica does not hold", () => {
  const clock = { offset: 0, now: () => Date.now() + clock.offset };
  const dropsTombstones = new Set<NodeId>();
  // A replica that acknowledges tombstones without keeping them (a full disk, a bug).
  const dropping = (self: NodeId): ServerInterceptor => (next) => async (call) => {
    if (!dropsTombstones.has(self) || call.method !== "store" || !(call.request as DhtRecord).tombstone) return next(call);
    return { applied: true, current: (call.request as DhtRecord).version } satisfies StoreResult;
  };
  const net = new Testnet({
    clock,
    node: { antiEntropy: { repairIntervalMs: 1000, tombstoneGraceMs: GRACE } },
    interceptorsFor: (self) => ({ server: [dropping(self.id)] }),
  });
  before(() => net.add(6));
  after(() => net.stop());

  test("is kept (and sent again) until every replica shows it holds it", async () => {
    const key = "gone/2";
    const [a, b, c] = net.closest(key, R);
    await net.node(a!.id).put(key, enc("v"));
    await net.settle(5, async () => (await net.holders(key)).length === R);
    dropsTombstones.add(c!.id);
    await net.node(a!.id).delete(key);
    clock.offset += 2 * GRACE;
    await net.settle(3, async () => true);
    for (const id of [a!.id, b!.id]) assert.equal((await net.node(id).store.get(key))?.tombstone, true, `${id.slice(0, 8)} keeps the tombstone`);
    assert.ok(net.node(a!.id).replicationHealth().tombstonesDeferred > 0);

    // Once the replica keeps it, the tombstone is collected everywhere.
    dropsTombstones.delete(c!.id);
    await net.settle(5, async () => (await net.holders(key)).length === 0);
    for (const n of net.live()) await assert.rejects(n.get(key), /not found/);
  });
});
