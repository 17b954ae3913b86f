import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isDhtError } from "../testing/assertions.js";
import { createTestnet } from "../testing/testnet.js";
import { sha256Hex } from "../kademlia/node-id.js";
import type { DhtRecord } from "../types.js";

const text = (s: string) => new TextEncoder().encode(s);
const call = { timeoutMs: 500 };

describe("a peer that leaves", () => {
  test("takes no write and answers no routing call from the moment it starts leaving; reads until its hand-off is over; then only goodbyes", async (t) => {
    const net = await createTestnet(5);
    t.after(() => net.stop());
    const [x, leaver] = [net.nodes[0]!, net.nodes[4]!];
    const raw = net.transports[0]!;
    const held: DhtRecord = { key: "held", value: text("v"), version: { wallMs: Date.now(), logical: 0, writer: x.self.id }, tombstone: false };
    await raw.store(leaver.self, held, call);

    const leaving = leaver.leave();
    // A write stored now would be acknowledged, then leave with the peer.
    const late: DhtRecord = { ...held, key: "late" };
    await assert.rejects(raw.store(leaver.self, late, call), isDhtError("unavailable", /is leaving the network: it no longer answers store/));
    await assert.rejects(raw.storeMany(leaver.self, [late], call), isDhtError("unavailable", /storeMany/));
    // A Ping or FindNode answered would make the caller count it alive.
    await assert.rejects(raw.ping(leaver.self, call), isDhtError("unavailable", /ping/));
    await assert.rejects(raw.findNode(leaver.self, x.self.id, call), isDhtError("unavailable", /findNode/));
    // What it still holds is read until the hand-off is over.
    assert.deepEqual((await raw.findValue(leaver.self, "held", call)).record?.value, held.value);
    assert.equal(await leaver.store.get("late"), undefined);

    await leaving;
    await assert.rejects(raw.findValue(leaver.self, "held", call), isDhtError("unavailable", /has left the network: it no longer answers findValue/));
    await raw.goodbye(leaver.self, call);
  });

  test("a neighbour that missed its goodbye does not learn it back: its lookups drop it", async (t) => {
    const net = await createTestnet(6);
    t.after(() => net.stop());
    const [x, leaver] = [net.nodes[0]!, net.nodes[5]!];
    await leaver.leave();
    assert.equal(x.kademlia.routingTable.get(leaver.self.id), undefined);
    // As if the goodbye never reached x: the leaver is back in its table.
    x.kademlia.learn(leaver.self);
    assert.ok(x.kademlia.routingTable.get(leaver.self.id));
    const found = await x.kademlia.lookup(sha256Hex("near the leaver"), { wanted: 6 });
    assert.ok(!found.closest.some((c) => c.id === leaver.self.id), "a lookup still found the peer that left");
    const again = await x.kademlia.lookup(leaver.self.id, { wanted: 3 });
    assert.ok(!again.closest.some((c) => c.id === leaver.self.id), "a lookup of its own ID still found the peer that left");
  });

  test("a write it coordinates while leaving does not count its own copy", async (t) => {
    const net = await createTestnet(5);
    t.after(() => net.stop());
    const leaver = net.nodes[2]!;
    // A key whose closest peer is the leaver: the put would store a copy on it first.
    let key = "";
    for (let i = 0; !key; i++) if (net.closest(`k${i}`, 1)[0]!.id === leaver.self.id) key = `k${i}`;
    const leaving = leaver.leave();
    const res = await leaver.put(key, text("v"));
    await leaving;
    assert.ok(!res.acknowledgedBy.includes(leaver.self.id), "the leaver counted its own copy as an acknowledgement");
    assert.equal(await leaver.store.get(key), undefined);
    const others = net.nodes.filter((n) => n !== leaver);
    let holders = 0;
    for (const n of others) if (await n.store.get(key)) holders++;
    assert.ok(holders >= 2, `only ${holders} other peers hold the key`);
  });
});
