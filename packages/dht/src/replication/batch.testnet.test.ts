// Batch operations (batch-operations.ts) over real Kademlia routing and the in-memory transport:
// one peer call per replica per batch, each key by the single-key rules, per-key errors.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { createTestnet, type Testnet } from "../testing/testnet.js";
import type { NodeId } from "../types.js";
import { byDistance, sha256Hex } from "./position.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("batch operations on a 10-node testnet (the routing table is the whole network)", () => {
  let net: Testnet;
  before(async () => {
    // Node 9's clock runs 0.5 s behind (within the max clock offset): its writes lose to versions it has not seen.
    net = await createTestnet(10, { clockFor: (i) => (i === 9 ? { now: () => Date.now() - 500 } : undefined) });
    // As a running peer does at join: a confirmed view lets operations skip the lookup.
    await Promise.all(net.nodes.map((n) => n.kademlia.confirmView()));
    for (const n of net.nodes) assert.ok(n.kademlia.wholeNetworkNear(n.self.id, 1), "every view confirmed");
  });
  after(async () => {
    await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
    await net?.stop();
  });

  const closest = (key: string, n: number) => byDistance(net.nodes.map((x) => x.self), sha256Hex(key)).slice(0, n).map((c) => c.id);
  async function holders(key: string): Promise<NodeId[]> {
    const out: NodeId[] = [];
    for (const n of net.nodes) if (await n.store.get(key)) out.push(n.self.id);
    return out.sort();
  }

  test("200 keys: one StoreMany per replica, R copies on the R closest, read back with one FindValueMany per replica", async () => {
    const entries = Array.from({ length: 200 }, (_, i) => ({ key: `batch/${i}`, value: enc(`value ${i}`) }));
    net.network.resetCounters();
    const written = await net.nodes[0]!.coordinator.putMany(entries);
    const sent = net.network.sent;
    assert.equal(written.length, 200);
    for (const [i, w] of written.entries()) {
      assert.equal(w.key, `batch/${i}`);
      assert.ok(w.result, `batch/${i}: ${w.error?.message}`);
      assert.ok(w.result.acknowledgedBy.length >= 2);
    }
    assert.equal(sent.store, 0, "no single-key Store");
    assert.ok(sent.storeMany <= 9, `one StoreMany per peer, got ${sent.storeMany}`);
    await net.nodes[0]!.coordinator.idle();
    for (const e of entries.slice(0, 20)) assert.deepEqual(await holders(e.key), closest(e.key, 3).sort());

    net.network.resetCounters();
    const keys = [...entries.map((e) => e.key), "batch/never-written", "batch/3"];
    const read = await net.nodes[5]!.coordinator.getMany(keys);
    const got = net.network.sent;
    assert.equal(got.findValue, 0, "no single-key FindValue");
    assert.ok(got.findValueMany <= 9, `one FindValueMany per peer, got ${got.findValueMany}`);
    assert.equal(read.length, keys.length);
    for (let i = 0; i < 200; i++) assert.equal(dec(read[i]!.record!.value), `value ${i}`);
    assert.equal(read[200]!.error?.code, "not_found");
    assert.equal(dec(read[201]!.record!.value), "value 3", "a key asked twice is answered twice");
  });

  test("invalid items fail alone, each with its own error; the rest are written", async () => {
    const big = new Uint8Array(net.nodes[0]!.coordinator.options.maxValueBytes + 1);
    const written = await net.nodes[1]!.coordinator.putMany([
      { key: "ok/1", value: enc("a") },
      { key: "", value: enc("empty key") },
      { key: "ok/2", value: big },
      { key: "ok/1", value: enc("again") },
      { key: "ok/3", value: enc("c") },
    ]);
    assert.ok(written[0]!.result);
    assert.equal(written[1]!.error?.code, "invalid_argument");
    assert.equal(written[2]!.error?.code, "resource_exhausted");
    assert.match(written[3]!.error!.message, /same key as item 0/);
    assert.ok(written[4]!.result);
    const read = await net.nodes[2]!.coordinator.getMany(["ok/1", "ok/2", "ok/3", "\u0000".repeat(2000)]);
    assert.equal(dec(read[0]!.record!.value), "a");
    assert.equal(read[1]!.error?.code, "not_found");
    assert.equal(dec(read[2]!.record!.value), "c");
    assert.equal(read[3]!.error?.code, "invalid_argument");
  });

  test("a batch larger than maxBatchKeys is refused whole", async () => {
    const max = net.nodes[0]!.coordinator.options.maxBatchKeys;
    const keys = Array.from({ length: max + 1 }, (_, i) => `k${i}`);
    await assert.rejects(net.nodes[0]!.coordinator.getMany(keys), (e: unknown) => e instanceof DhtError && e.code === "invalid_argument" && /at most 1000/.test(e.message));
  });

  test("a hung replica: its keys fall back to the single-key path and still succeed, never acknowledged by it", async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `hung/${i}`);
    const victim = closest(keys[0]!, 1)[0]!;
    const coordinator = net.nodes.find((n) => n.self.id !== victim)!.coordinator;
    net.network.hang(victim);
    try {
      const written = await coordinator.putMany(keys.map((key) => ({ key, value: enc(key) })));
      for (const w of written) {
        assert.ok(w.result, `${w.key}: ${w.error?.message}`);
        assert.ok(!w.result.acknowledgedBy.includes(victim));
      }
      const read = await coordinator.getMany(keys);
      for (const r of read) assert.equal(dec(r.record!.value), r.key);
    } finally {
      net.network.recover(victim);
    }
  });

  test("a replica holding a newer version: the key is retried above it, as a single put is", async () => {
    const key = "conflict/1";
    await net.nodes[0]!.coordinator.put(key, enc("newer, from a fast clock"));
    const slow = net.nodes[9]!.coordinator;
    const [w] = await slow.putMany([{ key, value: enc("from the slow clock, written after") }]);
    assert.ok(w!.result, w!.error?.message);
    const [r] = await net.nodes[3]!.coordinator.getMany([key]);
    assert.equal(dec(r!.record!.value), "from the slow clock, written after");
  });

  test("deleteMany hides the keys; reads answer NOT_FOUND per key", async () => {
    await net.nodes[4]!.coordinator.putMany([{ key: "del/1", value: enc("x") }, { key: "del/2", value: enc("y") }, { key: "del/keep", value: enc("z") }]);
    const deleted = await net.nodes[6]!.coordinator.deleteMany(["del/1", "del/2", "del/never"]);
    for (const d of deleted) assert.ok(d.result, `${d.key}: ${d.error?.message}`);
    const read = await net.nodes[7]!.coordinator.getMany(["del/1", "del/2", "del/never", "del/keep"]);
    assert.deepEqual(read.map((r) => r.error?.code ?? "found"), ["not_found", "not_found", "not_found", "found"]);
  });
});

