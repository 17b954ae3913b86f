/**
 * Runs the upload lease's sweep (ChunkStore.sweepPending) on a timer: every quarter lease,
 * between 10 ms and 10 min, so a chunk goes at most 1.25 leases after it was last seen pending.
 * One sweep at a time; the timer never keeps the process alive.
 */
import type { Logger } from "../types.js";
import type { ChunkStore } from "./chunk-store.js";

export class LeaseSweeper {
  readonly #chunks: ChunkStore;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #everyMs = 0;

  constructor(chunks: ChunkStore, log: Logger) {
    this.#chunks = chunks;
    this.#log = log;
  }

  /** Starts sweeping, or reschedules when the lease changed since. */
  start(): void {
    const every = Math.min(600_000, Math.max(10, Math.floor(this.#chunks.options.chunkLeaseMs / 4)));
    if (this.#timer && every === this.#everyMs) return;
    clearInterval(this.#timer);
    this.#everyMs = every;
    this.#timer = setInterval(() => void this.sweep(), every);
    this.#timer.unref();
  }

  /** The lease may have changed: keep the period at a quarter of it. */
  leaseChanged(): void {
    if (this.#timer) this.start();
  }

  /** One sweep (shared with one already running). */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#chunks
      .sweepPending()
      .then(
        (removed) => {
          if (removed > 0) this.#log.info({ removed, pending: this.#chunks.pendingChunks }, "uncommitted upload chunks collected");
        },
        (err: unknown) => this.#log.warn({ err: String(err) }, "chunk lease sweep failed"),
      )
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
  }
}
