/** The client operations a coordinator serves. */
export type Operation = "put" | "get" | "delete";

export interface OperationSnapshot {
  /** Calls since start, errors included. */
  count: number;
  /** Calls that failed (a get answered "not found" is not an error). */
  errors: number;
  /** Latency percentiles over the most recent `window` calls, in ms; 0 before any call. */
  p50Ms: number;
  p99Ms: number;
}

export type OperationStatsSnapshot<N extends string = Operation> = Record<N, OperationSnapshot>;

/**
 * Latencies of the last N calls in a ring buffer: bounded memory, recent behaviour. The buffer
 * grows by doubling up to N as samples arrive, so a method never called costs nothing (a
 * simulation of 10,000 nodes tracks 25 series per node) and N = 0 keeps counts only.
 */
class LatencyWindow {
  readonly #size: number;
  #samples = new Float64Array(0);
  #next = 0;
  #filled = 0;

  constructor(size: number) {
    this.#size = size;
  }

  add(ms: number): void {
    if (this.#size === 0) return;
    if (this.#filled === this.#samples.length && this.#samples.length < this.#size) {
      const grown = new Float64Array(Math.min(this.#size, Math.max(16, this.#samples.length * 2)));
      grown.set(this.#samples);
      this.#samples = grown;
      this.#next = this.#filled;
    }
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    if (this.#filled < this.#samples.length) this.#filled++;
  }

  /** Nearest-rank percentiles; sorting ≤ window samples per snapshot is cheap next to a scrape interval. */
  percentiles(qs: number[]): number[] {
    if (this.#filled === 0) return qs.map(() => 0);
    const sorted = this.#samples.slice(0, this.#filled).sort();
    return qs.map((q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
  }
}

/**
 * Per-operation counts, errors and latency percentiles for the Stats API. The set of names is
 * fixed at construction, so memory stays bounded whatever callers pass.
 */
export class OperationStats<N extends string = Operation> {
  readonly #ops = new Map<N, { count: number; errors: number; latency: LatencyWindow }>();

  /**
   * @param window how many recent latencies to keep per operation (default 1024; 0: counts only).
   * @param names the operations tracked (default put, get, delete).
   */
  constructor(window = 1024, names: readonly N[] = ["put", "get", "delete"] as unknown as N[]) {
    for (const op of names) {
      this.#ops.set(op, { count: 0, errors: 0, latency: new LatencyWindow(window) });
    }
  }

  /** Records one call; names outside the constructor's list are ignored. */
  record(op: N, durationMs: number, ok: boolean): void {
    const s = this.#ops.get(op);
    if (!s) return;
    s.count++;
    if (!ok) s.errors++;
    s.latency.add(durationMs);
  }

  snapshot(): OperationStatsSnapshot<N> {
    const out = {} as OperationStatsSnapshot<N>;
    for (const [op, s] of this.#ops) {
      const [p50Ms, p99Ms] = s.latency.percentiles([0.5, 0.99]);
      out[op] = { count: s.count, errors: s.errors, p50Ms: p50Ms!, p99Ms: p99Ms! };
    }
    return out;
  }
}
