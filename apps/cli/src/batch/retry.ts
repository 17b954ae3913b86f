/**
 * Retries of a batch call. A peer answers each batch under its own request deadline (5 s by
 * default), so a batch of 1000 keys on a busy network can time out as a whole where 500 would
 * not: such a batch is retried as two halves. Keys that failed alone for a reason that passes
 * (unavailable, deadline_exceeded: a quorum not reached in time) are retried alone, and a rate
 * limit waits its Retry-After. Writing a key again is harmless here (the same value, a newer
 * version) and reading again always is. Everything else is final at once.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { networkCause } from "../errors.js";

export interface KeyResult {
  error?: { code: string; message: string };
}

export interface RetryPolicy {
  /** How many more tries a failed call or key gets. */
  retries: number;
  /** First backoff; doubled per try, with jitter. */
  baseDelayMs: number;
  signal?: AbortSignal;
  /** Told of each retry: the keys sent again and why (for a note, and the summary's count). */
  onRetry?: (keys: number, reason: string) => void;
}

const TRANSIENT_KEY_CODES = new Set(["unavailable", "deadline_exceeded"]);

/** Seconds of a rate limit's Retry-After, or undefined when the error is no rate limit. */
export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof ConnectError) || err.code !== Code.ResourceExhausted) return undefined;
  const header = err.metadata.get("retry-after");
  if (header === null) return undefined;
  const s = Number(header);
  return Number.isFinite(s) && s >= 0 ? Math.min(s, 60) * 1000 : 1000;
}

/** A whole call's failure that may pass: the peer unreachable for a moment, its deadline, a rate limit. */
export function transientCallFailure(err: unknown): boolean {
  if (retryAfterMs(err) !== undefined || networkCause(err) !== undefined) return true;
  return err instanceof ConnectError && (err.code === Code.Unavailable || err.code === Code.DeadlineExceeded);
}

/**
 * `call(items)` with retries; one result per item, in order. `refused(err)` turns a whole-call
 * failure that is about the batch's content into per-key results (or undefined: thrown).
 */
export async function callWithRetries<I, R extends KeyResult>(items: I[], call: (items: I[]) => Promise<R[]>, refused: (items: I[], err: unknown) => R[] | undefined, policy: RetryPolicy): Promise<R[]> {
  const pause = async (tries: number, err?: unknown) => {
    const base = retryAfterMs(err) ?? policy.baseDelayMs * 2 ** (policy.retries - tries);
    await sleep(base * (0.75 + Math.random() / 2), undefined, { signal: policy.signal });
  };
  const attempt = async (batch: I[], tries: number): Promise<R[]> => {
    let results: R[];
    try {
      results = await call(batch);
    } catch (err) {
      if (tries <= 0 || policy.signal?.aborted || !transientCallFailure(err)) {
        const perKey = refused(batch, err);
        if (perKey) return perKey;
        throw err;
      }
      policy.onRetry?.(batch.length, err instanceof ConnectError ? Code[err.code] : (networkCause(err) ?? "error"));
      await pause(tries, err);
      const timedOut = err instanceof ConnectError && err.code === Code.DeadlineExceeded;
      if (!timedOut || batch.length < 2) return attempt(batch, tries - 1);
      const half = Math.ceil(batch.length / 2);
      return [...(await attempt(batch.slice(0, half), tries - 1)), ...(await attempt(batch.slice(half), tries - 1))];
    }
    const again = results.flatMap((r, i) => (r.error && TRANSIENT_KEY_CODES.has(r.error.code) ? [i] : []));
    if (!again.length || tries <= 0 || policy.signal?.aborted) return results;
    policy.onRetry?.(again.length, results[again[0]!]!.error!.code);
    await pause(tries);
    const retried = await attempt(again.map((i) => batch[i]!), tries - 1);
    again.forEach((i, j) => (results[i] = retried[j]!));
    return results;
  };
  return attempt(items, policy.retries);
}
