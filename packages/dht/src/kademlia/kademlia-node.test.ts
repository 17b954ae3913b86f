import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Clock, Contact } from "../types.js";
import { DhtError } from "../errors.js";
import { unimplementedHandler, type PeerRpcHandler } from "../rpc/peer-rpc.js";
import { MemoryNetwork } from "../transport/memory.js";
import { createTestnet, testContact } from "../testing/testnet.js";
import { KademliaNode, type KademliaOptions } from "./kademlia-node.js";
import { bucketIndex, sha256Hex, sortByDistance } from "./node-id.js";

/** Polls `cond` on every macrotask until it holds; fails after `ms` instead of hanging. */
async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("condition not met before the deadline");
    await new Promise((r) => setImmediate(r));
  }
}

/** A peer that answers pings and knows nobody. */
const silentPeer: PeerRpcHandler = {
  ...unimplementedHandler(),
  onPing: async () => {},
  onFindNode: async () => [],
  onFindValue: async () => ({ contacts: [] }),
};

/** The routing half of a node's answers, for a KademliaNode tested on its own: every message teaches its sender. */
function routingOnly(node: () => KademliaNode): PeerRpcHandler {
  return {
    ...unimplementedHandler(),
    onPing: async (from) => node().learn(from),
    onFindNode: async (from, target) => {
      node().learn(from);
      return node().handleFindNode(from, target);
    },
    onFindValue: async (from, key) => {
      node().learn(from);
      return { contacts: node().handleFindNode(from, sha256Hex(key)) };
    },
  };
}

/** A node on `net` plus contacts attached to the same network that land in one of its buckets. */
function setup(options: KademliaOptions, clock?: Clock) {
  const net = new MemoryNetwork();
  const self = testContact(0);
  let node!: KademliaNode;
  const transport = net.attach(self, routingOnly(() => node));
  node = new KademliaNode({ self, transport, ...(clock ? { clock } : {}) }, options);
  // Peers that all fall into the same bucket of node 0 (bucket 0: first bit differs).
  const sameBucket: Contact[] = [];
  for (let i = 1; sameBucket.length < 60; i++) {
    const c = testContact(i);
    if (bucketIndex(self.id, c.id) !== 0) continue;
    sameBucket.push(c);
    net.attach(c, silentPeer);
  }
  return { net, node, sameBucket };
}

describe("KademliaNode: ping before evict", () => {
  test("a responding least-recently-seen contact stays; the newcomer waits as a replacement", async () => {
    const { net, node, sameBucket: [b, c] } = setup({ k: 1, pingFreshnessMs: 0, rpcTimeoutMs: 500 });
    node.learn(b!);
    node.learn(c!);
    await waitFor(() => net.sent.ping === 1);
    await waitFor(() => (node.routingTable.buckets()[0]?.contacts[0]?.lastSeenMs ?? 0) > 0 && !node["pinging"].size);
    assert.deepEqual(node.routingTable.all().map((x) => x.id), [b!.id]);
    assert.equal(node.routingTable.buckets()[0]!.replacements, 1);
  });

  test("a dead least-recently-seen contact is evicted and the newcomer inserted", async () => {
    const { net, node, sameBucket: [b, c] } = setup({ k: 1, pingFreshnessMs: 0, rpcTimeoutMs: 500 });
    node.learn(b!);
    net.fail(b!.id);
    node.learn(c!);
    await waitFor(() => node.routingTable.get(c!.id) !== undefined);
    assert.deepEqual(node.routingTable.all().map((x) => x.id), [c!.id]);
  });

  test("a flood of newcomers causes one ping per bucket, and a bounded replacement cache", async () => {
    const { net, node, sameBucket } = setup({ k: 2, pingFreshnessMs: 0, rpcTimeoutMs: 100, replacementCacheSize: 4 });
    const [b, c, ...rest] = sameBucket;
    node.learn(b!);
    node.learn(c!);
    net.hang(b!.id);
    for (const x of rest) node.learn(x);
    assert.equal(net.sent.ping, 1);
    assert.equal(node.routingTable.buckets()[0]!.replacements, 4);
    // The hung contact misses its deadline: evicted, the newest newcomer promoted.
    await waitFor(() => node.routingTable.get(b!.id) === undefined);
    assert.ok(node.routingTable.get(rest.at(-1)!.id));
    assert.equal(node.routingTable.size, 2);
  });

  test("a least-recently-seen contact heard from recently is not pinged", () => {
    const { net, node, sameBucket: [b, c] } = setup({ k: 1 });
    node.learn(b!);
    node.learn(c!);
    assert.equal(net.sent.ping, 0);
    assert.ok(node.routingTable.get(b!.id));
  });

  test("reportFailure evicts after maxFailures; reportSuccess clears suspicion", () => {
    const { node, sameBucket: [b] } = setup({ maxFailures: 2 });
    node.learn(b!);
    node.reportFailure(b!, new Error("x"));
    assert.ok(node.routingTable.isSuspect(b!.id));
    node.reportSuccess(b!);
    assert.ok(!node.routingTable.isSuspect(b!.id));
    node.reportFailure(b!, new Error("x"));
    node.reportFailure(b!, new Error("x"));
    assert.equal(node.routingTable.get(b!.id), undefined);
  });

  test("a peer refusing for load (resource_exhausted, e.g. its rate limit) is alive: never suspected or evicted for it", () => {
    const { node, sameBucket: [b] } = setup({ maxFailures: 2 });
    node.learn(b!);
    for (let i = 0; i < 5; i++) node.reportFailure(b!, DhtError.resourceExhausted("rate limit: more than 10 calls/s from peer 127.0.0.1"));
    assert.ok(node.routingTable.get(b!.id));
    assert.ok(!node.routingTable.isSuspect(b!.id));
  });
});

