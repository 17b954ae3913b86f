/**
 * Runs `work` over `items` with at most `limit` calls in flight, so repair and hand-off
 * never amplify into an unbounded burst of RPCs. Errors from `work` are the caller's to catch:
 * the first one rejects after the calls already running have settled.
 */
export async function forEachBounded<T>(items: Iterable<T>, limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    for (let next = iterator.next(); !next.done && !failed; next = iterator.next()) {
      try {
        await work(next.value);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failed) throw failed.error;
}
