/**
 * Hinted hand-off (Dynamo §4.6). A write or a read repair that finds a replica unresponsive
 * stores the record at the next closest peer instead; that substitute hands the record back to
 * the replica set as soon as it can and drops its copy, rather than holding a surplus copy until
 * the next anti-entropy round (30 s by default) notices it.
 *
 * The hint is derived, not carried in the Store: a peer that keeps a record while it is not
 * among the key's R closest in its own routing table queues the key. That covers stores from
 * writers and from read repairs alike, and needs no trust in a hint from the sender. Retries
 * back off from hintRetryMs, doubling up to the repair interval; a queue at maxHints counts
 * the overflow and leaves the key to the round's hand-off, which sees every held key anyway.
 */
import type { RepairContext } from "./repair-context.js";
import { forEachBounded } from "./bounded.js";
import { handOffKey } from "./hand-off.js";
import { isReplica } from "./replica-view.js";

interface Hint {
  attempts: number;
  dueAtMs: number;
}

export class HintedHandoff {
  readonly #c: RepairContext;
  readonly #hints = new Map<string, Hint>();
  #timer: NodeJS.Timeout | undefined;
  #dueAtMs = Infinity;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(c: RepairContext) {
    this.#c = c;
  }

  get size(): number {
    return this.#hints.size;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueAtMs = Infinity;
    await this.#running;
  }

  /** `key` was just stored here: queue it when this peer is not one of its replicas. */
  stored(key: string): void {
    const c = this.#c;
    if (this.#hints.has(key)) return;
    const e = c.store.entry(key);
    if (!e) return;
    if (isReplica(c.self, c.router, e.position, c.replication().replicationFactor)) return;
    if (this.#hints.size >= c.settings.options.maxHints) {
      c.counters.hintsOverflowed++;
      return;
    }
    // The first attempt waits one retry delay: the replica that did not answer the writer
    // a moment ago is rarely back sooner, and a burst of writes is handed back in one batch.
    this.#hints.set(key, { attempts: 0, dueAtMs: c.clock.now() + c.settings.options.hintRetryMs });
    c.counters.hintsQueued++;
    this.#schedule();
  }

  /** Replica sets changed (a contact joined or came back): every hint is due now. */
  retryNow(): void {
    if (this.#hints.size === 0) return;
    const now = this.#c.clock.now();
    for (const h of this.#hints.values()) h.dueAtMs = Math.min(h.dueAtMs, now);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#running || this.#hints.size === 0) return;
    let due = Infinity;
    for (const h of this.#hints.values()) due = Math.min(due, h.dueAtMs);
    if (this.#timer && this.#dueAtMs <= due) return;
    clearTimeout(this.#timer);
    this.#dueAtMs = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#dueAtMs = Infinity;
      this.#running = this.#deliverDue()
        .catch((error: unknown) => this.#c.log.warn({ err: String(error) }, "hinted hand-off failed"))
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, Math.max(0, due - this.#c.clock.now()));
    this.#timer.unref();
  }

  /** Hands back every hint that is due (never rejects: a failure is a retry later). */
  async #deliverDue(): Promise<void> {
    const c = this.#c;
    const now = c.clock.now();
    const due = [...this.#hints].filter(([, h]) => h.dueAtMs <= now).map(([key]) => key);
    const { maxConcurrentTransfers, repairIntervalMs, hintRetryMs } = c.settings.options;
    await forEachBounded(due, maxConcurrentTransfers, async (key) => {
      if (this.#stopped) return;
      const outcome = await handOffKey(c, key).catch((error: unknown) => {
        c.log.debug({ key, err: String(error) }, "hinted hand-off failed");
        return "kept" as const;
      });
      const hint = this.#hints.get(key);
      if (!hint) return;
      if (outcome !== "kept") {
        this.#hints.delete(key);
        if (outcome === "dropped") c.counters.hintsHandedBack++;
        return;
      }
      hint.attempts++;
      hint.dueAtMs = c.clock.now() + Math.min(repairIntervalMs, hintRetryMs * 2 ** Math.min(hint.attempts, 20));
    });
  }
}
