/**
 * The periodic flush of the default durability mode ("process-crash"): commits are not fsynced
 * one by one, so every `intervalMs` the whole environment is (LMDB's mdb_env_sync). A power
 * loss then drops at most the writes of the last interval (plus the flush itself) on this
 * machine; the replicas on other machines hold them. One flush at a time: a slow disk makes the
 * next one wait rather than pile up.
 */
export interface PeriodicSync {
  /** Stops the timer and flushes one last time. */
  stop(): Promise<void>;
  /** Flushes completed so far. */
  readonly flushes: number;
}

export function startPeriodicSync(sync: (done: (error?: unknown) => void) => void, intervalMs: number, onError: (error: unknown) => void): PeriodicSync {
  let running: Promise<void> | undefined;
  let flushes = 0;
  const flush = () =>
    (running ??= new Promise<void>((resolve) => {
      sync((error) => {
        if (error) onError(error);
        else flushes++;
        resolve();
      });
    }).finally(() => (running = undefined)));
  const timer = intervalMs > 0 ? setInterval(() => void flush(), intervalMs) : undefined;
  timer?.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await flush();
    },
    get flushes() {
      return flushes;
    },
  };
}
