/**
 * The fault windows of a run, indexed for the one question the checks ask many times:
 * does any window overlap [a, b]? Windows are few (tens) but reads are many (100k), so the
 * answer is a binary search over start times with a running maximum of end times.
 */
import type { Fault } from "./history-types.js";
import { countAtMost } from "./sorted-search.js";

export class FaultTimeline {
  readonly #byStart: Fault[];
  readonly #starts: Float64Array;
  /** #maxEnd[i]: the latest end among the first i+1 windows by start. */
  readonly #maxEnd: Float64Array;

  constructor(faults: readonly Fault[]) {
    this.#byStart = [...faults].sort((a, b) => a.start - b.start);
    this.#starts = Float64Array.from(this.#byStart, (f) => f.start);
    this.#maxEnd = new Float64Array(this.#byStart.length);
    let max = -Infinity;
    this.#byStart.forEach((f, i) => {
      max = Math.max(max, f.end);
      this.#maxEnd[i] = max;
    });
  }

  get size(): number {
    return this.#byStart.length;
  }

  /**
   * The latest end of any window that started at or before t (-Infinity when none did).
   * A window overlaps [a, t] exactly when this is ≥ a.
   */
  latestEndStartedBy(t: number): number {
    const n = countAtMost(this.#starts, t);
    return n === 0 ? -Infinity : this.#maxEnd[n - 1]!;
  }

  /** True when some window shares at least one instant with [a, b]. */
  overlaps(a: number, b: number): boolean {
    return this.latestEndStartedBy(b) >= a;
  }

  /** The windows (of one kind, if given) that overlap [a, b]. Linear: meant for reporting anomalies, not for every op. */
  overlapping(a: number, b: number, kind?: string): Fault[] {
    return this.#byStart.filter((f) => f.start <= b && f.end >= a && (kind === undefined || f.kind === kind));
  }
}
