import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { sortByDistance } from "../kademlia/node-id.js";
import { buildConvergedNetwork } from "./converged-network.js";
import { seededRandom } from "./seeded-random.js";
import { runSimulation, type SimulationReport } from "./simulation.js";

/** The report without wall-clock and memory figures, which vary between runs. */
function deterministicPart(r: SimulationReport) {
  const { buildMs: _b, totalMs: _t, heapBytesPerNode: _h, lookups, ...rest } = r;
  const { ms: _m, ...lookupFigures } = lookups;
  return { ...rest, lookups: lookupFigures };
}

describe("seededRandom", () => {
  test("same seed, same sequence; different seed, different sequence", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const sa = Array.from({ length: 5 }, () => a.nodeId());
    assert.deepEqual(sa, Array.from({ length: 5 }, () => b.nodeId()));
    assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.nodeId()));
    assert.match(sa[0]!, /^[0-9a-f]{64}$/);
  });

  test("sample returns distinct indices in range", () => {
    const r = seededRandom("s");
    const s = r.sample(50, 20);
    assert.equal(new Set(s).size, 20);
    assert.ok(s.every((i) => Number.isInteger(i) && i >= 0 && i < 50));
    assert.deepEqual([...r.sample(5, 9)].sort(), [0, 1, 2, 3, 4]);
  });
});

describe("buildConvergedNetwork", () => {
  test("every node knows its true k closest nodes and someone in each non-empty bucket", async () => {
    const net = buildConvergedNetwork({ nodes: 150, seed: 3, k: 8 });
    try {
      const all = net.nodes.map((n) => n.self);
      for (const node of net.nodes.slice(0, 30)) {
        const others = all.filter((c) => c.id !== node.self.id);
        const truth = sortByDistance(node.self.id, others).slice(0, 8).map((c) => c.id);
        const known = node.kademlia.closestKnown(node.self.id, 8).map((c) => c.id);
        assert.deepEqual(known, truth, `neighbours of ${node.self.id.slice(0, 8)}`);
        const buckets = new Set(node.kademlia.routingTable.buckets().filter((b) => b.contacts.length).map((b) => b.index));
        for (const c of others) {
          const idx = node.kademlia.routingTable.indexOf(c.id)!;
          assert.ok(buckets.has(idx), `bucket ${idx} of ${node.self.id.slice(0, 8)} is empty`);
        }
      }
    } finally {
      await net.stop();
    }
  });
});

describe("runSimulation (small)", () => {
  test("lookups converge in few hops, gets succeed with no failures, results depend only on the seed", async () => {
    const options = { nodes: 200, seed: 42, lookups: 60, records: 60, failureFractions: [0.3], concurrency: 16 };
    const first = await runSimulation(options);
    assert.equal(first.nodes, 200);
    assert.equal(first.lookups.failed, 0);
    assert.ok(first.lookups.hops.median >= 1 && first.lookups.hops.p99 <= 6, `hops ${JSON.stringify(first.lookups.hops)}`);
    assert.ok(first.lookups.messages.median >= 1);
    assert.equal(first.puts.succeeded, 60);
    const [healthy, degraded] = first.gets;
    assert.equal(healthy!.failedFraction, 0);
    assert.equal(healthy!.successRate, 1, `errors: ${JSON.stringify(healthy!.errors)}`);
    assert.equal(degraded!.failedFraction, 0.3);
    // With R = 3 and no repair, a record is lost only when all its holders failed (0.3³ ≈ 3%).
    assert.ok(degraded!.successRate >= 0.8, `success with 30% failed: ${degraded!.successRate}`);

    const second = await runSimulation(options);
    assert.deepEqual(deterministicPart(second), deterministicPart(first));
  });
});
