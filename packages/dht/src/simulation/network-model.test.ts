import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DhtError } from "../errors.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { unimplementedHandler, type PeerRpcHandler, type Transport } from "../rpc/peer-rpc.js";
import { MemoryNetwork } from "../transport/memory.js";
import type { Contact } from "../types.js";
import { NetworkModel } from "./network-model.js";
import { percentile } from "./simulation.js";
import { VirtualClock } from "./virtual-clock.js";

const contact = (i: number): Contact => ({ id: sha256Hex(`wan${i}`), address: `mem:${i}`, httpAddress: "" });

/** A network of `n` nodes that answer pings, over `model`; returns each node's transport. */
function pingNetwork(model: NetworkModel, n: number): Transport[] {
  const net = new MemoryNetwork({ messageFate: model.fate });
  const handler: PeerRpcHandler = { ...unimplementedHandler(), onPing: async () => {} };
  return Array.from({ length: n }, (_, i) => net.attach(contact(i), handler));
}

/** Pings `to` from `t` and answers how it ended and after how much virtual time. */
async function timedPing(time: VirtualClock, t: Transport, to: Contact, timeoutMs = 1000): Promise<{ code: string; ms: number }> {
  const t0 = time.now;
  try {
    await t.ping(to, { timeoutMs });
    return { code: "ok", ms: time.now - t0 };
  } catch (err) {
    return { code: DhtError.from(err).code, ms: time.now - t0 };
  }
}

describe("NetworkModel latency", () => {
  test("a link's RTT depends only on the seed and the pair, the same both ways", () => {
    const a = new NetworkModel({ seed: 1 });
    const b = new NetworkModel({ seed: 1 });
    const c = new NetworkModel({ seed: 2 });
    const [x, y] = [contact(1).id, contact(2).id];
    assert.equal(a.rttMs(x, y), b.rttMs(x, y));
    assert.equal(a.rttMs(x, y), a.rttMs(y, x));
    assert.notEqual(a.rttMs(x, y), c.rttMs(x, y));
  });

  test("RTTs over links have the stated median (80 ms) and p99 (300 ms)", () => {
    const model = new NetworkModel({ seed: "percentiles" });
    const ids = Array.from({ length: 400 }, (_, i) => contact(i).id);
    const rtts: number[] = [];
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) rtts.push(model.rttMs(ids[i]!, ids[j]!));
    rtts.sort((p, q) => p - q);
    const p50 = percentile(rtts, 0.5);
    const p99 = percentile(rtts, 0.99);
    assert.ok(Math.abs(p50 - 80) < 80 * 0.03, `p50 ${p50}`);
    assert.ok(Math.abs(p99 - 300) < 300 * 0.05, `p99 ${p99}`);
    assert.match(model.describe(), /median 80 ms, p99 300 ms/);
  });

  test("a call takes the link's RTT in virtual time (two one-way trips)", async () => {
    const model = new NetworkModel({ seed: 5 });
    const nodes = pingNetwork(model, 3);
    const time = new VirtualClock();
    const r = await time.run(() => timedPing(time, nodes[0]!, contact(2)));
    assert.equal(r.code, "ok");
    assert.ok(Math.abs(r.ms - model.rttMs(contact(0).id, contact(2).id)) < 1e-9, `${r.ms}`);
  });
});

describe("NetworkModel loss", () => {
  test("messages are lost at close to the set rate; a lost call ends at the caller's deadline", async () => {
    const model = new NetworkModel({ seed: "loss", loss: 0.05 });
    const nodes = pingNetwork(model, 20);
    const time = new VirtualClock();
    const calls = 4000;
    const results = await time.run(() =>
      Promise.all(Array.from({ length: calls }, (_, i) => timedPing(time, nodes[i % 20]!, contact((i * 7 + 1) % 20), 1000))),
    );
    const { delivered, lost } = model.counts;
    const rate = lost / (delivered + lost);
    assert.ok(Math.abs(rate - 0.05) < 0.01, `message loss ${rate}`);
    const failed = results.filter((r) => r.code !== "ok");
    // A call needs its request and its reply: it fails with probability 1 − 0.95² ≈ 9.75%.
    assert.ok(Math.abs(failed.length / calls - 0.0975) < 0.015, `call failures ${failed.length / calls}`);
    assert.ok(failed.every((r) => r.code === "deadline_exceeded" && r.ms === 1000), "every lost call ends at its 1000 ms deadline");
    assert.ok(results.filter((r) => r.code === "ok").every((r) => r.ms < 1000));
  });

  test("the same seed loses the same messages", async () => {
    const outcome = async () => {
      const model = new NetworkModel({ seed: "same", loss: 0.2 });
      const nodes = pingNetwork(model, 10);
      const time = new VirtualClock();
      return time.run(() => Promise.all(Array.from({ length: 200 }, (_, i) => timedPing(time, nodes[i % 10]!, contact((i + 3) % 10)))));
    };
    assert.deepEqual(await outcome(), await outcome());
  });
});

describe("NetworkModel partitions", () => {
  test("calls across a partition time out both ways; calls within a side go through; heal() restores", async () => {
    const model = new NetworkModel({ seed: "cut" });
    const nodes = pingNetwork(model, 4);
    const time = new VirtualClock();
    await time.run(async () => {
      model.partition([[contact(0).id, contact(1).id]]); // {0, 1} | {2, 3}
      assert.deepEqual(await timedPing(time, nodes[0]!, contact(2), 500), { code: "deadline_exceeded", ms: 500 });
      assert.deepEqual(await timedPing(time, nodes[3]!, contact(1), 500), { code: "deadline_exceeded", ms: 500 });
      assert.equal((await timedPing(time, nodes[0]!, contact(1))).code, "ok");
      assert.equal((await timedPing(time, nodes[2]!, contact(3))).code, "ok");
      assert.equal(model.counts.cut, 2);
      model.heal();
      assert.equal((await timedPing(time, nodes[0]!, contact(2))).code, "ok");
      assert.equal((await timedPing(time, nodes[3]!, contact(1))).code, "ok");
    });
  });
});
