import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { runBatches } from "./batcher.js";
import type { Item } from "./records.js";
import { batchExitCode, failureLines, MAX_KEPT_FAILURES, Tally } from "./tally.js";

const item = (key: string, size = 10): Item => ({ key, size, inputBytes: size });

async function* itemsOf(list: Item[], thenThrow?: Error): AsyncGenerator<Item> {
  for (const it of list) {
    await Promise.resolve();
    yield it;
  }
  if (thenThrow) throw thenThrow;
}

/** A fake peer: records what it was sent and how many calls overlapped; answers after `delayMs(batch)`. */
function fakePeer(delayMs: (batch: number) => number = () => 5) {
  const sent: string[][] = [];
  const delivered: string[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    sent,
    delivered,
    get maxInFlight() {
      return maxInFlight;
    },
    send: async (items: Item[]) => {
      const n = sent.push(items.map((i) => i.key)) - 1;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await sleep(delayMs(n));
      inFlight--;
      return n;
    },
    deliver: (items: Item[], n: number) => {
      assert.deepEqual(items.map((i) => i.key), sent[n]);
      delivered.push(items.map((i) => i.key));
    },
  };
}

const keys = (n: number, prefix = "k") => Array.from({ length: n }, (_, i) => item(`${prefix}${i}`));

test("2500 keys in batches of 1000 go out as 1000, 1000, 500, with at most `parallel` in flight, delivered in order", async () => {
  const peer = fakePeer((n) => (n === 0 ? 40 : 5)); // the first batch is the slowest
  await runBatches(itemsOf(keys(2500)), { maxItems: 1000, maxBytes: Infinity, parallel: 2, uniqueKeys: true, send: peer.send, deliver: peer.deliver });
  assert.deepEqual(peer.sent.map((b) => b.length), [1000, 1000, 500]);
  assert.equal(peer.maxInFlight, 2);
  assert.deepEqual(peer.delivered, peer.sent, "delivered in batch order although batch 0 finished last");
});

test("a slow first batch holds its slot until delivered: finished later batches do not pile up", async () => {
  const peer = fakePeer((n) => (n === 0 ? 60 : 1));
  await runBatches(itemsOf(keys(20)), { maxItems: 1, maxBytes: Infinity, parallel: 3, uniqueKeys: false, send: peer.send, deliver: peer.deliver });
  assert.equal(peer.sent.length, 20);
  assert.ok(peer.maxInFlight <= 3, `in flight: ${peer.maxInFlight}`);
});

test("a batch closes when the next item would pass the byte budget; an item over it goes alone", async () => {
  const peer = fakePeer();
  const list = [item("a", 40), item("b", 40), item("c", 40), item("huge", 500), item("d", 10)];
  await runBatches(itemsOf(list), { maxItems: 1000, maxBytes: 100, parallel: 1, uniqueKeys: true, send: peer.send, deliver: peer.deliver });
  assert.deepEqual(peer.sent, [["a", "b"], ["c"], ["huge"], ["d"]]);
});

test("a key twice never shares a batch, and waits for the in-flight batch holding it: the later line is the later write", async () => {
  const order: string[] = [];
  const send = async (items: Item[]) => {
    order.push(`start ${items.map((i) => i.key).join(",")}`);
    await sleep(items[0]!.key === "a" ? 30 : 1);
    order.push(`end ${items.map((i) => i.key).join(",")}`);
  };
  const list = [item("a"), item("b"), item("c"), item("a"), item("d")];
  await runBatches(itemsOf(list), { maxItems: 3, maxBytes: Infinity, parallel: 4, uniqueKeys: true, send, deliver: () => {} });
  assert.deepEqual(order, ["start a,b,c", "end a,b,c", "start a,d", "end a,d"]);
  const reads: string[][] = [];
  await runBatches(itemsOf([item("a"), item("a")]), { maxItems: 3, maxBytes: Infinity, parallel: 4, uniqueKeys: false, send: async (i) => reads.push(i.map((x) => x.key)), deliver: () => {} });
  assert.deepEqual(reads, [["a", "a"]], "reads may repeat a key");
});

test("a bad input line stops reading: what came before it is sent and delivered, then its error is thrown", async () => {
  const peer = fakePeer();
  const bad = new Error("in line 6: not JSON");
  await assert.rejects(runBatches(itemsOf(keys(5), bad), { maxItems: 2, maxBytes: Infinity, parallel: 2, uniqueKeys: true, send: peer.send, deliver: peer.deliver }), bad);
  assert.deepEqual(peer.delivered.flat(), ["k0", "k1", "k2", "k3", "k4"]);
});

test("a failed call stops the sending; batches already in flight are delivered, then its error is thrown", async () => {
  const sent: number[] = [];
  const delivered: number[] = [];
  const down = new Error("connection refused");
  let calls = 0;
  const send = async (items: Item[]) => {
    const n = calls++;
    sent.push(n);
    await sleep(n === 1 ? 1 : 10);
    if (n === 1) throw down;
    return items.length;
  };
  await assert.rejects(runBatches(itemsOf(keys(100)), { maxItems: 10, maxBytes: Infinity, parallel: 3, uniqueKeys: true, send, deliver: (_i, n) => delivered.push(n) }), down);
  assert.ok(sent.length <= 4, `sent ${sent.length} batches of 10 after the failure`);
  assert.ok(delivered.length >= 1 && delivered.length === sent.length - 1, `delivered ${delivered.length} of ${sent.length}`);
});

test("an abort stops reading after the current batches", async () => {
  const ac = new AbortController();
  const peer = fakePeer();
  const deliver = (items: Item[], n: number) => {
    peer.deliver(items, n);
    ac.abort();
  };
  await runBatches(itemsOf(keys(100)), { maxItems: 10, maxBytes: Infinity, parallel: 1, uniqueKeys: true, signal: ac.signal, send: peer.send, deliver });
  assert.ok(peer.sent.length <= 2, `sent ${peer.sent.length}`);
});

test("the tally keeps the first failures, counts all, and ranks their codes into one exit code", () => {
  const t = new Tally();
  t.succeed(3);
  for (let i = 0; i < 150; i++) t.fail({ key: `k${i}`, code: i % 2 ? "unavailable" : "deadline_exceeded", message: "no quorum", lineNo: i + 1 });
  assert.equal(t.failed, 150);
  assert.equal(t.failures.length, MAX_KEPT_FAILURES);
  assert.deepEqual(t.codes(), { deadline_exceeded: 75, unavailable: 75 });
  assert.equal(t.exitCode(), 4);
  t.fail({ key: "big", code: "resource_exhausted", message: "value too large" });
  assert.equal(t.exitCode(), 5, "rejected outranks unavailable: retrying will not help");
  assert.equal(new Tally().exitCode(), 0);
  assert.equal(batchExitCode(["not_found"]), 3);
  assert.equal(batchExitCode(["internal"]), 1);
  assert.equal(batchExitCode(["internal", "unavailable"]), 4);
  assert.deepEqual(failureLines(t.failures, 1), ['  line 1: "k0": deadline_exceeded no quorum']);
});
