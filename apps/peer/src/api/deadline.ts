import { Code, ConnectError } from "@connectrpc/connect";

/** Rejects with DeadlineExceeded after `ms`, or when `signal` aborts (client gone or its own deadline). */
export async function withDeadline<T>(op: string, ms: number, signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectError(`${op}: no answer within the request deadline of ${ms} ms`, Code.DeadlineExceeded)), ms);
    if (signal) {
      onAbort = () => reject(ConnectError.from(signal.reason ?? new Error("request aborted"), Code.Canceled));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  // The operation keeps running in the background after a deadline; make sure its eventual
  // rejection is not reported as unhandled.
  work.catch(() => {});
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
    if (signal && onAbort) signal.removeEventListener("abort", onAbort);
  }
}
