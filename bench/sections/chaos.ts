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
import { waitForFullTables } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";

const S = "chaos";
const PEERS = 7;

interface RunFigures {
  anomalyLines: string[];
  /** Error rate (fail + unknown) of operations that overlapped a fault, %. */
  errorRateDuringFaults: number;
  p99DuringFaultsMs: number;
  /** Heal phase: faults ended until repair found nothing under-replicated (then final reads). */
  restoreSeconds: number;
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
    stats: { availability: number | null; latencyMs: { p99: number } | null; availabilityDuringFaults: number | null; latencyDuringFaultsMs: { p99: number } | null };
    counts: { staleDuringFaults: number };
    anomalies: unknown[];
  };
  const phases = new Map<string, number>();
  for (const line of (await readFile(v.historyPath, "utf8")).split("\n")) {
    if (!line.includes('"type":"phase"')) continue;
    const p = JSON.parse(line) as { name: string; at: number };
    phases.set(p.name, p.at);
  }
  return {
    anomalyLines: v.anomalyLines.slice(0, 5),
    errorRateDuringFaults: verdict.stats.availabilityDuringFaults === null ? 0 : (1 - verdict.stats.availabilityDuringFaults) * 100,
    p99DuringFaultsMs: verdict.stats.latencyDuringFaultsMs?.p99 ?? Number.NaN,
    restoreSeconds: ((phases.get("final-reads") ?? 0) - (phases.get("heal") ?? 0)) / 1000,
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
    await waitForFullTables(fleet.list().map((p) => p.httpAddress));
    const seconds = o.quick ? 20 : 60;
    // Several seeds in a full run: each is its own schedule of faults.
    const seeds = o.quick ? [20261128] : [20261128, 1, 2];
    const calm = await runOnce(fleet, { ...resolveChaosOptions({ seed: seeds[0]!, seconds, clients: 8, keys: 40 }), faults: [] });
    const stormy: RunFigures[] = [];
    for (const seed of seeds) stormy.push(await runOnce(fleet, resolveChaosOptions({ seed, seconds, clients: 8, keys: 40 })));
    const all = (pick: (r: RunFigures) => number) => stormy.map(pick);
    const figures: Figure[] = [
      figure(S, "throughput without faults", "req/s", [calm.opsPerSecond]),
      figure(S, "throughput under faults", "req/s", all((r) => r.opsPerSecond)),
      withTarget(figure(S, "throughput under faults / without", "ratio", all((r) => r.opsPerSecond / calm.opsPerSecond)), "≥ 0.5", (f) => f.value.median >= 0.5),
      withTarget(figure(S, "availability under faults", "%", all((r) => r.availability)), "≥ 95%", (f) => f.value.median >= 95),
      figure(S, "error rate of operations during faults", "%", all((r) => r.errorRateDuringFaults)),
      figure(S, "p99 latency without faults", "ms", [calm.p99Ms]),
      figure(S, "p99 latency during faults", "ms", all((r) => r.p99DuringFaultsMs)),
      withTarget(figure(S, "p99 latency under faults / without", "ratio", all((r) => r.p99Ms / calm.p99Ms)), "≤ 20×", (f) => f.value.median <= 20),
      figure(S, "restore R copies after healing", "s", all((r) => r.restoreSeconds)),
      withTarget(figure(S, "anomalies (checker)", "count", [calm.anomalies, ...all((r) => r.anomalies)]), "0", (f) => f.value.max === 0),
      figure(S, "stale reads during faults (allowed)", "count", all((r) => r.staleDuringFaults)),
    ];
    const base = resolveChaosOptions({ seed: seeds[0]!, seconds });
    return {
      section: S,
      status: "ok",
      figures,
      notes: [
        ...calm.anomalyLines.map((l) => `anomaly without faults: ${l}`),
        ...stormy.flatMap((r, i) => r.anomalyLines.map((l) => `anomaly under faults (seed ${seeds[i]}): ${l}`)),
        `${PEERS} fleet peers (rpc 500 ms, request 3 s, repair 5 s), 8 clients, 40 keys; ${seconds} s without faults, then ${seconds} s under faults for each seed (${seeds.join(", ")}: ${stormy.map((r) => r.faults).join(", ")} faults of ${base.faults.join(", ")}). Under-fault figures are over the seeds.`,
      ],
    };
  } finally {
    await fleet.close();
    // Kept when something was found: the histories are the evidence.
    if (!process.env.P2P_BENCH_KEEP) await rm(dir, { recursive: true, force: true });
    else console.error(`bench: chaos runs kept in ${dir}`);
  }
}
