import { setTimeout as sleep } from "node:timers/promises";

export interface WaitForOptions {
  /** Give up after this long. Default 10000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 100 ms. */
  intervalMs?: number;
  /** Describes the awaited condition in the timeout error. */
  what?: string;
}

/**
 * Polls `check` until it returns a value other than undefined/false, and returns that value;
 * a throwing check counts as "not yet" (its last error is reported on timeout). The
 * deterministic alternative to a fixed sleep in tests: it waits exactly as long as needed,
 * up to a deadline.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 100, what = "condition" } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
