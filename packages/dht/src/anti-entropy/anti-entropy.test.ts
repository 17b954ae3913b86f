// Anti-entropy, hand-off, leave and tombstone collection on a 30-node in-memory network of
// complete nodes. Rounds are driven by hand (Testnet.settle), so every check is
// deterministic: "within N rounds", never "within N ms".
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { DhtNode } from "../node/dht-node.js";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import type { DhtRecord, NodeId } from "../types.js";
import { Testnet } from "../testing/testnet.js";

const R = 3;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A clock tests can move forward (tombstone grace). */
const clock = { offset: 0, now: () => Date.now() + clock.offset };

describe("anti-entropy on a 30-node memory network", () => {
  const net = new Testnet({ clock, node: { antiEntropy: { repairIntervalMs: 1000, tombstoneGraceMs: 60_000 } } });
  const keys: string[] = [];
  const values = new Map<string, string>();
  let rng = 42;
  const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = (): DhtNode => {
    const live = net.live();
    return live[Math.floor(random() * live.length)]!;
  };

  async function exactlyOnClosest(ks: readonly string[]): Promise<boolean> {
    for (const k of ks) {
      const want = net.closest(k, R).map((c) => c.id).sort();
      if ((await net.holders(k)).join() !== want.join()) return false;
    }
    return true;
  }

  async function onClosest(ks: readonly string[]): Promise<boolean> {
    for (const k of ks) {
      const held = new Set(await net.holders(k));
      if (!net.closest(k, R).every((c) => held.has(c.id))) return false;
    }
    return true;
  }

  before(async () => {
    await net.add(30);
    for (let i = 0; i < 300; i++) {
      const key = `k/${i}`;
      keys.push(key);
      values.set(key, `v${i}`);
      await pick().put(key, enc(`v${i}`));
    }
    await net.settle(10, () => exactlyOnClosest(keys));
  });
  after(() => net.stop());

  test("at rest a round sends only one digest per neighbour: no key lists, fetches or stores", async () => {
    await net.settle(3, async () => true); // let views that disagree mark themselves
    net.network.resetCounters();
    await net.settle(1, async () => true);
    const sent = net.network.sent;
    const neighbours = net.live().reduce((s, n) => s + n.replicationHealth().neighbours, 0);
    assert.equal(sent.syncKeys, 0, "no key lists");
    assert.equal(sent.fetchRecords, 0, "no fetches");
    assert.equal(sent.store, 0, "no stores");
    assert.ok(sent.syncDigest > 0 && sent.syncDigest <= neighbours, `digests ${sent.syncDigest} ≤ neighbours ${neighbours}`);
    for (const n of net.live()) assert.equal(n.replicationHealth().underReplicated, 0);
  });

  test("health counts each held record once as primary, replica or hand-off", () => {
    let primary = 0;
    for (const n of net.live()) {
      const h = n.replicationHealth();
      assert.equal(h.recordsPrimary + h.recordsReplica + h.recordsHandoff, n.store.count());
      assert.equal(h.recordsHandoff, 0);
      primary += h.recordsPrimary;
    }
    assert.equal(primary, keys.length, "every key has exactly one primary");
  });

  test("killing R-1 holders of keys at once: they stay readable and R copies come back", async () => {
    const sample = keys.slice(0, 40);
    const victims = new Set<NodeId>();
    for (const k of sample.slice(0, 4)) for (const c of net.closest(k, R).slice(0, R - 1)) victims.add(c.id);
    for (const id of victims) net.fail(id);
    for (const k of sample) assert.equal(dec((await pick().get(k)).record.value), values.get(k));
    const rounds = await net.settle(6, () => onClosest(keys));
    assert.ok(rounds <= 6);
    for (const k of sample) assert.equal(dec((await pick().get(k)).record.value), values.get(k));
    // They come back with their data (a restart): the extra copies are handed off again.
    for (const id of victims) net.recover(id);
    await net.settle(10, () => exactlyOnClosest(keys));
  });

  test("joins: records move to their new R closest and the others drop them", async () => {
    await net.add(10);
    await net.settle(10, () => exactlyOnClosest(keys));
    const dropped = net.live().reduce((s, n) => s + n.replicationHealth().recordsDropped, 0);
    assert.ok(dropped > 0, "former holders dropped records");
  });

  test("a restarted node with old data converges: newer values win, deleted keys stay deleted", async () => {
    const k0 = keys[10]!;
    const z = net.closest(k0, 1)[0]!.id;
    const zNode = net.node(z);
    const zKeys = keys.filter((k) => net.closest(k, R).some((c) => c.id === z));
    const [overwrite, removed] = [zKeys[0]!, zKeys[1]!];
    net.fail(z);
    await pick().put(overwrite, enc("newer"));
    values.set(overwrite, "newer");
    await pick().delete(removed);
    values.delete(removed);
    net.recover(z);
    // Old data is still on z until it syncs.
    assert.notEqual(dec((await zNode.store.get(overwrite))!.value), "newer");
    await net.settle(10, async () => {
      const a = await zNode.store.get(overwrite);
      const b = await zNode.store.get(removed);
      return !!a && dec(a.value) === "newer" && !!b && b.tombstone;
    });
    await assert.rejects(pick().get(removed), /not found/);
    assert.equal(dec((await pick().get(overwrite)).record.value), "newer");
  });

  test("tombstones are collected after the grace period, and the key does not come back", async () => {
    const k = keys.find((key) => values.has(key) && key !== keys[10])!;
    await pick().delete(k);
    values.delete(k);
    await net.settle(5, () => onClosest([k]));
    clock.offset += 120_000;
    await net.settle(3, async () => (await net.holders(k)).length === 0);
    const collected = net.live().reduce((s, n) => s + n.replicationHealth().tombstonesCollected, 0);
    assert.ok(collected >= R);
    await net.settle(2, async () => (await net.holders(k)).length === 0);
    await assert.rejects(pick().get(k), /not found/);
  });

  test("a graceful leave keeps every key at R copies without any repair round", async () => {
    const live = keys.filter((k) => values.has(k));
    const leaver = net.closest(live[0]!, 1)[0]!.id;
    const res = await net.node(leaver).leave();
    assert.equal(res.failed, 0);
    assert.ok(res.handedOff > 0 && res.neighboursTold > 0);
    await net.node(leaver).stop();
    net.remove(leaver);
    for (const n of net.live()) assert.equal(n.kademlia.routingTable.get(leaver), undefined, "goodbye removed it");
    assert.ok(await onClosest(live), "every key on its R closest remaining peers");
    for (const k of live.slice(0, 20)) assert.equal(dec((await pick().get(k)).record.value), values.get(k));
  });
});

