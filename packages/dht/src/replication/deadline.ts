import { DhtError } from "../errors.js";
import type { CallOptions } from "../types.js";

/**
 * Runs a remote call with a deadline enforced here too, so a transport that ignores
 * `timeoutMs` cannot hang a quorum: the call's signal is aborted and the promise rejects
 * with DEADLINE_EXCEEDED when time is up.
 */
export function callWithDeadline<T>(
  timeoutMs: number,
  call: (opts: CallOptions) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new DhtError(`no answer within ${timeoutMs} ms`, "deadline_exceeded"));
    }, timeoutMs);
  });
  return Promise.race([call({ timeoutMs, signal: controller.signal }), expired]).finally(() =>
    clearTimeout(timer),
  );
}
