// Reads and writes through the neighbourhood cache at 50+ peers, where the routing table is no
// longer the whole network (cached-replicas.ts, kademlia/neighbourhood-cache.ts): after warm-up
// a get costs about Rq FindValues instead of a lookup and a round, and every shortcut is checked
// against the answers, so a join or a silent replica never changes what a read may answer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { createTestnet, testContact, type Testnet } from "../testing/testnet.js";
import type { DhtNode } from "../node/dht-node.js";
import { measureRepeatedOperations } from "../simulation/repeated-operations.js";
import { byDistance, sha256Hex } from "./position.js";

const text = new TextEncoder();

/** Lookups finished per node index (the shortcut runs none). */
const lookups = new Map<number, number>();

/** How many lookups `node` ran while `run` ran. */
async function lookupsBy(net: Testnet, node: DhtNode, run: () => Promise<unknown>): Promise<number> {
  const i = net.nodes.indexOf(node);
  const before = lookups.get(i) ?? 0;
  await run();
  return (lookups.get(i) ?? 0) - before;
}

/** Certifies the region of `key` in `node`'s cache, as a warming lookup does (wanting K). */
async function warm(node: DhtNode, key: string): Promise<void> {
  await node.kademlia.lookup(sha256Hex(key), { wanted: node.kademlia.k });
}

/** A key whose R closest among `nodes` leave `coordinator` out. */
function keyAwayFrom(net: Testnet, coordinator: DhtNode, prefix: string): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}/${i}`;
    if (!net.closest(key, 3).some((c) => c.id === coordinator.self.id)) return key;
  }
}

describe("reads and writes through the neighbourhood cache at 50 and 100 nodes", () => {
  let net: Testnet;
  before(async () => {
    net = await createTestnet(50, { metricsFor: (_self, i) => ({ lookup: (e) => void (e.type === "lookup-finished" && lookups.set(i, (lookups.get(i) ?? 0) + 1)) }) });
  });
  after(async () => {
    await net?.stop();
  });

  for (const nodes of [50, 100]) {
    test(`${nodes} nodes: after warm-up a get costs at most 2.5 peer RPCs on average, and runs no lookup`, async () => {
      // Before the cache (same workload, neighbourhoodCacheSize 0): 50 nodes 2.21 RPCs per get,
      // 6.22 per put, one lookup per get; 100 nodes 2.77 and 6.97.
      const r = await measureRepeatedOperations({ nodes });
      assert.ok(r.getRpcs <= 2.5, `peer RPCs per get after warm-up: ${r.getRpcs.toFixed(2)}`);
      assert.ok(r.lookupsPerGet <= 0.1, `lookups per get after warm-up: ${r.lookupsPerGet.toFixed(2)}`);
      assert.ok(r.putRpcs <= 5, `peer RPCs per put after warm-up: ${r.putRpcs.toFixed(2)}`);
    });
  }

  // Heard: the join reaches the coordinator, whose cache drops the region at once. Unheard: the
  // coordinator is hung while the peer joins, so its cache still names the old replicas; the
  // replicas' answers name the newcomer, and the shortcut gives way to the lookup: a get's
  // FindValue answers, or the FindNode a put checks its set with, whichever comes first.
  const variants = [["heard of", 20, "get"], ["not heard of", 25, "get"], ["not heard of", 28, "put"]] as const;
  for (const [variant, index, first] of variants) {
    test(`a peer that joins closer to a cached region, ${variant} by the coordinator, becomes a replica (${first} first)`, async () => {
      const coordinator = net.nodes[index]!;
      // A key the newcomer will be the closest peer to, and the coordinator not a replica of.
      const newcomer = testContact(net.nodes.length);
      let key = "";
      for (let i = 0; !key; i++) {
        const candidate = `joined/${index}/${i}`;
        const all = [...net.nodes.map((n) => n.self), newcomer];
        const closest = byDistance(all, sha256Hex(candidate)).slice(0, 4).map((c) => c.id);
        if (closest[0] === newcomer.id && !closest.includes(coordinator.self.id)) key = candidate;
      }
      await coordinator.coordinator.put(key, text.encode("before"));
      await warm(coordinator, key);
      // The shortcut is in use: Rq FindValues, no lookup.
      assert.equal(await lookupsBy(net, coordinator, () => coordinator.coordinator.get(key)), 0, "a get of a warmed region runs no lookup");

      if (variant === "not heard of") net.hang(coordinator.self.id);
      const [joined] = await net.add(1);
      net.recover(coordinator.self.id);
      assert.equal(joined!.self.id, newcomer.id);
      if (variant === "not heard of") assert.equal(coordinator.kademlia.routingTable.get(newcomer.id), undefined, "the coordinator has not heard of the newcomer");

      if (first === "get") {
        const before = await coordinator.coordinator.get(key);
        assert.equal(new TextDecoder().decode(before.record.value), "before");
      }
      await coordinator.coordinator.put(key, text.encode("after"));
      await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
      const replicas = net.closest(key, 3).map((c) => c.id);
      assert.equal(replicas[0], newcomer.id);
      const held = await joined!.store.get(key);
      assert.equal(held && new TextDecoder().decode(held.value), "after", "the newcomer holds the put made after it joined");
      const holders = await net.holders(key);
      assert.ok(holders.includes(replicas[1]!), "the second closest holds it too");

      const got = await coordinator.coordinator.get(key, { allReplicas: true });
      assert.equal(new TextDecoder().decode(got.record.value), "after");
      assert.ok(got.replicas.some((r) => r.peer.id === newcomer.id && r.answered), "the newcomer is asked as a replica");
    });
  }

  test("a put whose set checker is silent asks a replica that acknowledged, not a lookup", async () => {
    const coordinator = net.nodes[33]!;
    const key = keyAwayFrom(net, coordinator, "checker");
    await warm(coordinator, key);
    const [checker] = net.closest(key, 3);
    net.hang(checker!.id);
    try {
      const ran = await lookupsBy(net, coordinator, () => coordinator.coordinator.put(key, text.encode("v")));
      assert.equal(ran, 0, "the set was confirmed by another replica");
    } finally {
      net.recover(checker!.id);
    }
    const got = await coordinator.coordinator.get(key);
    assert.equal(new TextDecoder().decode(got.record.value), "v");
  });

  test("a silent cached replica makes a read UNAVAILABLE, never NOT_FOUND", async () => {
    const coordinator = net.nodes[30]!;
    const key = keyAwayFrom(net, coordinator, "silent");
    await warm(coordinator, key);
    // Nobody wrote it: "not found", through the shortcut.
    let notFound: unknown;
    const ran = await lookupsBy(net, coordinator, () => coordinator.coordinator.get(key).catch((e: unknown) => (notFound = e)));
    assert.ok(notFound instanceof DhtError && notFound.code === "not_found", String(notFound));
    assert.equal(ran, 0, "a get of a warmed region runs no lookup");

    // Two of the three replicas hang: the one that answers cannot make a quorum for "not found".
    const [, second, third] = net.closest(key, 3);
    net.hang(second!.id);
    net.hang(third!.id);
    try {
      await assert.rejects(coordinator.coordinator.get(key), (e: unknown) => e instanceof DhtError && e.code === "unavailable");
    } finally {
      net.recover(second!.id);
      net.recover(third!.id);
    }
  });
});
