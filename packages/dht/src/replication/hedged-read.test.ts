// Hedged reads (quorum-read.ts): a replica slower than its usual latency gets the next replica
// asked beside it, and the rules of what a read may answer stay as they are.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { createTestnet, type Testnet } from "../testing/testnet.js";
import { byDistance, sha256Hex } from "./position.js";
import { HedgeBudget, PeerLatency } from "./peer-latency.js";

const enc = (s: string) => new TextEncoder().encode(s);
const RPC_TIMEOUT_MS = 2000;

async function network(hedgeReads: boolean): Promise<Testnet> {
  const net = await createTestnet(6, {
    node: { replication: { rpcTimeoutMs: RPC_TIMEOUT_MS, requestTimeoutMs: 15_000, hedgeReads, hedgeMaxMs: 50 }, kademlia: { rpcTimeoutMs: RPC_TIMEOUT_MS } },
  });
  await Promise.all(net.nodes.map((n) => n.kademlia.confirmView()));
  return net;
}

/** The key's replicas in the order a read asks them, and a coordinator that is none of them. */
function roles(net: Testnet, key: string) {
  const replicas = byDistance(net.nodes.map((n) => n.self), sha256Hex(key)).slice(0, 3);
  const reader = net.nodes.find((n) => !replicas.some((r) => r.id === n.self.id))!;
  return { replicas, reader };
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; value?: T; error?: DhtError }> {
  const t = performance.now();
  try {
    const value = await work;
    return { ms: performance.now() - t, value };
  } catch (err) {
    return { ms: performance.now() - t, error: DhtError.from(err) };
  }
}

describe("hedged reads", () => {
  const nets: Testnet[] = [];
  after(async () => {
    for (const n of nets) {
      await Promise.all(n.nodes.map((x) => x.coordinator.idle()));
      await n.stop();
    }
  });

  test("the first replica asked hangs: with hedging the read answers by the third, long before the call's deadline; without, it waits for the deadline", async () => {
    for (const hedge of [true, false]) {
      const net = await network(hedge);
      nets.push(net);
      const key = "hedge/value";
      await net.nodes[0]!.coordinator.put(key, enc("v"));
      await net.nodes[0]!.coordinator.idle();
      const { replicas, reader } = roles(net, key);
      net.network.hang(replicas[0]!.id);
      const got = await timed(reader.coordinator.get(key));
      net.network.recover(replicas[0]!.id);
      assert.equal(new TextDecoder().decode(got.value!.record.value), "v");
      if (hedge) assert.ok(got.ms < RPC_TIMEOUT_MS / 2, `hedged: ${got.ms.toFixed(0)} ms`);
      else assert.ok(got.ms >= RPC_TIMEOUT_MS * 0.9, `not hedged: ${got.ms.toFixed(0)} ms`);
    }
  });

  test("a batch read with a replica hung: with hedging its keys go one by one once it is stuck, long before the batch call's deadline; without, they wait for it", async () => {
    for (const hedge of [true, false]) {
      const net = await network(hedge);
      nets.push(net);
      const reader = net.nodes[0]!;
      // 30 keys the reader does not hold, all with the same closest peer (asked first): it hangs.
      const byClosest = new Map<string, string[]>();
      for (let i = 0; i < 2000; i++) {
        const replicas = byDistance(net.nodes.map((n) => n.self), sha256Hex(`batch-hedge/${i}`)).slice(0, 3);
        if (replicas.some((r) => r.id === reader.self.id)) continue;
        byClosest.set(replicas[0]!.id, [...(byClosest.get(replicas[0]!.id) ?? []), `batch-hedge/${i}`]);
      }
      const [hungId, candidates] = [...byClosest].sort((a, b) => b[1].length - a[1].length)[0]!;
      const hung = net.node(hungId);
      const keys = candidates.slice(0, 30);
      assert.equal(keys.length, 30);
      await reader.coordinator.putMany(keys.map((key) => ({ key, value: enc(key) })));
      await Promise.all(net.nodes.map((n) => n.coordinator.idle()));
      net.network.hang(hung.self.id);
      const got = await timed(reader.coordinator.getMany(keys));
      net.network.recover(hung.self.id);
      assert.deepEqual(got.value!.map((o) => ("record" in o && o.record ? new TextDecoder().decode(o.record.value) : o)), keys);
      if (hedge) assert.ok(got.ms < RPC_TIMEOUT_MS / 2, `hedged: ${got.ms.toFixed(0)} ms`);
      else assert.ok(got.ms >= RPC_TIMEOUT_MS * 0.9, `not hedged: ${got.ms.toFixed(0)} ms`);
    }
  });

  test("a key never written, one replica hung: NOT_FOUND from two of the R closest, quickly", async () => {
    const net = await network(true);
    nets.push(net);
    const key = "hedge/missing";
    const { replicas, reader } = roles(net, key);
    net.network.hang(replicas[0]!.id);
    const got = await timed(reader.coordinator.get(key));
    net.network.recover(replicas[0]!.id);
    assert.equal(got.error?.code, "not_found");
    assert.ok(got.ms < RPC_TIMEOUT_MS / 2, `${got.ms.toFixed(0)} ms`);
  });

  test("two replicas hung: a hedge never turns their silence into NOT_FOUND; the read is UNAVAILABLE", async () => {
    const net = await network(true);
    nets.push(net);
    const key = "hedge/two-silent";
    const { replicas, reader } = roles(net, key);
    net.network.hang(replicas[0]!.id);
    net.network.hang(replicas[1]!.id);
    const got = await timed(reader.coordinator.get(key));
    net.network.recover(replicas[0]!.id);
    net.network.recover(replicas[1]!.id);
    assert.equal(got.error?.code, "unavailable", got.error?.message);
  });
});

