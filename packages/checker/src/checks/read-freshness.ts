/**
 * Did each read see the writes acknowledged before it began? Under last-writer-wins a read
 * that starts after write W was acknowledged must return W's version or a newer one, or
 * nothing when a delete may have superseded W (delete-cover.ts). Versions order what a
 * found read returned; a read that found nothing has no version, so real time (which
 * deletes could have run before it ended) decides instead.
 *
 * What a miss is called depends on when the read ran and what it missed:
 * - a read that returned a value older than an acknowledged delete is a resurrected-delete;
 * - otherwise, a final read (begun after the final-reads mark, every fault healed) that
 *   missed a write is a lost-write: the write is gone for good;
 * - otherwise it is a stale-read.
 * Reads outside the final phase whose own [start, end] overlaps a fault window are not
 * anomalies: a partitioned or paused replica legitimately serves old data meanwhile. They
 * are counted apart (staleDuringFaults). Final reads have no such excuse.
 */
import { faultRef, opName, opRef, type Anomaly, type AnomalyKind, type OpRef } from "../anomaly.js";
import type { FaultTimeline } from "../fault-timeline.js";
import type { GetOperation } from "../history-types.js";
import { isFoundRead, type KeyHistory } from "../key-history.js";
import { compareVersions, formatVersion } from "../version.js";
import { AckedWriteSweep, isAckedWrite, type AckedDelete, type AckedWrite } from "./acked-writes.js";
import { DeleteCover } from "./delete-cover.js";
import type { PutsByValue } from "./value-origin.js";

export interface FreshnessContext {
  timeline: FaultTimeline;
  /** When the final-reads phase began; undefined when the run marked none (then no read is final). */
  finalReadsAt: number | undefined;
  report(anomaly: Anomaly): void;
  /** A miss that a fault window explains. The anomaly is built only if the caller wants it. */
  reportStaleDuringFaults(describe: () => Anomaly): void;
}

/** Puts named as the source of a returned value; more than this says nothing new. */
const MAX_SOURCES_SHOWN = 3;

/** The write a read should have seen and did not. */
type Miss = { role: "missed-delete"; write: AckedDelete } | { role: "missed-write"; write: AckedWrite };

/**
 * Checks every ok read of one key, except those in `skip` (already reported as having a
 * value of unknown origin, whose version therefore means nothing).
 */
export function checkReadFreshness(k: KeyHistory, byValue: PutsByValue, skip: ReadonlySet<GetOperation>, ctx: FreshnessContext): void {
  const acked: AckedWrite[] = [];
  for (const w of k.puts) if (isAckedWrite(w)) acked.push(w);
  for (const w of k.deletes) if (isAckedWrite(w)) acked.push(w);
  if (acked.length === 0) return;
  const reads = k.reads.filter((r) => r.outcome === "ok" && !skip.has(r)).sort((a, b) => a.start - b.start);
  if (reads.length === 0) return;

  const sweep = new AckedWriteSweep(acked);
  const cover = new DeleteCover(k.deletes);
  const judge = new ReadJudge(k.key, byValue, ctx.timeline);
  for (const read of reads) {
    sweep.advanceTo(read.start);
    const newest = sweep.newest();
    if (!newest) continue;
    const miss = missOf(read, newest, sweep.newestDelete(), cover);
    if (!miss) continue;
    const final = ctx.finalReadsAt !== undefined && read.start >= ctx.finalReadsAt;
    if (final) ctx.report(judge.describe(read, miss, newest, "final"));
    else if (ctx.timeline.overlaps(read.start, read.end)) ctx.reportStaleDuringFaults(() => judge.describe(read, miss, newest, "during-faults"));
    else ctx.report(judge.describe(read, miss, newest, "load"));
  }
}

/**
 * What `read` missed, given the newest write and delete acknowledged before it began.
 * A found value older than the newest delete is a missed delete even when newer puts
 * followed: the deleted value came back, which is the more specific finding.
 */
