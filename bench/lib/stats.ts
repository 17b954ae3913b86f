/**
 * Summaries the bench reports: percentiles of one run, and median/min/max over repetitions.
 */

/** Nearest-rank percentile of an ascending array (NaN for an empty one). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** p50/p95/p99 of latency samples (ms). */
export function latencyPercentiles(samples: readonly number[]): { p50: number; p95: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p95: percentile(s, 0.95), p99: percentile(s, 0.99) };
}

/** One figure over several repetitions. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  reps: number;
}

export function spread(values: readonly number[]): Spread {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, reps: 0 };
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, reps: s.length };
}
