/**
 * WAN simulation: the real Kademlia and replication code over the in-memory network with a WAN
 * model on the wire (per-link log-normal RTT, per-message loss, in virtual time: see
 * packages/dht/src/simulation/network-model.ts and virtual-clock.ts). Reports lookup latency in
 * modelled milliseconds alongside hops, and put/get success and latency at 0%, 1% and 5%
 * message loss. One child process per run; deterministic given the seed.
 */
import type { WanOpRound, WanRound, WanSimulationReport } from "@p2p/dht";
import { startBenchChild } from "../lib/child.js";
import { figure, type Figure, type SectionResult } from "../lib/figures.js";
import type { BenchOptions } from "../lib/options.js";

const S = "wan-simulation";
const SEED = "bench-wan-1";
/** A deadline that still clears the slowest links (p99.9 RTT ≈ 460 ms) with room: the what-if. */
const SHORT_DEADLINE_MS = 1000;

interface RunSpec {
  nodes: number;
  ops: number;
  loss: number[];
  /** Both the lookup's and the replica calls' deadline; undefined: the defaults. */
  deadlineMs?: number;
}

/** Runs one simulation; undefined (with a note) when it did not finish within `limitMs`. */
async function runWan(spec: RunSpec, limitMs: number, notes: string[]): Promise<WanSimulationReport | undefined> {
  const heapMiB = Math.max(1024, Math.ceil((spec.nodes * 200 * 1024) / 2 ** 20));
  const args = ["--nodes", String(spec.nodes), "--seed", SEED, "--lookups", String(spec.ops), "--records", String(spec.ops), "--loss", spec.loss.join(",")];
  if (spec.deadlineMs !== undefined) args.push("--lookup-rpc-timeout-ms", String(spec.deadlineMs), "--replica-rpc-timeout-ms", String(spec.deadlineMs));
  const child = startBenchChild("sections/wan-simulation-worker.ts", args, [`--max-old-space-size=${heapMiB}`]);
  let timer: NodeJS.Timeout | undefined;
  const what = `${spec.nodes} nodes${spec.deadlineMs ? `, ${spec.deadlineMs} ms deadlines` : ""}`;
  try {
    const over = new Promise<"timeout">((res) => (timer = setTimeout(() => res("timeout"), limitMs)));
    const first = await Promise.race([child.first, over]).catch((err: Error) => err);
    if (first === "timeout") {
      notes.push(`${what}: did not finish within ${limitMs / 1000} s; stopped.`);
      return undefined;
    }
    if (first instanceof Error) {
      notes.push(`${what}: worker failed (${first.message}).`);
      return undefined;
    }
    const report = first.report as WanSimulationReport;
    notes.push(
      `${what}: built in ${(report.buildMs / 1000).toFixed(1)} s, whole run ${(report.wallMs / 1000).toFixed(1)} s of wall-clock time for ${(report.virtualMs / 1000).toFixed(0)} s of modelled time (${report.events.toLocaleString("en-US")} deliveries and deadlines), worker RSS ${Math.round(Number(first.rssBytes) / 2 ** 20)} MiB.`,
    );
    return report;
  } finally {
    clearTimeout(timer);
    await child.stop();
  }
}

const pct = (loss: number) => `${+(loss * 100).toFixed(2)}% loss`;
const errorList = (r: WanOpRound) =>
  Object.entries(r.errors)
    .map(([code, count]) => `${count} ${code}`)
    .join(", ") || "none";

const callList = (calls: WanRound["calls"]) =>
  Object.entries(calls)
    .map(([method, count]) => `${method} ${count.toLocaleString("en-US")}`)
    .join(", ");

