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
 * Confirmed by a lookup of the node's neighbourhood (lookupNeighbourhood, at join, and again
 * from half of `ttlMs` on while the view is in use), and no longer once a contact it did not know turns up. A confirmation started in the background runs at
 * most once a second while nobody answers; concurrent confirmations share one lookup.
 */
import type { Clock, LookupResult } from "../types.js";

export class ViewConfirmation {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #lookupSelf: () => Promise<LookupResult>;
  readonly #tableSize: () => number;
  readonly #failed: (error: unknown) => void;
  /** When the view was last confirmed; undefined: not since start, or a stranger since. */
  #confirmedAt: number | undefined;
  #running: Promise<void> | undefined;
  #startedAt = Number.NEGATIVE_INFINITY;

  /** `lookupSelf` looks our own ID up wanting K; `failed` hears of a confirmation that failed. */
  constructor(c: { clock: Clock; ttlMs: number; lookupSelf: () => Promise<LookupResult>; tableSize: () => number; failed: (error: unknown) => void }) {
    this.#clock = c.clock;
    this.#ttlMs = c.ttlMs;
    this.#lookupSelf = c.lookupSelf;
    this.#tableSize = c.tableSize;
    this.#failed = c.failed;
  }

  /**
   * The self-lookup behind join and view confirmation. The view counts as confirmed when the
   * lookup was answered by someone, or when there was nobody to ask (the first peer of a new
   * network: alone, its view is complete).
   */
  async lookupNeighbourhood(): Promise<LookupResult> {
    const asked = this.#tableSize();
    const result = await this.#lookupSelf();
    // Everyone the lookup learned it also asked (in a network smaller than K it asks all it
    // meets), so what it learned does not unsettle the view it establishes.
    if (result.closest.length > 0 || asked === 0) this.markConfirmed();
    return result;
  }

  /**
   * Whether a table of `k`-sized buckets is the whole network: fewer than k contacts, confirmed.
   * When unconfirmed a confirmation starts in the background (unless `stopped`).
   */
  whole(k: number, stopped: boolean): boolean {
    if (this.#tableSize() >= k) return false;
    // Refreshed ahead, from half the TTL on: a confirmation that lapsed under load sent every
    // operation through a lookup until the next one finished (a 1000-key batch: 1000 lookups,
    // which made the load, and the next confirmation, worse).
    if (!stopped && (!this.confirmed || this.#clock.now() - this.#confirmedAt! >= this.#ttlMs / 2)) this.confirmSoon();
    return this.confirmed;
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
    this.#running ??= this.lookupNeighbourhood().then(() => {}, this.#failed).finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** Starts a confirmation in the background unless one runs or one started within the last second. */
  confirmSoon(): void {
    if (this.#running || this.#clock.now() - this.#startedAt < 1000) return;
    this.#startedAt = this.#clock.now();
    void this.confirm();
  }
}