test("a hedge never lets two empty replicas answer NOT_FOUND while the slower one that holds the key is merely slow", async () => {
  // R-1 holders lost at once: of the key's replicas now, only the closest holds it, and the two
  // others (new replicas, not yet repaired) hold nothing. The holder answers in ~20 ms, slower
  // than its usual ~0 ms, so the read hedges; the two empty answers must not settle it as
  // "not found" before the holder, which is slow, not stuck (PeerLatency.stuckAfter: 200 ms).
  let slow: string | undefined;
  const net = await createTestnet(6, {
    network: { latencyMs: (from, to) => (slow !== undefined && (from.id === slow || to.id === slow) ? 10 : 0) },
    node: { replication: { rpcTimeoutMs: RPC_TIMEOUT_MS, requestTimeoutMs: 15_000, hedgeReads: true, hedgeMaxMs: 200 }, kademlia: { rpcTimeoutMs: RPC_TIMEOUT_MS } },
  });
  try {
    await Promise.all(net.nodes.map((n) => n.kademlia.confirmView()));
    const key = "hedge/last-copy";
    const { replicas, reader } = roles(net, key);
    await reader.coordinator.put(key, enc("v"));
    await reader.coordinator.idle();
    for (let i = 0; i < 12; i++) await reader.coordinator.get(key); // every replica's latency known: ~0 ms
    for (const r of replicas.slice(1)) await net.nodes.find((n) => n.self.id === r.id)!.store.remove(key);
    slow = replicas[0]!.id;
    const got = await timed(reader.coordinator.get(key));
    assert.equal(got.error, undefined, got.error?.message);
    assert.equal(new TextDecoder().decode(got.value!.record.value), "v");
  } finally {
    await Promise.all(net.nodes.map((x) => x.coordinator.idle()));
    await net.stop();
  }
});

test("PeerLatency: the percentile of a peer's recent reads within [min, max]; max until it has samples; bounded", () => {
  const l = new PeerLatency(2);
  const s = { enabled: true, percentile: 90, minMs: 5, maxMs: 250 };
  assert.equal(l.hedgeDelay("a", s), 250, "no samples: the longest wait");
  for (let i = 1; i <= 10; i++) l.record("a", i * 10);
  assert.equal(l.hedgeDelay("a", s), 100);
  for (let i = 0; i < 10; i++) l.record("b", 1);
  assert.equal(l.hedgeDelay("b", s), 5, "never below the minimum");
  for (let i = 0; i < 10; i++) l.record("c", 1000);
  assert.equal(l.hedgeDelay("c", s), 250, "never above the maximum");
  assert.equal(l.size, 2, "the least recently used peer is forgotten");
  assert.equal(l.hedgeDelay("a", s), 250);
});

test("PeerLatency.stuckAfter: maxMs until a peer has samples, then 4x its percentile when that is longer", () => {
  const l = new PeerLatency();
  const s = { enabled: true, percentile: 90, minMs: 5, maxMs: 250 };
  assert.equal(l.stuckAfter("a", s), 250);
  for (let i = 0; i < 10; i++) l.record("a", 2);
  assert.equal(l.stuckAfter("a", s), 250, "a fast peer: silent for maxMs is stuck");
  for (let i = 0; i < 10; i++) l.record("b", 400);
  assert.equal(l.stuckAfter("b", s), 1600, "a loaded peer: only four times its usual latency is stuck");
});

test("over budget, replicas that are all slow (loaded, not stuck) are not hedged once their latency is known", async () => {
  // 45 ms each way: every read takes ~90 ms, past hedgeMaxMs (50). With no budget, a hedge is
  // only for a stuck replica; a flat hedgeMaxMs rule asked a third replica in every read.
  const net = await createTestnet(6, {
    network: { latencyMs: 45 },
    node: { replication: { rpcTimeoutMs: RPC_TIMEOUT_MS, requestTimeoutMs: 15_000, hedgeReads: true, hedgeMaxMs: 50, hedgeBudgetPercent: 0 }, kademlia: { rpcTimeoutMs: RPC_TIMEOUT_MS } },
  });
  try {
    await Promise.all(net.nodes.map((n) => n.kademlia.confirmView()));
    const key = "loaded/replicas";
    const { reader } = roles(net, key);
    await reader.coordinator.put(key, enc("v"));
    // Warm up: each replica's latency becomes known (8 answers).
    for (let i = 0; i < 12; i++) await reader.coordinator.get(key);
    net.network.resetCounters();
    for (let i = 0; i < 10; i++) await reader.coordinator.get(key);
    assert.equal(net.network.sent.findValue, 20, "two replicas asked per read, never a third");
  } finally {
    await Promise.all(net.nodes.map((x) => x.coordinator.idle()));
    await net.stop();
  }
});

test("HedgeBudget: a burst of 10, then one hedge per 10 reads at 10%; 0% never hedges", () => {
  const b = new HedgeBudget(0.1);
  let hedged = 0;
  for (let i = 0; i < 200; i++) {
    b.read();
    if (b.take()) hedged++;
  }
  assert.ok(hedged >= 28 && hedged <= 31, `${hedged} hedges in 200 reads`);
  const none = new HedgeBudget(0, 0);
  none.read();
  assert.equal(none.take(), false);
});
