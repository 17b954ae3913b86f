/**
 * Judges a parsed history: runs every check key by key and gathers the anomalies, the
 * counts and the summary figures into one Verdict.
 */
import { ANOMALY_KINDS, type Anomaly, type AnomalyKind } from "./anomaly.js";
import { checkReadFreshness } from "./checks/read-freshness.js";
import { checkValueOrigins, putsByValue, type FindPutOfValue } from "./checks/value-origin.js";
import { FaultTimeline } from "./fault-timeline.js";
import type { History, PutOperation } from "./history-types.js";
import { groupByKey } from "./key-history.js";
import { computeStats, type HistoryStats } from "./stats.js";

export type VerdictCounts = Record<AnomalyKind, number> & {
  /** Lost writes and resurrected deletes whose lost write was acknowledged during a partition. */
  minorityAckLost: number;
  /** Reads that missed an acknowledged write while a fault window was active: not anomalies. */
  staleDuringFaults: number;
};

export interface Verdict {
  /** True when there is no anomaly. Stale reads during faults do not make a history invalid. */
  valid: boolean;
  counts: VerdictCounts;
  stats: HistoryStats;
  /** Ordered by kind (as in ANOMALY_KINDS), then by the start of the first operation. */
  anomalies: Anomaly[];
  /** The first few reads behind counts.staleDuringFaults, as examples. */
  staleDuringFaultsExamples: Anomaly[];
  /** What limits the verdict: no final-reads phase, faults still open during final reads, ... */
  warnings: string[];
  /** The convergence window after each fault that the check allowed (CheckOptions.settleMs). */
  settleMs: number;
}

export interface CheckOptions {
  /** How many stale-during-faults reads to keep as examples. Default 20. */
  maxStaleDuringFaultsExamples?: number;
  /**
   * How long after a fault ends a stale read is still put down to it (counted in
   * staleDuringFaults, not an anomaly): the time the system under test promises to converge
   * in once a fault heals (a healed partition's sides must meet again, stand-ins hand their
   * copies back). Default 0: only reads that overlap the fault itself. Final reads are never
   * excused.
   */
  settleMs?: number;
}

export function checkHistory(history: History, options: CheckOptions = {}): Verdict {
  const maxExamples = options.maxStaleDuringFaultsExamples ?? 20;
  const keys = groupByKey(history.ops);
  const settleMs = options.settleMs ?? 0;
  if (!(Number.isFinite(settleMs) && settleMs >= 0)) throw new RangeError(`settleMs: must be a non-negative number, got ${settleMs}`);
  const timeline = new FaultTimeline(history.faults);
  // Freshness excuses reads up to settleMs after a fault; stats keep the faults as they were.
  const excusing = settleMs === 0 ? timeline : new FaultTimeline(history.faults.map((f) => ({ ...f, end: f.end + settleMs })));
  const finalReadsAt = history.phases["final-reads"];
  const anomalies: Anomaly[] = [];
  const staleDuringFaultsExamples: Anomaly[] = [];
  let staleDuringFaults = 0;
  const findElsewhere = lazyValueIndex(history);

  for (const k of keys.values()) {
    const byValue = putsByValue(k);
    const flagged = checkValueOrigins(k, byValue, findElsewhere, (a) => anomalies.push(a));
    checkReadFreshness(k, byValue, flagged, {
      timeline: excusing,
      finalReadsAt,
      report: (a) => anomalies.push(a),
      reportStaleDuringFaults: (describe) => {
        staleDuringFaults++;
        if (staleDuringFaultsExamples.length < maxExamples) staleDuringFaultsExamples.push(describe());
      },
    });
  }

  const kindOrder = new Map(ANOMALY_KINDS.map((kind, i) => [kind, i]));
  anomalies.sort((a, b) => kindOrder.get(a.kind)! - kindOrder.get(b.kind)! || a.ops[0]!.start - b.ops[0]!.start);
  const counts = Object.fromEntries(ANOMALY_KINDS.map((kind) => [kind, 0])) as VerdictCounts;
  for (const a of anomalies) counts[a.kind]++;
  counts.minorityAckLost = anomalies.filter((a) => a.minorityAckLost).length;
  counts.staleDuringFaults = staleDuringFaults;

  const stats = computeStats(history, keys, timeline);
  return {
    valid: anomalies.length === 0,
    counts,
    stats,
    anomalies,
    staleDuringFaultsExamples,
    warnings: [...history.warnings, ...limits(history, stats)],
    settleMs,
  };
}

/** What the checks could not judge, so that a "valid" is not read as more than it is. */
function limits(history: History, stats: HistoryStats): string[] {
  const warnings: string[] = [];
  const finalAt = history.phases["final-reads"];
  if (finalAt === undefined) {
    warnings.push("no final-reads phase marked: lost-write and resurrected-delete were not checked");
  } else {
    for (const f of history.faults) {
      if (f.end > finalAt) {
        warnings.push(`fault ${f.id} (${f.kind}) was still active when final reads began at ${finalAt}: lost writes may be faults not yet healed`);
      }
    }
    if (stats.keysWithoutFinalRead > 0) {
      warnings.push(`${stats.keysWithoutFinalRead} of ${stats.keysWithAckedWrites} keys with acknowledged writes had no ok final read: their writes were not checked for loss`);
    }
  }
  return warnings;
}

/** Value → some put of it on any key, built on first use (only phantoms need it). */
function lazyValueIndex(history: History): FindPutOfValue {
  let index: Map<string, PutOperation> | undefined;
  return (value) => {
    if (!index) {
      index = new Map();
      for (const op of history.ops) if (op.f === "put" && !index.has(op.value)) index.set(op.value, op);
    }
    return index.get(value);
  };
}
