/**
 * A fault scenario across test hosts, Jepsen style: clients write, read and delete a small set
 * of keys through every reachable peer while network faults happen on a fixed schedule (a host
 * cut off, the bridge split into sides); then every fault heals, the network settles, every
 * key is read back, and the recorded history is checked (@p2p/checker).
 *
 * Clients run in the test process and reach the peers through the observer port, which
 * partitions leave alone, so both sides of a split take writes. A cut-off host is unreachable
 * from everyone, clients included: while it is cut off, clients send to the other hosts (as a
 * load balancer with health checks would); its peer keeps running and rejoins on heal.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { checkHistory, HistoryWriter, parseHistory, type History, type Verdict } from "@p2p/checker";
import type { TestHosts } from "@p2p/netns";
import { Prng } from "../chaos/prng.js";
import { readBackEveryKey, waitForSettled } from "../chaos/settle.js";
import { Workload, type OpCounts } from "../chaos/workload.js";
import type { HostPeers } from "./host-peers.js";

/** A network fault at a fixed time of the load phase. */
export type ScheduledFault =
  | { kind: "cutoff"; host: string; atS: number; forS: number }
  | { kind: "partition"; sides: string[][]; atS: number; forS: number };

export interface HostScenarioOptions {
  seconds: number;
  clients: number;
  keys: number;
  seed: number;
  faults: readonly ScheduledFault[];
  /** Directory for history.jsonl. */
  dir: string;
  /** Client deadline of one operation. Default 4000 ms. */
  clientTimeoutMs?: number;
}

/** What happened during one fault window, from the history. */
export interface FaultWindowStats {
  kind: ScheduledFault["kind"];
  detail: string;
  startMs: number;
  endMs: number;
  ops: number;
  errors: number;
  /** Acknowledged puts and deletes during the window, by the side (or host) of the peer that took them. */
  ackedWritesBySide: Record<string, number>;
}

export interface HostScenarioResult {
  verdict: Verdict;
  counts: OpCounts;
  windows: FaultWindowStats[];
  /** From the last heal until every peer's repair found nothing under-replicated (−1: not within 60 s). */
  convergeMs: number;
  historyPath: string;
}

/**
 * How long after a fault ends a stale read is still put down to it. Across hosts the sides
 * meet again within one probe of an evicted contact (≤ 2.5 s) and hand-off follows: the last
 * stale read came 1.4-2.6 s after the heal on an idle machine, but 7.3 s on one overloaded
 * (load average 7 on 2 cores, probes of 500 ms timing out). 10 s, twice the loopback chaos
 * runs' window, keeps the test about correctness rather than CPU; final reads, after the
 * network has settled, are never excused, and lost writes never are.
 */
export const SETTLE_MS = 10_000;

export async function runHostScenario(hosts: TestHosts, peers: HostPeers, o: HostScenarioOptions): Promise<HostScenarioResult> {
  await mkdir(o.dir, { recursive: true });
  const historyPath = join(o.dir, "history.jsonl");
  const t0 = performance.now();
  const now = () => Math.round((performance.now() - t0) * 1000) / 1000;
  const history = await HistoryWriter.open(historyPath, {
    run: `hosts-seed-${o.seed}`,
    meta: { settleMs: SETTLE_MS, seed: o.seed, seconds: o.seconds, clients: o.clients, keys: o.keys, faults: o.faults, hosts: hosts.hosts.map((h) => ({ name: h.name, address: h.address })) },
  });
  const counts: OpCounts = { ops: 0, ok: 0, fail: 0, unknown: 0, okPerSecond: [], errorsPerSecond: [] };
  const cutOff = new Set<string>();
  const workload = new Workload({ history, now, targets: () => peers.targets(cutOff), counts, timeoutMs: o.clientTimeoutMs ?? 4000 });
  const keys = Array.from({ length: o.keys }, (_, i) => `hosts/${o.seed}/${i}`);
  const rng = new Prng(o.seed);
  let convergeMs = -1;
  try {
    await history.phase("load", now());
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), o.seconds * 1000);
    const seeds = Array.from({ length: o.clients }, () => rng.int(1, 2 ** 31));
    await Promise.all([
      ...seeds.map((seed, i) => workload.runClient(`c${i}`, new Prng(seed), keys, stop.signal)),
      ...o.faults.map((f, i) => inject(hosts, history, now, i + 1, f, cutOff)),
    ]);
    clearTimeout(timer);

    await history.phase("heal", now());
    await hosts.heal();
    cutOff.clear();
    const healedAt = performance.now();
    // Each side alone looks settled (nothing under-replicated among the peers it knows): the
    // network has converged only when every peer knows every other one again, and then repair
    // finds nothing to do.
    const merged = await peers.waitForCompleteTables(60_000).then(() => true, () => false);
    if (merged && (await waitForSettled(peers.targets()))) convergeMs = Math.round(performance.now() - healedAt);

    await history.phase("final-reads", now());
    await readBackEveryKey(workload, keys, peers.targets(), o.seed);
  } finally {
    await history.close();
  }
  const parsed = parseHistory(await readFile(historyPath, "utf8"));
  return { verdict: checkHistory(parsed, { settleMs: SETTLE_MS }), counts, windows: windowStats(parsed, o.faults), convergeMs, historyPath };
}

/** Waits for the fault's time, applies it, holds it, ends it; both ends go into the history. */
async function inject(hosts: TestHosts, history: HistoryWriter, now: () => number, id: number, f: ScheduledFault, cutOff: Set<string>): Promise<void> {
  await sleep(f.atS * 1000);
  const start = now();
  const detail = describe(f);
  const peers = f.kind === "cutoff" ? [f.host] : f.sides.flat();
  if (f.kind === "cutoff") {
    cutOff.add(f.host);
    await hosts.cutOff(f.host);
  } else {
    await hosts.partition(f.sides);
  }
  await history.fault({ id, kind: f.kind, start, peers, detail });
  await sleep(f.forS * 1000);
  if (f.kind === "cutoff") {
    await hosts.reconnect(f.host);
    cutOff.delete(f.host);
  } else {
    await hosts.partition([]);
  }
  await history.fault({ id, kind: f.kind, start, end: now(), peers, detail });
}

function describe(f: ScheduledFault): string {
  return f.kind === "cutoff" ? `${f.host} cut off (link down)` : f.sides.map((s) => s.join(",")).join(" | ");
}

function windowStats(history: History, faults: readonly ScheduledFault[]): FaultWindowStats[] {
  return history.faults.map((w, i) => {
    const f = faults[i]!;
    const inside = history.ops.filter((op) => op.start >= w.start && op.start < w.end);
    const sideOf = (peer: string | undefined) => (f.kind === "partition" ? f.sides.find((s) => peer !== undefined && s.includes(peer))?.join(",") ?? "?" : peer ?? "?");
    const ackedWritesBySide: Record<string, number> = {};
    for (const op of inside) {
      if (op.f === "get" || op.outcome !== "ok") continue;
      const side = sideOf(op.peer);
      ackedWritesBySide[side] = (ackedWritesBySide[side] ?? 0) + 1;
    }
    return { kind: f.kind, detail: describe(f), startMs: Math.round(w.start), endMs: Math.round(w.end), ops: inside.length, errors: inside.filter((op) => op.outcome !== "ok").length, ackedWritesBySide };
  });
}