function missOf(read: GetOperation, newest: AckedWrite, newestDelete: AckedDelete | undefined, cover: DeleteCover): Miss | undefined {
  if (isFoundRead(read)) {
    if (newestDelete && compareVersions(read.result.version, newestDelete.version) < 0) return { role: "missed-delete", write: newestDelete };
    if (compareVersions(read.result.version, newest.version) < 0) return { role: "missed-write", write: newest };
    return undefined;
  }
  // Found nothing: right when the newest acknowledged write is a delete, or a delete may have superseded it.
  if (newest.f === "delete" || cover.coverFor(newest, read.end)) return undefined;
  return { role: "missed-write", write: newest };
}

type ReadPhase = "final" | "load" | "during-faults";

/** Builds the anomaly for one read and what it missed, with its explanation. */
class ReadJudge {
  constructor(
    readonly key: string,
    readonly byValue: PutsByValue,
    readonly timeline: FaultTimeline,
  ) {}

  describe(read: GetOperation, miss: Miss, newest: AckedWrite, phase: ReadPhase): Anomaly {
    const { write } = miss;
    const kind: AnomalyKind = miss.role === "missed-delete" ? "resurrected-delete" : phase === "final" ? "lost-write" : "stale-read";
    const ops = [opRef("read", read), opRef(miss.role, write)];
    if (miss.role === "missed-delete" && newest !== write) ops.push(opRef("missed-write", newest));
    ops.push(...this.#sources(read));

    const what = isFoundRead(read) ? `returned ${describeResult(read)}, older than` : "found nothing, yet";
    const excuse = !isFoundRead(read) ? ", and no delete could have superseded it" : "";
    const coda = miss.role === "missed-delete" ? ": the deleted value came back" : phase === "final" ? ": the write is lost" : "";
    const explanation =
      `${phase === "final" ? "final " : ""}${opName(read)} on key ${JSON.stringify(this.key)} began at ${read.start} and ${what} ` +
      `${opName(write)} (version ${formatVersion(write.version)}) acknowledged at ${write.end}${excuse}${coda}`;
    const anomaly: Anomaly = { kind, key: this.key, explanation, ops };

    if (phase === "final") return this.#withPartitions(write, anomaly);
    if (phase === "during-faults") {
      const faults = this.timeline.overlapping(read.start, read.end);
      anomaly.explanation += `; the read overlapped fault ${faults.map(describeFault).join(", ")}`;
      anomaly.faults = faults.map(faultRef);
      return anomaly;
    }
    // Not an excuse (the read itself ran fault-free), but the first thing a reader will want to know.
    const between = this.timeline.overlapping(write.start, read.start);
    if (between.length) anomaly.explanation += `; fault ${between.map(describeFault).join(", ")} was active between the write and the read`;
    return anomaly;
  }

  /** Marks a lost write acknowledged while a partition was active: a minority side may have acknowledged it. */
  #withPartitions(lost: AckedWrite, anomaly: Anomaly): Anomaly {
    const partitions = this.timeline.overlapping(lost.start, lost.end, "partition");
    if (partitions.length === 0) return anomaly;
    return {
      ...anomaly,
      explanation: `${anomaly.explanation}; it was acknowledged during partition ${partitions.map((p) => describeId(p.id)).join(", ")}`,
      minorityAckLost: true,
      faults: partitions.map(faultRef),
    };
  }

  /** The puts that wrote the value a found read returned. */
  #sources(read: GetOperation): OpRef[] {
    if (!isFoundRead(read)) return [];
    const puts = this.byValue.get(read.result.value) ?? [];
    return puts.slice(0, MAX_SOURCES_SHOWN).map((p) => opRef("source-write", p));
  }
}

function describeResult(read: GetOperation): string {
  return isFoundRead(read) ? `${JSON.stringify(read.result.value)} (version ${formatVersion(read.result.version)})` : "not found";
}

function describeFault(f: { id: number | string; kind: string }): string {
  return `${describeId(f.id)} (${f.kind})`;
}

function describeId(id: number | string): string {
  return typeof id === "string" ? JSON.stringify(id) : String(id);
}
