/**
 * Whether a node's routing table is known to hold the whole network. A table holding fewer
 * than K contacts has never had a full bucket, so it never dropped a contact for lack of room;
 * and in a network that small a lookup of our own ID reaches every peer (each answers with all
 * it knows), which learns us. So once such a lookup has finished with no stranger turning up
 * since, the table is the whole network and reads and writes can go straight to the closest it
 * knows, one round trip instead of two. Never on the table alone: a restarted peer's saved
 * table may be stale or nearly empty, and taking it for the whole network would answer "not
 * found" from the wrong replicas.
 *
 * Confirmed by a lookup of the node's neighbourhood (KademliaNode.lookupNeighbourhood, at join
 * and then every `ttlMs`), and no longer once a contact it did not know turns up. A confirmation started in the background runs at
 * most once a second while nobody answers; concurrent confirmations share one lookup.
 */
import type { Clock } from "../types.js";

export class ViewConfirmation {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #run: () => Promise<void>;
  /** When the view was last confirmed; undefined: not since start, or a stranger since. */
  #confirmedAt: number | undefined;
  #running: Promise<void> | undefined;
  #startedAt = Number.NEGATIVE_INFINITY;

  /** `run` looks the neighbourhood up and calls markConfirmed when it succeeds; never rejects. */
  constructor(clock: Clock, ttlMs: number, run: () => Promise<void>) {
    this.#clock = clock;
    this.#ttlMs = ttlMs;
    this.#run = run;
  }

  get confirmed(): boolean {
    return this.#confirmedAt !== undefined && this.#clock.now() - this.#confirmedAt < this.#ttlMs;
  }

  /** The confirmation in flight, if any. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  markConfirmed(): void {
    this.#confirmedAt = this.#clock.now();
  }

  /** A contact we did not know appeared: whatever we took for the whole network was not. */
  invalidate(): void {
    this.#confirmedAt = undefined;
  }

  /** Confirms now (or joins the confirmation in flight). */
  confirm(): Promise<void> {
    this.#running ??= this.#run().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Starts a confirmation in the background unless one runs or one started within the last second. */
  confirmSoon(): void {
    if (this.#running || this.#clock.now() - this.#startedAt < 1000) return;
    this.#startedAt = this.#clock.now();
    void this.confirm();
  }
}