export async function runWanSimulationSection(o: BenchOptions): Promise<Omit<SectionResult, "seconds">> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  // --quick: 1,000 nodes; the full bench: the 10,000 of the issue.
  const nodes = o.quick ? 1000 : 10_000;
  const ops = o.quick ? 300 : 1000;
  const at = `${nodes.toLocaleString("en-US")} nodes`;
  const report = await runWan({ nodes, ops, loss: [0, 0.01, 0.05] }, 10 * 60_000, notes);
  if (!report) return { section: S, status: "failed: the run did not finish", figures, notes };

  for (const r of report.rounds) {
    const one = (name: string, unit: Parameters<typeof figure>[2], v: number) => figure(S, `${at}, ${pct(r.loss)}: ${name}`, unit, [v]);
    figures.push(
      one("lookup latency p50 (modelled)", "ms", r.lookups.ms.median),
      one("lookup latency p99 (modelled)", "ms", r.lookups.ms.p99),
      one("lookup hops median", "hops", r.lookups.hops.median),
      one("lookup hops p99", "hops", r.lookups.hops.p99),
      one("lookups that found the true closest node", "%", r.lookups.foundClosest * 100),
      one("get success", "%", r.gets.successRate * 100),
      one("get latency p50 (modelled)", "ms", r.gets.ms.median),
      one("get latency p99 (modelled)", "ms", r.gets.ms.p99),
      one("put success", "%", r.puts.successRate * 100),
      one("put latency p50 (modelled)", "ms", r.puts.ms.median),
      one("put latency p99 (modelled)", "ms", r.puts.ms.p99),
    );
    notes.push(
      `${pct(r.loss)}: ${(r.virtualMs / 1000).toFixed(0)} s modelled; calls sent ${callList(r.calls)}; ` +
        `${r.messages.lost.toLocaleString("en-US")} of ${(r.messages.delivered + r.messages.lost).toLocaleString("en-US")} messages lost; ` +
        `${r.lookups.timeoutsPerLookup.toFixed(2)} requests per lookup ended at their deadline (${r.lookups.messages.median} requests per lookup, median); ` +
        `failed gets: ${errorList(r.gets)}; failed puts: ${errorList(r.puts)}; ${r.contactsPerNode.toFixed(0)} contacts per node after the round.`,
    );
  }

  // What-if: the same network with 1 s deadlines, where loss costs the most.
  const short = o.quick ? undefined : await runWan({ nodes, ops: ops / 2, loss: [0.01, 0.05], deadlineMs: SHORT_DEADLINE_MS }, 10 * 60_000, notes);
  for (const r of short?.rounds ?? []) {
    const one = (name: string, unit: Parameters<typeof figure>[2], v: number) =>
      figure(S, `${at}, ${pct(r.loss)}, ${SHORT_DEADLINE_MS} ms deadlines (what-if): ${name}`, unit, [v]);
    figures.push(
      one("lookup latency p50 (modelled)", "ms", r.lookups.ms.median),
      one("lookup latency p99 (modelled)", "ms", r.lookups.ms.p99),
      one("get success", "%", r.gets.successRate * 100),
      one("get latency p99 (modelled)", "ms", r.gets.ms.p99),
      one("put success", "%", r.puts.successRate * 100),
    );
    notes.push(`${pct(r.loss)}, ${SHORT_DEADLINE_MS} ms deadlines (${r.lookups.count} lookups, ${r.gets.attempts} puts and gets): calls sent ${callList(r.calls)}; failed gets: ${errorList(r.gets)}; failed puts: ${errorList(r.puts)}.`);
  }

  const rtt = report.sampledRttMs;
  const d = report.deadlines;
  notes.unshift(
    `Model: ${report.model}. Link RTTs as drawn over ${nodes.toLocaleString("en-US")} nodes: p1 ${rtt.p1.toFixed(0)} ms, p50 ${rtt.median.toFixed(0)} ms, p99 ${rtt.p99.toFixed(0)} ms, max ${rtt.max.toFixed(0)} ms.`,
    `Time is virtual: a deterministic event queue stands in for the timers (every delivery and every deadline), so latencies are modelled milliseconds, exact whatever the machine's load; handlers take no modelled time (no CPU, queueing or bandwidth cost). Figures are single deterministic runs (seed "${SEED}").`,
    `Seed "${SEED}", K=${report.k}, α=${report.alpha}, R=${report.replication.r}, W=${report.replication.w}, Rq=${report.replication.rq}; deadlines (the defaults): ${d.lookupRpcMs} ms per lookup request, ${d.replicaRpcMs} ms per replica call, ${d.operationMs} ms per client operation. Converged routing tables as in the simulation section.`,
    `Workload per loss rate, in order on one network (contacts evicted under loss stay evicted): ${report.rounds[0]?.lookups.count ?? 0} FindNode lookups for random targets with wanted = K (a join's or a refresh's lookup), ${report.setup.attempts} puts of fresh keys, and gets of ${report.setup.attempts} keys put beforehand with no loss; 64 operations in flight. Lookup latency is its start to its result; get/put latency is of the successful ones. Read repair off, no anti-entropy, no bucket refresh (nodes are not started); ping-before-evict runs as in a peer, and once a contact was last heard from over 60 s (modelled) ago a newcomer in its full bucket makes the node ping it: the pings in the later rounds below.`,
  );
  return { section: S, status: "ok", figures, notes, detail: short ? [report, short] : [report] };
}
