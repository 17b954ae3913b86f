// Neighbour sync and a graceful leave push records in StoreMany batches (push.ts pushMany), split
// by record count (fetchBatch) and value bytes (maxFetchBytes), never one Store per record.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { ServerInterceptor } from "../rpc/interceptor.js";
import type { DhtRecord } from "../types.js";
import { Testnet } from "../testing/testnet.js";
import type { DhtNode } from "../node/dht-node.js";

const R = 3;
/** Records per StoreMany call served, over the whole network. */
const batchSizes: number[] = [];
const countBatches: ServerInterceptor = (next) => (call) => {
  if (call.method === "storeMany") batchSizes.push((call.request as DhtRecord[]).length);
  return next(call);
};
const net = new Testnet({
  node: { antiEntropy: { repairIntervalMs: 1000, fetchBatch: 10, maxFetchBytes: 1024 } },
  interceptorsFor: () => ({ server: [countBatches] }),
});
before(() => net.add(5));

/** Puts `count` keys of `bytes`-byte values (through the first node) of which `holder` is one of the R closest. */
async function putHeldBy(holder: DhtNode, prefix: string, count: number, bytes: number): Promise<string[]> {
  const writer = net.live()[0]!;
  const keys: string[] = [];
  for (let i = 0; keys.length < count; i++) {
    const key = `${prefix}/${i}`;
    if (!net.closest(key, R).some((c) => c.id === holder.self.id)) continue;
    keys.push(key);
    await writer.put(key, new Uint8Array(bytes).fill(i % 256));
  }
  await writer.coordinator.idle();
  return keys;
}
after(() => net.stop());

test("a replica that lost 40 records of 400 bytes gets them back in StoreMany batches of at most 2 (1 KiB), no Store", async () => {
  const victim = net.live()[1]!;
  const keys = await putHeldBy(victim, "push", 40, 400);
  for (const key of keys) await victim.store.remove(key);
  net.network.resetCounters();
  batchSizes.length = 0;
  const rounds = await net.settle(3, async () => {
    for (const key of keys) if (!(await net.holders(key)).includes(victim.self.id)) return false;
    return true;
  });
  assert.ok(rounds <= 3);
  assert.equal(net.network.sent.store, 0, "no record pushed alone");
  // Batches of 2 (800 B; a third record would pass 1 KiB), 40 records at least once.
  assert.ok(batchSizes.length > 0 && batchSizes.every((n) => n <= 2), `batches: ${batchSizes.join(" ")}`);
  assert.ok(batchSizes.reduce((a, b) => a + b, 0) >= 40);
  assert.ok(batchSizes.filter((n) => n === 2).length >= 19);
});

test("a leaving peer hands its records off in StoreMany batches, no Store, and each lands on its R closest others", async () => {
  const leaver = net.live()[2]!;
  const keys = await putHeldBy(leaver, "leave", 30, 100);
  net.network.resetCounters();
  batchSizes.length = 0;
  const res = await leaver.leave();
  assert.equal(net.network.sent.store, 0, "no record handed off alone");
  assert.ok(batchSizes.length > 0 && batchSizes.every((n) => n <= 10), `batches: ${batchSizes.join(" ")}`);
  assert.equal(res.failed, 0);
  assert.ok(res.handedOff >= keys.length);
  await leaver.stop();
  net.remove(leaver.self.id);
  for (const key of keys) assert.deepEqual(await net.holders(key), net.closest(key, R).map((c) => c.id).sort(), key);
});
