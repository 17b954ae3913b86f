/** --limit-rate: paces a transfer to a byte rate by sleeping when it runs ahead. */
import { setTimeout as sleep } from "node:timers/promises";

export interface Pacer {
  /** Call after moving `bytes` more; resolves when the transfer may continue. */
  after(bytes: number, signal?: AbortSignal): Promise<void>;
}

/** A pacer for `bytesPerSecond`; without a rate it never waits. */
export function createPacer(bytesPerSecond: number | undefined, now: () => number = () => performance.now()): Pacer {
  if (!bytesPerSecond) return { after: async () => {} };
  const began = now();
  let moved = 0;
  return {
    async after(bytes, signal) {
      moved += bytes;
      const dueMs = (moved / bytesPerSecond) * 1000 - (now() - began);
      if (dueMs > 1) await sleep(dueMs, undefined, { signal });
    },
  };
}
