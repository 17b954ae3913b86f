/**
 * Simulation: the real Kademlia and replication code over the in-memory network, one child
 * process per size (so memory is measured cleanly and a size that does not fit cannot take the
 * bench down with it). Deterministic given the seed.
 */
import { measureRepeatedOperations, type SimulationReport } from "@p2p/dht";
import { startBenchChild } from "../lib/child.js";
import { figure, withTarget, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";

const S = "simulation";
const SEED = "bench-1";

/** Runs one size; undefined (with a note) when it did not finish within `limitMs`. */
async function runSize(nodes: number, limitMs: number, notes: string[], r = 3, w = 2): Promise<SimulationReport | undefined> {
  const ops = nodes >= 100_000 ? 500 : 1000;
  // ~40 KiB of heap per node measured at 1,000 and 10,000 nodes; leave room for the workload.
  const heapMiB = Math.max(1024, Math.ceil((nodes * 80 * 1024) / 2 ** 20));
  const child = startBenchChild("sections/simulation-worker.ts", ["--nodes", String(nodes), "--seed", SEED, "--lookups", String(ops), "--records", String(ops), "--replication-factor", String(r), "--write-quorum", String(w)], [
    "--expose-gc",
    `--max-old-space-size=${heapMiB}`,
  ]);
  let timer: NodeJS.Timeout | undefined;
  try {
    const over = new Promise<"timeout">((res) => (timer = setTimeout(() => res("timeout"), limitMs)));
    const first = await Promise.race([child.first, over]).catch((err: Error) => err);
    if (first === "timeout") {
      notes.push(`${nodes} nodes: did not finish within ${limitMs / 1000} s; stopped.`);
      return undefined;
    }
    if (first instanceof Error) {
      notes.push(`${nodes} nodes: worker failed (${first.message}; likely out of memory with a ${heapMiB} MiB heap).`);
      return undefined;
    }
    notes.push(`${nodes} nodes${r === 3 ? "" : `, R=${r}`}: worker RSS ${Math.round(Number(first.rssBytes) / 2 ** 20)} MiB.`);
    return first.report as SimulationReport;
  } finally {
    clearTimeout(timer);
    await child.stop();
  }
}

/**
 * With R = 3 and no repair, a record is lost when its 3 holders are among the failed nodes:
 * 0.3³ = 2.7% of records at 30% failed, so the ≥ 99% target cannot be met by R = 3 at all.
 * The same 10,000-node network with R = 4 (W = 3, Rq = 2, so W + Rq > R still) shows what
 * meeting it costs: a third more copies (0.3⁴ = 0.8% lost).
 */
async function whatIfFourReplicas(figures: Figure[], notes: string[]): Promise<void> {
  const report = await runSize(10_000, 5 * 60_000, notes, 4, 3);
  if (!report) return;
  for (const g of report.gets) {
    if (g.failedFraction === 0) continue;
    const pct = Math.round(g.failedFraction * 100);
    figures.push(
      figure(S, `10,000 nodes, R=4 W=3 (what-if): get success, ${pct}% nodes failed`, "%", [g.successRate * 100]),
      figure(S, `10,000 nodes, R=4 W=3 (what-if): messages per get, ${pct}% failed`, "msgs", [g.messagesPerGet]),
    );
  }
  figures.push(figure(S, "10,000 nodes, R=4 W=3 (what-if): messages per put", "msgs", [report.puts.messagesPerPut]));
}

/**
 * Operations at 50 and 100 nodes once five coordinators have warmed up, on a testnet of real
 * joins (in process, a few seconds), with the neighbourhood cache and without it: there the
 * routing table is no longer the whole network, and the cache of recent lookups' regions lets
 * a get go straight to its replicas (replication/cached-replicas.ts).
 */
async function repeatedOperations(figures: Figure[], notes: string[]): Promise<void> {
  for (const nodes of [50, 100]) {
    const on = await measureRepeatedOperations({ nodes });
    const off = await measureRepeatedOperations({ nodes, cache: false });
    const at = `${nodes} nodes, warmed up`;
    let get = figure(S, `${at}: peer RPCs per get`, "msgs", [on.getRpcs]);
    if (nodes === 50) get = withTarget(get, "≤ 2.5 RPCs per get at 50 peers", (f) => f.value.median <= 2.5);
    figures.push(
      get,
      figure(S, `${at}: peer RPCs per put`, "msgs", [on.putRpcs]),
      figure(S, `${at}: lookups per get`, "count", [on.lookupsPerGet]),
      figure(S, `${at}: lookup hops per get`, "hops", [on.lookupsPerGet * on.hopsPerLookup]),
      figure(S, `${at}, no neighbourhood cache: peer RPCs per get`, "msgs", [off.getRpcs]),
      figure(S, `${at}, no neighbourhood cache: peer RPCs per put`, "msgs", [off.putRpcs]),
      figure(S, `${at}, no neighbourhood cache: lookup hops per get`, "hops", [off.lookupsPerGet * off.hopsPerLookup]),
    );
    notes.push(`${at}: 5 coordinators, 60 keys each read by all; warm-up gets cost ${on.warmupGetRpcs.toFixed(2)} RPCs each with the cache (${off.warmupGetRpcs.toFixed(2)} without). RPCs include background work (writes beyond W, warming lookups).`);
  }
}

export async function runSimulationSection(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const reports: SimulationReport[] = [];
  for (const nodes of o.simulationSizes) {
    // The largest size is best effort: it runs only in the full bench and gets a time limit.
    const report = await runSize(nodes, nodes >= 100_000 ? 8 * 60_000 : 5 * 60_000, notes);
    if (!report) continue;
    reports.push(report);
    const at = `${nodes.toLocaleString("en-US")} nodes`;
    const one = (name: string, unit: Parameters<typeof figure>[2], v: number) => figure(S, `${at}: ${name}`, unit, [v]);
    let p99 = one("lookup hops p99", "hops", report.lookups.hops.p99);
    if (nodes === 10_000) p99 = withTarget(p99, "≤ 4 hops", (f) => f.value.median <= 4);
    figures.push(one("lookup hops median", "hops", report.lookups.hops.median), p99, one("messages per lookup (median)", "msgs", report.lookups.messages.median));
    figures.push(one("messages per put", "msgs", report.puts.messagesPerPut));
    for (const g of report.gets) {
      let f = one(`get success, ${Math.round(g.failedFraction * 100)}% nodes failed`, "%", g.successRate * 100);
      if (nodes === 10_000 && g.failedFraction === 0) f = withTarget(f, "100%", (x) => x.value.median === 100);
      if (nodes === 10_000 && g.failedFraction === 0.3) f = withTarget(f, "≥ 99%", (x) => x.value.median >= 99);
      figures.push(f, one(`messages per get, ${Math.round(g.failedFraction * 100)}% failed`, "msgs", g.messagesPerGet));
    }
    if (report.heapBytesPerNode !== null) figures.push(one("heap per simulated node", "KiB", report.heapBytesPerNode / 1024));
    if (nodes === 10_000) await whatIfFourReplicas(figures, notes);
    notes.push(
      `${at}: built in ${(report.buildMs / 1000).toFixed(1)} s (${report.contactsPerNode.toFixed(0)} contacts per node), ${report.lookups.count} lookups, ${report.puts.count} records, total ${(report.totalMs / 1000).toFixed(1)} s.`,
    );
  }
  await repeatedOperations(figures, notes);
  if (reports[0]) {
    notes.unshift(
      `Seed "${SEED}", K=${reports[0].k}, R=${reports[0].replicationFactor}, W=2, Rq=2. Routing tables: ${reports[0].buildMethod} (not n bootstraps). Lookups, puts and gets run the real KademliaNode and ReplicationCoordinator over MemoryNetwork. Failed nodes refuse calls at once; no repair (read repair off, no anti-entropy). Figures are single deterministic runs (min = max).`,
    );
  }
  return { section: S, status: reports.length ? "ok" : "failed: no size finished", figures, notes, detail: reports };
}