describe("KademliaNode: joining and refreshing", () => {
  test("100 nodes bootstrapped from node 0 find each other's closest", async (t) => {
    const net = await createTestnet(100, { node: { kademlia: { rpcTimeoutMs: 1000 } } });
    t.after(() => net.stop());
    const ids = net.nodes.map((n) => n.self);
    for (const node of net.nodes.map((n) => n.kademlia)) {
      const truth = sortByDistance(node.self.id, ids.filter((c) => c.id !== node.self.id));
      assert.equal(node.closestKnown(node.self.id, 1)[0]?.id, truth[0]!.id, "knows its nearest neighbour");
      const r = await node.lookup(node.self.id, { wanted: 5 });
      assert.deepEqual(r.closest.map((c) => c.id), truth.slice(0, 5).map((c) => c.id));
      const target = sha256Hex(`random-${node.self.id}`);
      const r2 = await node.lookup(target, { wanted: 3 });
      assert.deepEqual(r2.closest.map((c) => c.id), sortByDistance(target, ids.filter((c) => c.id !== node.self.id)).slice(0, 3).map((c) => c.id));
    }
  });

  test("wholeNetworkNear: the closest known while a confirmed table holds fewer than k contacts, undefined from k on", async (t) => {
    const small = await createTestnet(12, { node: { kademlia: { rpcTimeoutMs: 1000 } } });
    t.after(() => small.stop());
    const target = sha256Hex("whole-network");
    // Node 0 never joined, and node 1 met later joiners after its own join: neither view is confirmed yet.
    for (const node of small.nodes.slice(0, 2).map((n) => n.kademlia)) assert.equal(node.wholeNetworkNear(target, 3), undefined);
    for (const node of small.nodes.map((n) => n.kademlia)) await node.confirmView();
    for (const node of small.nodes.map((n) => n.kademlia)) {
      const others = small.nodes.map((n) => n.self).filter((c) => c.id !== node.self.id);
      assert.deepEqual(node.wholeNetworkNear(target, 3)?.map((c) => c.id), sortByDistance(target, others).slice(0, 3).map((c) => c.id));
    }
    const big = await createTestnet(30, { node: { kademlia: { rpcTimeoutMs: 1000, k: 8 } } });
    t.after(() => big.stop());
    for (const node of big.nodes.map((n) => n.kademlia)) await node.confirmView();
    for (const node of big.nodes.map((n) => n.kademlia)) assert.equal(node.wholeNetworkNear(target, 3), undefined, "8 or more contacts with k = 8: a lookup is needed");
  });

  test("bootstrap fails clearly when no seed answers", async () => {
    const { net, node, sameBucket: [b] } = setup({ rpcTimeoutMs: 100 });
    net.fail(b!.id);
    await assert.rejects(node.bootstrap([b!]), /none of 1 seed/);
  });

  test("handleFindNode returns at most k contacts, never the requester", () => {
    const { node, sameBucket } = setup({ k: 5 });
    for (const c of sameBucket) node.learn(c);
    const got = node.handleFindNode(sameBucket[0]!, sameBucket[0]!.id);
    assert.equal(got.length, 4, "the requester is one of the 5 known and is left out");
    assert.ok(!got.some((c) => c.id === sameBucket[0]!.id));
    assert.equal(node.handleFindNode(sameBucket[50]!, sameBucket[0]!.id).length, 5);
    assert.deepEqual(node.handleFindNode(sameBucket[0]!, "not-an-id"), []);
  });

  test("stale buckets are refreshed with lookups; fresh ones are left alone", async (t) => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const net = await createTestnet(30, { node: { kademlia: { rpcTimeoutMs: 1000, refreshIntervalMs: 60_000 } }, clock });
    t.after(() => net.stop());
    const node = net.nodes[3]!.kademlia;
    net.network.resetCounters();
    await node.refreshStaleBuckets();
    assert.equal(net.network.sent.findNode, 0, "bootstrap just refreshed every bucket");
    now += 61_000;
    await node.refreshStaleBuckets();
    assert.ok(net.network.sent.findNode > 0);
    for (const b of node.routingTable.buckets()) assert.equal(b.refreshedAtMs, now, `bucket ${b.index}`);
    node.start();
    await node.stop();
  });

  test("a restored routing table works without bootstrap", async (t) => {
    const net = await createTestnet(40, { node: { kademlia: { rpcTimeoutMs: 1000 } } });
    t.after(() => net.stop());
    const saved = JSON.parse(JSON.stringify(net.nodes[7]!.kademlia.routingTable.snapshot())) as Contact[];
    // The same identity restarted: a new process (here a new attachment) with the saved table.
    net.network.detach(net.nodes[7]!.self.id);
    const fresh = new KademliaNode({ self: net.nodes[7]!.self, transport: net.network.attach(net.nodes[7]!.self, silentPeer) });
    assert.equal(fresh.routingTable.restore(saved), saved.length);
    const target = sha256Hex("after-restart");
    const r = await fresh.lookup(target, { wanted: 3 });
    assert.equal(r.closest.length, 3);
  });
});