describe("anti-entropy rejects bad data from a peer", () => {
  const liar = new Set<NodeId>();
  const clock2 = { offset: 0, now: () => Date.now() + clock2.offset };
  // A liar's FetchRecords answers are corrupted on the way out: one oversized value, one
  // record under a key nobody asked for.
  const lying = (self: NodeId): ServerInterceptor => (next) => async (call) => {
    const answer = await next(call);
    if (call.method !== "fetchRecords" || !liar.has(self)) return answer;
    return (answer as DhtRecord[]).map((r, i) => (i === 0 ? { ...r, value: new Uint8Array(2 << 20) } : { ...r, key: `${r.key}/forged` }));
  };
  const net = new Testnet({
    clock: clock2,
    node: { antiEntropy: { repairIntervalMs: 1000 } },
    interceptorsFor: (self) => ({ server: [lying(self.id)] }),
  });
  before(() => net.add(8));
  after(() => net.stop());

  test("corrupt or oversized records in FetchRecords leave the receiver's store untouched", async () => {
    const key = "bad/one";
    const [a, b] = net.closest(key, R);
    await net.node(a!.id).put(key, enc("old"));
    await net.settle(3, async () => (await net.holders(key)).length === R);
    // The victim misses an overwrite, then pulls it from peers that corrupt their answers.
    const victim = net.node(b!.id);
    net.fail(victim.self.id);
    await net.node(a!.id).put(key, enc("new"));
    net.recover(victim.self.id);
    for (const c of net.closest(key, R)) if (c.id !== victim.self.id) liar.add(c.id);
    const held = await victim.store.get(key);
    await victim.antiEntropy.runRound();
    assert.deepEqual(await victim.store.get(key), held, "nothing merged from the liars");
    assert.ok(victim.replicationHealth().recordsRejected > 0);
    // Honest holders repair it once their backoff (one interval) has passed.
    liar.clear();
    clock2.offset += 5_000;
    await victim.antiEntropy.runRound();
    const got = await victim.store.get(key);
    assert.ok(got && dec(got.value) === "new");
  });
});
