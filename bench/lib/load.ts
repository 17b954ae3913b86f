/** Load generators: sequential latency samples and closed-loop throughput at a concurrency. */
import { performance } from "node:perf_hooks";

/** Calls `op(i)` `count` times one after another; returns each call's latency in ms. Throws on the first error. */
export async function sequentialLatency(op: (i: number) => Promise<unknown>, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await op(i);
    samples.push(performance.now() - t);
  }
  return samples;
}

/**
 * Keeps `concurrency` calls in flight for `durationMs` (each worker starts its next call when
 * its last one ends) and returns completed calls per second. Failed calls are counted, not
 * thrown, and do not count as completed.
 */
export async function throughput(
  op: (i: number) => Promise<unknown>,
  concurrency: number,
  durationMs: number,
): Promise<{ rps: number; errors: number; firstError?: string }> {
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      try {
        await op(next++);
        completed++;
      } catch (err) {
        errors++;
        firstError ??= String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  return { rps: completed / elapsed, errors, ...(firstError ? { firstError } : {}) };
}