describe("addresses come from the peer itself", () => {
  test("a contact that answered is learned with the addresses it proved, not those a third party gave", async () => {
    const { unimplementedTransport } = await import("../rpc/peer-rpc.js");
    const self = testContact(1);
    const real = testContact(2);
    // A lookup met `real` in someone's reply, with addresses of the replier's choosing.
    const dialled: Contact = { ...real, httpAddress: "198.51.100.7:80" };
    const node = new KademliaNode({ self, transport: unimplementedTransport(), provenContact: (c) => (c.id === real.id ? real : undefined) });
    node.reportSuccess(dialled);
    assert.deepEqual(node.routingTable.get(real.id)?.contact, real);
    // Without a proven contact (a transport whose replies carry none) the dialled copy is kept.
    const plain = new KademliaNode({ self, transport: unimplementedTransport() });
    plain.reportSuccess(dialled);
    assert.deepEqual(plain.routingTable.get(real.id)?.contact, dialled);
  });
});

test("a contact evicted for silence and heard from again leaves the confirmed view standing; a stranger ends it", async () => {
  const net = await createTestnet(4);
  try {
    const node = net.nodes[0]!.kademlia;
    await node.confirmView();
    assert.ok(node.viewConfirmed());
    const back = net.nodes[1]!.self;
    for (let i = 0; i < 10 && node.routingTable.get(back.id); i++) node.reportFailure(back, DhtError.deadlineExceeded("no answer"));
    assert.equal(node.routingTable.get(back.id), undefined, "evicted");
    node.learn(back);
    assert.ok(node.routingTable.get(back.id), "back in the table");
    assert.ok(node.viewConfirmed(), "a peer we knew is no news");
    node.learn(testContact(99));
    assert.equal(node.viewConfirmed(), false, "a peer we never knew is");
  } finally {
    await net.stop();
  }
});
