/**
 * Summary figures of a run, for the report beside the anomalies: how much was attempted,
 * how much failed, how slow it was, and how those differ while faults were active.
 * "During faults" means the operation's [start, end] overlaps a fault window.
 */
import type { FaultTimeline } from "./fault-timeline.js";
import { OP_FUNCTIONS, OUTCOMES, type History, type OpFunction, type Outcome } from "./history-types.js";
import type { KeyHistory } from "./key-history.js";

export interface LatencySummary {
  /** Completed operations measured, whatever their outcome. */
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface HistoryStats {
  ops: number;
  /** Operations the history holds only the invocation of (counted as outcome unknown). */
  incomplete: number;
  byFunction: Record<OpFunction, Record<Outcome, number>>;
  /**
   * Share of operations with outcome ok; null for an empty history. A refusal (fail) counts
   * against it like a timeout (unknown): either way the client did not get what it asked for.
   */
  availability: number | null;
  opsDuringFaults: number;
  /** Availability among opsDuringFaults; null when there were none. */
  availabilityDuringFaults: number | null;
  /** End − start in ms of completed operations; null when none completed. */
  latencyMs: LatencySummary | null;
  latencyDuringFaultsMs: LatencySummary | null;
  /** Per function: gets and puts go through different quorums, so their latencies differ. */
  latencyByFunctionMs: Record<OpFunction, LatencySummary | null>;
  keys: number;
  /** Keys with at least one acknowledged put or delete. */
  keysWithAckedWrites: number;
  /** Keys with an acknowledged write but no ok final read: their writes were not checked for loss. */
  keysWithoutFinalRead: number;
  /** Ok gets that started in the final-reads phase. */
  finalReads: number;
  /** Gets in the final-reads phase that failed or whose outcome is unknown. */
  finalReadsNotOk: number;
  faults: number;
  faultsByKind: Record<string, number>;
  /** Time from the first recorded instant to the last (open windows and incomplete ops excluded). */
  durationMs: number;
}

export function computeStats(history: History, keys: ReadonlyMap<string, KeyHistory>, timeline: FaultTimeline): HistoryStats {
  const byFunction = Object.fromEntries(
    OP_FUNCTIONS.map((f) => [f, Object.fromEntries(OUTCOMES.map((o) => [o, 0]))]),
  ) as Record<OpFunction, Record<Outcome, number>>;
  const latencies: number[] = [];
  const faultLatencies: number[] = [];
  const latenciesByF = Object.fromEntries(OP_FUNCTIONS.map((f) => [f, [] as number[]])) as Record<OpFunction, number[]>;
  let incomplete = 0;
  let errors = 0;
  let duringFaults = 0;
  let errorsDuringFaults = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const op of history.ops) {
    byFunction[op.f][op.outcome]++;
    const failed = op.outcome !== "ok";
    if (failed) errors++;
    const inFault = timeline.size > 0 && timeline.overlaps(op.start, op.end);
    if (inFault) {
      duringFaults++;
      if (failed) errorsDuringFaults++;
    }
    first = Math.min(first, op.start);
    if (!op.completed) {
      incomplete++;
      last = Math.max(last, op.start);
      continue;
    }
    last = Math.max(last, op.end);
    latencies.push(op.end - op.start);
    latenciesByF[op.f].push(op.end - op.start);
    if (inFault) faultLatencies.push(op.end - op.start);
  }
  const faultsByKind: Record<string, number> = {};
  for (const f of history.faults) {
    faultsByKind[f.kind] = (faultsByKind[f.kind] ?? 0) + 1;
    first = Math.min(first, f.start);
    last = Math.max(last, Number.isFinite(f.end) ? f.end : f.start);
  }
  for (const at of Object.values(history.phases)) {
    first = Math.min(first, at);
    last = Math.max(last, at);
  }

  const finalAt = history.phases["final-reads"];
  let keysWithAckedWrites = 0;
  let keysWithoutFinalRead = 0;
  let finalReads = 0;
  let finalReadsNotOk = 0;
  for (const k of keys.values()) {
    const acked = k.puts.some((p) => p.outcome === "ok") || k.deletes.some((d) => d.outcome === "ok");
    let okFinal = 0;
    if (finalAt !== undefined) {
      for (const r of k.reads) {
        if (r.start < finalAt) continue;
        if (r.outcome === "ok") okFinal++;
        else finalReadsNotOk++;
      }
    }
    finalReads += okFinal;
    if (acked) keysWithAckedWrites++;
    if (acked && okFinal === 0) keysWithoutFinalRead++;
  }

  const ops = history.ops.length;
  return {
    ops,
    incomplete,
    byFunction,
    availability: ops ? (ops - errors) / ops : null,
    opsDuringFaults: duringFaults,
    availabilityDuringFaults: duringFaults ? (duringFaults - errorsDuringFaults) / duringFaults : null,
    latencyMs: summarize(latencies),
    latencyDuringFaultsMs: summarize(faultLatencies),
    latencyByFunctionMs: Object.fromEntries(OP_FUNCTIONS.map((f) => [f, summarize(latenciesByF[f])])) as Record<OpFunction, LatencySummary | null>,
    keys: keys.size,
    keysWithAckedWrites,
    keysWithoutFinalRead,
    finalReads,
    finalReadsNotOk,
    faults: history.faults.length,
    faultsByKind,
    durationMs: Number.isFinite(first) ? last - first : 0,
  };
}

/** Nearest-rank percentiles: every figure reported is a latency that was actually observed. */
function summarize(values: number[]): LatencySummary | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
  return { count: sorted.length, p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: sorted[sorted.length - 1]! };
}
