/**
 * Hedged reads: get latency through one peer of 5 with every peer up, then with one replica
 * holder paused (SIGSTOP, as a stuck process or a long GC pause), once with hedging off and
 * once on (P2P_HEDGE_READS). A paused replica costs an unhedged read the call's whole deadline
 * (2 s); a hedged one asks the next replica after that replica's usual latency.
 */
import { nodeClient, startNetwork, waitFor, type Network } from "@p2p/launcher";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import { sequentialLatency } from "../lib/load.js";
import type { BenchOptions } from "../lib/options.js";
import { scrape, sum } from "../lib/prom.js";
import { latencyPercentiles } from "../lib/stats.js";

const S = "hedge";

async function measure(hedge: boolean, calls: number): Promise<{ up: number[]; paused: number[]; hedges: number }> {
  const net: Network = await startNetwork(5, { concurrency: 4, peer: { env: { P2P_HEDGE_READS: hedge ? "1" : "0" } } });
  const paused = net.peers[3]!;
  try {
    const infos = net.peers.map((p) => nodeClient(p.httpAddress!, { binary: true }));
    await waitFor(async () => (await Promise.all(infos.map((c) => c.info({})))).every((i) => i.contacts >= 4), { timeoutMs: 60_000, what: "5 peers to know each other" });
    const addr = net.peers[1]!.httpAddress!;
    const client = nodeClient(addr, { binary: true, timeoutMs: 10_000 });
    const keys = Array.from({ length: 100 }, (_, i) => `hedge-${i}`);
    for (const key of keys) await client.put({ key, value: "x".repeat(100) });
    // Warm-up: the coordinator learns each replica's usual latency.
    await sequentialLatency((i) => client.get({ key: keys[i % keys.length]! }), 200);
    const up = latencyPercentiles(await sequentialLatency((i) => client.get({ key: keys[i % keys.length]! }), calls));
    const before = sum(await scrape(addr), "p2p_node_events_total", { event: "read_hedged" });
    process.kill(paused.pid, "SIGSTOP");
    let down: { p50: number; p95: number; p99: number };
    try {
      down = latencyPercentiles(await sequentialLatency((i) => client.get({ key: keys[i % keys.length]! }), calls));
    } finally {
      process.kill(paused.pid, "SIGCONT");
    }
    const hedges = sum(await scrape(addr), "p2p_node_events_total", { event: "read_hedged" }) - before;
    return { up: [up.p50, up.p99], paused: [down.p50, down.p99], hedges };
  } finally {
    await net.stop();
  }
}

export async function runHedge(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const calls = o.quick ? 100 : 300;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const hedge of [false, true]) results[hedge ? "on" : "off"] = await measure(hedge, calls);
  for (const mode of ["off", "on"] as const) {
    const r = results[mode]!;
    figures.push(
      figure(S, `hedging ${mode}: get p50, all peers up`, "ms", [r.up[0]!]),
      figure(S, `hedging ${mode}: get p99, all peers up`, "ms", [r.up[1]!]),
      figure(S, `hedging ${mode}: get p50, one replica paused`, "ms", [r.paused[0]!]),
    );
    const p99 = figure(S, `hedging ${mode}: get p99, one replica paused`, "ms", [r.paused[1]!]);
    figures.push(mode === "on" ? withTarget(p99, "≤ 3× p99 with all peers up", (f) => f.value.median <= 3 * r.up[1]!) : p99);
    notes.push(`hedging ${mode}: ${r.hedges} reads hedged out of ${calls} with the replica paused`);
  }
  notes.push(`5 peers, R=3, Rq=2, rpc deadline 2 s, ${calls} sequential gets of 100 keys through one peer; peer 3 (a replica of ~60% of the keys) SIGSTOPped`);
  return { section: S, status: "ok", figures, notes };
}
