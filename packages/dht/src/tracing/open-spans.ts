/**
 * Spans started and not yet ended, counted per trace, so a reader of a trace (GetTrace) can
 * wait until the operation has finished everywhere it reaches from here. A put answers once
 * its write quorum is in, while its remaining replica stores are still under way; a trace
 * read at that moment would miss them and the spans they caused on other peers.
 *
 * Bounded: at most `maxTraces` traces are counted at once; a span of a trace beyond that is
 * not counted, and waiting on its trace ends at once (the trace is then shown as it is).
 */
export class OpenSpans {
  readonly #open = new Map<string, number>();
  readonly #waiters = new Map<string, Set<() => void>>();

  constructor(readonly maxTraces = 10_000) {}

  /** A span of `traceId` started; answers whether it is counted (end it with `ended` then). */
  started(traceId: string): boolean {
    const n = this.#open.get(traceId);
    if (n === undefined && this.#open.size >= this.maxTraces) return false;
    this.#open.set(traceId, (n ?? 0) + 1);
    return true;
  }

  /** A counted span of `traceId` ended. */
  ended(traceId: string): void {
    const n = this.#open.get(traceId);
    if (n === undefined) return;
    if (n > 1) {
      this.#open.set(traceId, n - 1);
      return;
    }
    this.#open.delete(traceId);
    const waiters = this.#waiters.get(traceId);
    this.#waiters.delete(traceId);
    for (const wake of waiters ?? []) wake();
  }

  /** Spans of `traceId` open now. */
  count(traceId: string): number {
    return this.#open.get(traceId) ?? 0;
  }

  /**
   * Resolves once no span of `traceId` is open, or after `timeoutMs`, or when `signal`
   * aborts, whichever comes first; answers whether the trace settled.
   */
  settled(traceId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.#open.has(traceId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(traceId);
      if (!waiters) this.#waiters.set(traceId, (waiters = new Set()));
      const finish = (settled: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        waiters.delete(wake);
        if (waiters.size === 0 && this.#waiters.get(traceId) === waiters) this.#waiters.delete(traceId);
        resolve(settled);
      };
      const wake = () => finish(true);
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      waiters.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
