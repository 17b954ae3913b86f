/**
 * How long one dashboard snapshot takes against a real fleet:
 *   node --conditions=source --import tsx apps/dashboard/scripts/snapshot-bench.ts [peers=5] [records=200] [polls=10]
 * Starts a fleet controller with `peers` real peers, stores `records` keys through them,
 * then times `polls` snapshots (the same collector the dashboard's server uses) and prints
 * JSON. Stops the fleet at the end, also on failure.
 */
import { SnapshotCollector } from "../lib/snapshot";
import { nodeClient } from "../lib/clients";
import { mapWithConcurrency } from "../lib/pool";
import { startFleet } from "../tests/fleet";
import { loadavg } from "node:os";
import { waitFor } from "../tests/harness";

const [peers = 5, records = 200, polls = 10] = process.argv.slice(2).map(Number);
const fleet = await startFleet(peers!, 300_000);
try {
  const collector = new SnapshotCollector({ fleetUrl: fleet.url, fleetToken: fleet.token });
  // Suspect peers (one missed deadline on a busy machine) still count: they are live holders.
  const live = await waitFor("every peer live", async () => {
    const s = await collector.poll();
    const up = s.peers.filter((p) => p.status !== "down");
    return up.length === peers ? up : undefined;
  }, 300_000, 500);
  await mapWithConcurrency(Array.from({ length: records! }, (_, i) => i), 8, async (i) => {
    const via = live[i % live.length]!;
    await nodeClient(via.httpAddress).put({ key: `bench-${i}`, value: `value-${i}` }, { timeoutMs: 10_000 });
  });
  const times: number[] = [];
  let last;
  for (let i = 0; i < polls!; i++) {
    last = await collector.poll();
    times.push(last.buildMs);
    await new Promise((r) => setTimeout(r, 1000));
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({
    peers, records, polls,
    medianMs: times[Math.floor(times.length / 2)], p95Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))], maxMs: times.at(-1),
    loadAverage1m: Number(loadavg()[0]!.toFixed(1)),
    peersUp: last!.peers.filter((p) => p.status === "up").length, recordsSeen: last!.replication.records, verdict: last!.replication.verdict,
  }));
} finally {
  await fleet.stop();
}
