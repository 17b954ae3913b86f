// Evicted contacts are remembered and probed again, so a network split by a partition heals.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Testnet, testContact } from "../testing/testnet.js";
import { DhtError } from "../errors.js";
import { EvictedContacts } from "./evicted-contacts.js";

test("the book is bounded, forgets after its retention, and backs off failed probes", () => {
  const book = new EvictedContacts({ max: 2, retentionMs: 1000, probeIntervalMs: 10 });
  book.remember(testContact(1), 0);
  book.remember(testContact(2), 0);
  book.remember(testContact(3), 0);
  assert.equal(book.size, 2, "the oldest is forgotten first");
  assert.deepEqual(book.due(5), []);
  assert.deepEqual(book.due(10).map((c) => c.id), [testContact(2).id, testContact(3).id]);
  book.probeFailed(testContact(2).id, 10);
  assert.deepEqual(book.due(20).map((c) => c.id), [testContact(3).id], "a failed probe waits twice as long");
  assert.deepEqual(book.due(30).map((c) => c.id), [testContact(2).id, testContact(3).id]);
  for (let i = 0; i < 5; i++) book.probeFailed(testContact(2).id, 30);
  assert.deepEqual(book.due(69).map((c) => c.id), [testContact(3).id], "backs off to 4 intervals at most");
  assert.deepEqual(book.due(70).map((c) => c.id), [testContact(2).id, testContact(3).id]);
  book.forget(testContact(3).id);
  assert.deepEqual(book.due(2000), [], "past the retention everything is forgotten");
  assert.equal(book.size, 0);
});

describe("a contact evicted while unreachable", () => {
  const net = new Testnet({ start: true, node: { kademlia: { reprobeIntervalMs: 50 } } });
  before(() => net.add(4));
  after(() => net.stop());

  test("is probed again and learned back once it answers, without it calling us", async () => {
    const [a, b] = net.nodes;
    net.fail(b!.self.id);
    const error = new DhtError("unreachable", "unavailable");
    for (let i = 0; i < 3; i++) a!.kademlia.reportFailure(b!.self, error);
    assert.equal(a!.kademlia.routingTable.get(b!.self.id), undefined, "evicted");
    assert.equal(a!.kademlia.evicted.size, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(a!.kademlia.routingTable.get(b!.self.id), undefined, "still unreachable: not learned");

    net.recover(b!.self.id);
    const until = Date.now() + 5000;
    while (!a!.kademlia.routingTable.get(b!.self.id) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.ok(a!.kademlia.routingTable.get(b!.self.id), "learned back");
    assert.equal(a!.kademlia.evicted.size, 0);
    assert.equal(a!.kademlia.evicted.recovered, 1);
  });
});
