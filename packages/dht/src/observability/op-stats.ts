/** The client operations a coordinator serves. */
export type Operation = "put" | "get" | "delete" | "put_many" | "get_many" | "delete_many";

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
/** Shared by every window before its first sample: an empty typed array still costs an ArrayBuffer. */
const NO_SAMPLES = new Float64Array(0);

class LatencyWindow {
  readonly #size: number;
  #samples = NO_SAMPLES;
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

/** Each name list's positions, computed once per list (a node keeps several stats over the same lists). */
const positions = new WeakMap<readonly string[], Map<string, number>>();

function positionsOf(names: readonly string[]): Map<string, number> {
  let p = positions.get(names);
  if (!p) positions.set(names, (p = new Map(names.map((n, i) => [n, i]))));
  return p;
}

const DEFAULT_OPERATIONS: readonly Operation[] = ["put", "get", "delete", "put_many", "get_many", "delete_many"];

/**
 * Per-operation counts, errors and latency percentiles for the Stats API. The set of names is
 * fixed at construction, so memory stays bounded whatever callers pass; counts live in plain
 * arrays by position (a simulation keeps tens of thousands of these).
 */
export class OperationStats<N extends string = Operation> {
  readonly #names: readonly N[];
  readonly #at: Map<string, number>;
  readonly #window: number;
  /** Allocated on the first call recorded: a node that is never called keeps none. */
  #counts: number[] | undefined;
  #errors: number[] | undefined;
  #latency: LatencyWindow[] | undefined;

  /**
   * @param window how many recent latencies to keep per operation (default 1024; 0: counts only).
   * @param names the operations tracked (default put, get, delete); pass the same array to
   *   every instance over the same names.
   */
  constructor(window = 1024, names: readonly N[] = DEFAULT_OPERATIONS as unknown as N[]) {
    this.#names = names;
    this.#at = positionsOf(names);
    this.#window = window;
  }

  /** Records one call; names outside the constructor's list are ignored. */
  record(op: N, durationMs: number, ok: boolean): void {
    const i = this.#at.get(op);
    if (i === undefined) return;
    if (!this.#counts) {
      this.#counts = this.#names.map(() => 0);
      this.#errors = this.#names.map(() => 0);
      if (this.#window > 0) this.#latency = this.#names.map(() => new LatencyWindow(this.#window));
    }
    this.#counts[i]!++;
    if (!ok) this.#errors![i]!++;
    this.#latency?.[i]!.add(durationMs);
  }

  snapshot(): OperationStatsSnapshot<N> {
    const out = {} as OperationStatsSnapshot<N>;
    this.#names.forEach((op, i) => {
      const [p50Ms, p99Ms] = this.#latency ? this.#latency[i]!.percentiles([0.5, 0.99]) : [0, 0];
      out[op] = { count: this.#counts?.[i] ?? 0, errors: this.#errors?.[i] ?? 0, p50Ms: p50Ms!, p99Ms: p99Ms! };
    });
    return out;
  }
}
