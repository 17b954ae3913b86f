import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runWanSimulation, type WanSimulationReport } from "./wan-simulation.js";

/** The report without wall-clock figures. */
function modelled(r: WanSimulationReport) {
  const { buildMs: _b, wallMs: _w, ...rest } = r;
  return rest;
}

describe("runWanSimulation (small)", () => {
  test("lookups and gets in modelled WAN time, loss rounds, the same figures from the same seed", async () => {
    const options = { nodes: 100, seed: "wan-test", lookups: 20, records: 20, lossRates: [0, 0.05] };
    const first = await runWanSimulation(options);
    const [clean, lossy] = first.rounds;
    assert.equal(clean!.loss, 0);
    assert.equal(clean!.messages.lost, 0);
    assert.equal(clean!.lookups.timeoutsPerLookup, 0);
    assert.equal(clean!.lookups.foundClosest, 1);
    assert.equal(clean!.gets.successRate, 1, JSON.stringify(clean!.gets.errors));
    // A lookup is at least one round trip of a few tens of ms and, with no loss, far below a deadline.
    assert.ok(clean!.lookups.ms.median > 20 && clean!.lookups.ms.p99 < 2000, JSON.stringify(clean!.lookups.ms));
    assert.ok(lossy!.messages.lost > 0);
    assert.ok(lossy!.lookups.timeoutsPerLookup > 0);
    assert.ok(lossy!.gets.successRate >= 0.9, `get success at 5% loss: ${lossy!.gets.successRate}`);
    assert.deepEqual(modelled(await runWanSimulation(options)), modelled(first));
  });
});
