/**
 * Chaos: what faults cost. The same workload (8 clients, 40 keys, 7 local peers from the fleet
 * controller) runs once without faults (the floor of this section, measured in the same run)
 * and once under the nemesis (kill -9 and restart, SIGSTOP, partitions, delays, clock skew);
 * figures are throughput and p99 latency under faults as ratios to the fault-free run,
 * availability under faults, and the checker's anomalies (the target: none).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChaosRun, Fleet, resolveChaosOptions, type ChaosOptions } from "@p2p/fleet";
import { nodeClient, waitFor } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";

const S = "chaos";
const PEERS = 7;

interface RunFigures {
  anomalyLines: string[];
  opsPerSecond: number;
  availability: number;
  p99Ms: number;
  anomalies: number;
  staleDuringFaults: number;
  faults: number;
}

async function runOnce(fleet: Fleet, options: ChaosOptions): Promise<RunFigures> {
  const run = new ChaosRun(fleet, options);
  await run.done;
  const v = run.view();
  if (v.state === "error") throw new Error(`chaos run ${v.id}: ${v.error}`);
  const verdict = JSON.parse(await readFile(join(run.dir, "verdict.json"), "utf8")) as {
    stats: { availability: number | null; latencyMs: { p99: number } | null };
    counts: { staleDuringFaults: number };
    anomalies: unknown[];
  };
  return {
    anomalyLines: v.anomalyLines.slice(0, 5),
    // Load-phase ops only: the heal phase's final reads are not part of the workload.
    opsPerSecond: (v.counts.ops - 2 * options.keys) / options.seconds,
    availability: (verdict.stats.availability ?? 0) * 100,
    p99Ms: verdict.stats.latencyMs?.p99 ?? Number.NaN,
    anomalies: verdict.anomalies.length,
    staleDuringFaults: verdict.counts.staleDuringFaults,
    faults: v.faults.length,
  };
}

export async function runChaos(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const dir = await mkdtemp(join(tmpdir(), "bench-chaos-"));
  const fleet = await Fleet.open({
    dir,
    initialPeers: PEERS,
    peerDefaults: { rpcTimeoutMs: 500, requestTimeoutMs: 3000, repairIntervalMs: 5000, logLevel: "warn" },
  });
  try {
    const peers = fleet.list();
    await waitFor(async () => {
      for (const p of peers) if ((await nodeClient(p.httpAddress).info({})).contacts < PEERS - 1) return false;
      return true;
    }, { timeoutMs: 30_000, what: "full routing tables" });
    const seconds = o.quick ? 20 : 60;
    const base = resolveChaosOptions({ seed: 20261128, seconds, clients: 8, keys: 40 });
    const calm = await runOnce(fleet, { ...base, faults: [] });
    const stormy = await runOnce(fleet, base);
    const figures: Figure[] = [
      figure(S, "throughput without faults", "req/s", [calm.opsPerSecond]),
      figure(S, "throughput under faults", "req/s", [stormy.opsPerSecond]),
      withTarget(figure(S, "throughput under faults / without", "ratio", [stormy.opsPerSecond / calm.opsPerSecond]), "≥ 0.5", (f) => f.value.median >= 0.5),
      withTarget(figure(S, "availability under faults", "%", [stormy.availability]), "≥ 95%", (f) => f.value.median >= 95),
      figure(S, "p99 latency without faults", "ms", [calm.p99Ms]),
      withTarget(figure(S, "p99 latency under faults / without", "ratio", [stormy.p99Ms / calm.p99Ms]), "≤ 20×", (f) => f.value.median <= 20),
      withTarget(figure(S, "anomalies (checker)", "count", [calm.anomalies + stormy.anomalies]), "0", (f) => f.value.median === 0),
      figure(S, "stale reads during faults (allowed)", "count", [stormy.staleDuringFaults]),
    ];
    return {
      section: S,
      status: "ok",
      figures,
      notes: [
        ...calm.anomalyLines.map((l) => `anomaly without faults: ${l}`),
        ...stormy.anomalyLines.map((l) => `anomaly under faults: ${l}`),
        `${PEERS} fleet peers (rpc 500 ms, request 3 s, repair 5 s), 8 clients, 40 keys, seed ${base.seed}, ${seconds} s without faults then ${seconds} s with ${stormy.faults} faults (${base.faults.join(", ")}); one repetition each (a chaos run is its own average over thousands of ops).`,
      ],
    };
  } finally {
    await fleet.close();
    // Kept when something was found: the histories are the evidence.
    if (!process.env.P2P_BENCH_KEEP) await rm(dir, { recursive: true, force: true });
    else console.error(`bench: chaos runs kept in ${dir}`);
  }
}
