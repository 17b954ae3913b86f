/**
 * Could a delete explain a not-found? A read that finds nothing after a put was
 * acknowledged is only wrong when no delete of that key could have superseded the put and
 * been seen by the read. A delete D covers put P for a read that ended at t when D began
 * before t (a read cannot see a write invoked after it ended) and either
 * - D is ok and its version is newer than P's (last writer wins), or
 * - D's outcome is unknown and D.end > P.start: it may have taken effect with a version
 *   nobody saw, and since it did not finish before P began, that version may be newer.
 * Deletes with outcome fail never took effect and cover nothing.
 *
 * Both conditions are prefix maxima over deletes sorted by start, so one binary search
 * answers each read.
 */
import type { DeleteOperation, PutOperation } from "../history-types.js";
import { countBelow } from "../sorted-search.js";
import { compareVersions, type Version } from "../version.js";

type OkDelete = DeleteOperation & { version: Version };

export class DeleteCover {
  readonly #ok: OkDelete[];
  readonly #okStarts: Float64Array;
  /** #okNewest[i]: index in #ok of the newest version among #ok[0..i]. */
  readonly #okNewest: Int32Array;
  readonly #unknown: DeleteOperation[];
  readonly #unknownStarts: Float64Array;
  /** #unknownLatest[i]: index in #unknown of the latest end among #unknown[0..i]. */
  readonly #unknownLatest: Int32Array;

  constructor(deletes: readonly DeleteOperation[]) {
    this.#ok = deletes.filter((d): d is OkDelete => d.outcome === "ok" && d.version !== undefined).sort((a, b) => a.start - b.start);
    this.#okStarts = Float64Array.from(this.#ok, (d) => d.start);
    this.#okNewest = runningBest(this.#ok, (a, b) => compareVersions(a.version, b.version));
    this.#unknown = deletes.filter((d) => d.outcome === "unknown").sort((a, b) => a.start - b.start);
    this.#unknownStarts = Float64Array.from(this.#unknown, (d) => d.start);
    this.#unknownLatest = runningBest(this.#unknown, (a, b) => a.end - b.end);
  }

  /** A delete that may have superseded `put` (acknowledged, with its version) before `readEnd`, or undefined. */
  coverFor(put: PutOperation & { version: Version }, readEnd: number): DeleteOperation | undefined {
    const okBefore = countBelow(this.#okStarts, readEnd);
    if (okBefore > 0) {
      const newest = this.#ok[this.#okNewest[okBefore - 1]!]!;
      if (compareVersions(newest.version, put.version) > 0) return newest;
    }
    const unknownBefore = countBelow(this.#unknownStarts, readEnd);
    if (unknownBefore > 0) {
      const latest = this.#unknown[this.#unknownLatest[unknownBefore - 1]!]!;
      if (latest.end > put.start) return latest;
    }
    return undefined;
  }
}

/** best[i] = index of the greatest item among items[0..i] under compare. */
function runningBest<T>(items: readonly T[], compare: (a: T, b: T) => number): Int32Array {
  const best = new Int32Array(items.length);
  let b = 0;
  items.forEach((item, i) => {
    if (compare(item, items[b]!) > 0) b = i;
    best[i] = b;
  });
  return best;
}