describe("batch operations when a replica is full", () => {
  test("its refusals are never acknowledgements: each key still gets W real copies, a spare standing in", async (t) => {
    // Node 2 keeps almost nothing: every StoreMany item it is sent is refused RESOURCE_EXHAUSTED.
    const net = await createTestnet(8, { nodeFor: (i) => (i === 2 ? { records: { recordQuotaBytes: 1 } } : {}) });
    t.after(async () => {
      await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
      await net.stop();
    });
    await Promise.all(net.nodes.map((n) => n.kademlia.confirmView()));
    const full = net.nodes[2]!.self.id;
    const keys = Array.from({ length: 60 }, (_, i) => `full/${i}`);
    const written = await net.nodes[0]!.coordinator.putMany(keys.map((key) => ({ key, value: enc(key) })));
    let onFull = 0;
    for (const w of written) {
      assert.ok(w.result, `${w.key}: ${w.error?.message}`);
      assert.ok(!w.result.acknowledgedBy.includes(full), "a refusal is not an ack");
      if (w.result.replicas.some((c) => c.id === full)) onFull++;
    }
    assert.ok(onFull > 0, "some keys had the full peer among their replicas");
    await net.nodes[0]!.coordinator.idle();
    for (const key of keys) {
      let copies = 0;
      for (const n of net.nodes) if (await n.store.get(key)) copies++;
      assert.ok(copies >= 2, `${key}: ${copies} copies`);
    }
  });
});

describe("batch operations on a 40-node testnet (lookups needed)", () => {
  let net: Testnet;
  before(async () => {
    net = await createTestnet(40);
  });
  after(async () => {
    await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
    await net?.stop();
  });

  test("keys whose replicas need a lookup are still written in one StoreMany per replica, and read back", async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ key: `far/${i}`, value: enc(`v${i}`) }));
    net.network.resetCounters();
    const written = await net.nodes[3]!.coordinator.putMany(entries);
    for (const w of written) assert.ok(w.result, `${w.key}: ${w.error?.message}`);
    assert.ok(net.network.sent.findNode > 0, "lookups ran");
    assert.ok(net.network.sent.storeMany > 0 && net.network.sent.store < 10, `stores batched: ${JSON.stringify(net.network.sent)}`);
    const read = await net.nodes[30]!.coordinator.getMany(entries.map((e) => e.key));
    read.forEach((r, i) => assert.equal(dec(r.record!.value), `v${i}`));
  });
});
