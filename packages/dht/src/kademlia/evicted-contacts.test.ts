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
  assert.deepEqual(book.due(49).map((c) => c.id), [testContact(3).id], "backs off to 2 intervals at most soon after the eviction");
  assert.deepEqual(book.due(50).map((c) => c.id), [testContact(2).id, testContact(3).id]);
  // Long after the eviction (the default fast window is 60 s; here 1 s retention wins first,
  // so use a book of its own below for the slow phase).
  book.forget(testContact(3).id);
  assert.deepEqual(book.due(2000), [], "past the retention everything is forgotten");
  assert.equal(book.size, 0);
});

test("probes of a contact evicted long ago back off to 8 intervals", () => {
  const book = new EvictedContacts({ max: 4, retentionMs: 100_000, probeIntervalMs: 10, fastWindowMs: 100 });
  book.remember(testContact(1), 0);
  for (let i = 0; i < 5; i++) book.probeFailed(testContact(1).id, 200);
  assert.deepEqual(book.due(279), []);
  assert.deepEqual(book.due(280).map((c) => c.id), [testContact(1).id]);
});

test("when one evicted contact answers again, the others are probed at once", async () => {
  const book = new EvictedContacts({ max: 4, retentionMs: 100_000, probeIntervalMs: 1000 });
  const clock = { t: 0, now: () => clock.t };
  for (const i of [1, 2, 3]) book.remember(testContact(i), 0);
  // Contact 1 was evicted earlier: due now; 2 and 3 not for another second.
  book.remember(testContact(1), -1000);
  const pinged: string[] = [];
  await book.reprobe(clock, async (c) => void pinged.push(c.id), () => {});
  assert.deepEqual(pinged.sort(), [1, 2, 3].map((i) => testContact(i).id).sort());
  assert.equal(book.recovered, 3);
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
