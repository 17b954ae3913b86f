/**
 * Contacts evicted for failing calls, remembered for a while and probed again. Kademlia learns
 * contacts only from traffic, so after a partition both sides evict each other and, once the
 * network heals, neither has a reason to call the other: the network would stay split for
 * good. A peer that said goodbye is not remembered (it was removed, not evicted).
 *
 * The node owns the timer and the transport; this holds the state and runs a round of probes.
 * Bounded by `max` entries, the oldest
 * forgotten first, and by `retentionMs`. Probes back off from `probeIntervalMs`, doubling per
 * failed probe up to 4 times that: how long a healed partition stays split is bounded by it.
 */
import type { Clock, Contact, NodeId } from "../types.js";

interface Evicted {
  contact: Contact;
  evictedAtMs: number;
  nextProbeAtMs: number;
  failedProbes: number;
}

export interface EvictedContactsOptions {
  max: number;
  retentionMs: number;
  probeIntervalMs: number;
}

export class EvictedContacts {
  readonly #entries = new Map<NodeId, Evicted>();
  readonly #o: EvictedContactsOptions;
  /** Contacts found alive again by a probe. */
  recovered = 0;

  constructor(options: EvictedContactsOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  remember(contact: Contact, nowMs: number): void {
    this.#entries.delete(contact.id);
    this.#entries.set(contact.id, { contact, evictedAtMs: nowMs, nextProbeAtMs: nowMs + this.#o.probeIntervalMs, failedProbes: 0 });
    while (this.#entries.size > this.#o.max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Heard from again (a probe answered, or it called us): no longer evicted. */
  forget(id: NodeId): void {
    this.#entries.delete(id);
  }

  /** Contacts due for a probe now (entries past their retention are dropped). */
  due(nowMs: number): Contact[] {
    const out: Contact[] = [];
    for (const [id, e] of this.#entries) {
      if (nowMs - e.evictedAtMs > this.#o.retentionMs) this.#entries.delete(id);
      else if (e.nextProbeAtMs <= nowMs) out.push(e.contact);
    }
    return out;
  }

  probeFailed(id: NodeId, nowMs: number): void {
    const e = this.#entries.get(id);
    if (!e) return;
    e.failedProbes++;
    e.nextProbeAtMs = nowMs + this.#o.probeIntervalMs * 2 ** Math.min(e.failedProbes, 2);
  }

  /**
   * Pings every contact due now; one that answers goes to `answered` (the node learns it,
   * which also forgets it here), one that does not waits longer. Never rejects.
   */
  async reprobe(clock: Clock, ping: (c: Contact) => Promise<void>, answered: (c: Contact) => void): Promise<void> {
    await Promise.all(
      this.due(clock.now()).map(async (contact) => {
        try {
          await ping(contact);
          this.recovered++;
          answered(contact);
        } catch {
          this.probeFailed(contact.id, clock.now());
        }
      }),
    );
  }
}
