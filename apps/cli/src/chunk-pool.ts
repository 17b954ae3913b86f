/**
 * Runs `work` on each item with at most `parallel` in flight, items started in order. On the
 * first failure no further item starts, but those in flight finish (or fail) on their own, so
 * chunks already on their way still count for a resume; then that first failure is thrown.
 */
export async function runPool<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  if (failure) throw failure.err;
}
