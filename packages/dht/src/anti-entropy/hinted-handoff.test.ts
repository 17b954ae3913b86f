// Hinted hand-off and hand-off with proof, on small in-memory networks of complete nodes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import type { DhtRecord, NodeId, StoreResult } from "../types.js";
import { Testnet, testContact } from "../testing/testnet.js";
import { byDistance } from "../replication/position.js";
import { sha256Hex } from "../kademlia/node-id.js";

const R = 3;
const enc = (s: string) => new TextEncoder().encode(s);

/** Polls `done` every 20 ms for up to `ms`; returns whether it came true. */
async function within(ms: number, done: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return done();
}

describe("hinted hand-off", () => {
  // Rounds every minute: within the test's few seconds only the hint can move the record.
  const net = new Testnet({ start: true, node: { antiEntropy: { repairIntervalMs: 60_000, hintRetryMs: 50 } } });
  before(async () => {
    await net.add(8);
    // The rounds that start and joins trigger (after the prompt delay) are over before the test.
    assert.ok(await within(5000, async () => net.live().every((n) => n.replicationHealth().repairRounds >= 1)));
    await new Promise((r) => setTimeout(r, 500));
  });
  after(() => net.stop());

  test("a peer that stood in for a slow replica hands the record back and drops its copy within seconds", async () => {
    const key = "hinted/1";
    // Ranked before the hang: a down node is not among the live closest.
    const ranked = net.closest(key, R + 1);
    const [slow, ...rest] = ranked.slice(0, R);
    const substitute = ranked[R]!;
    const writer = net.live().find((n) => !ranked.some((c) => c.id === n.self.id))!;
    net.hang(slow!.id);
    await writer.put(key, enc("v"));
    // The write beyond its quorum goes on: the slow replica's deadline, then a substitute.
    await writer.coordinator.idle();
    assert.deepEqual(await net.holders(key), [...rest.map((c) => c.id), substitute.id].sort(), "the substitute holds a copy");
    net.recover(slow!.id);

    const want = net.closest(key, R).map((c) => c.id).sort();
    assert.ok(await within(5000, async () => (await net.holders(key)).join() === want.join()), `holders ${(await net.holders(key)).join()} are the R closest`);
    const health = net.node(substitute.id).replicationHealth();
    assert.equal(health.hintsHandedBack, 1);
    assert.equal(health.hintsQueued, 1);
  });

  test("a peer among the key's R closest queues no hint", async () => {
    const key = "hinted/2";
    const writer = net.node(net.closest(key, R)[0]!.id);
    await writer.put(key, enc("v"));
    await writer.coordinator.idle();
    for (const c of net.closest(key, R)) assert.equal(net.node(c.id).replicationHealth().hintsQueued, 0);
  });
});

describe("hand-off with proof", () => {
  // A key whose 3 closest among nodes 0..7 change when node 8 joins as the closest.
  const ids = Array.from({ length: 9 }, (_, i) => testContact(i));
  let key = "";
  for (let i = 0; !key; i++) {
    const candidate = `proof/${i}`;
    if (byDistance(ids, sha256Hex(candidate))[0]!.id === ids[8]!.id) key = candidate;
  }
  const liar = ids[8]!.id;
  // Node 8 acknowledges every Store and StoreMany without keeping anything.
  const acksWithoutKeeping = (self: NodeId): ServerInterceptor => (next) => async (call) => {
    if (self !== liar) return next(call);
    if (call.method === "storeMany") return (call.request as DhtRecord[]).map((r) => ({ applied: true, current: r.version }) satisfies StoreResult);
    if (call.method !== "store") return next(call);
    const record = call.request as DhtRecord;
    return { applied: true, current: record.version } satisfies StoreResult;
  };
  const net = new Testnet({ interceptorsFor: (self) => ({ server: [acksWithoutKeeping(self.id)] }) });
  before(() => net.add(8));
  after(() => net.stop());

  test("a holder keeps its copy when a new replica acknowledges the hand-off but does not return the record", async () => {
    await net.node(ids[0]!.id).put(key, enc("v"));
    await net.settle(3, async () => (await net.holders(key)).length === R);
    const [, , third] = net.closest(key, R);
    await net.add(1);
    assert.equal(net.closest(key, 1)[0]!.id, liar);
    // The former third closest now hands off: to the liar (who acks), and the two others.
    await net.settle(3, async () => true);
    assert.ok((await net.holders(key)).includes(third!.id), "the former replica still holds the record");
    assert.ok(!(await net.holders(key)).includes(liar));
    assert.ok(net.node(third!.id).replicationHealth().handOffUnproven > 0, "the unproven hand-off is counted");
  });
});
