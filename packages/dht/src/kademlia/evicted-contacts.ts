/**
 * Contacts evicted for failing calls, remembered for a while and probed again. Kademlia learns
 * contacts only from traffic, so after a partition both sides evict each other and, once the
 * network heals, neither has a reason to call the other: the network would stay split for
 * good. A peer that said goodbye is not remembered (it was removed, not evicted).
 *
 * The node owns the timer and the transport; this holds the state and runs a round of probes.
 * Bounded by `max` entries, the oldest forgotten first, and by `retentionMs`. Probes back off
 * from `probeIntervalMs`, doubling per failed probe, up to 2 times that for `fastWindowMs` after
 * the eviction (most partitions are short, and how long a healed one stays split is bounded by
 * this: the network promises to converge within seconds of a heal), then up to 8 times (a peer
 * that is really gone costs one ping every 8 intervals). When one evicted contact answers, the
 * others are probed at once: a heal rarely brings back a single peer.
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
  /** How long after an eviction probes back off to 2 intervals at most (then 8). Default 60 s. */
  fastWindowMs?: number;
}

export class EvictedContacts {
  readonly #entries = new Map<NodeId, Evicted>();
  readonly #o: Required<EvictedContactsOptions>;
  /** Contacts found alive again by a probe. */
  recovered = 0;

  constructor(options: EvictedContactsOptions) {
    this.#o = { fastWindowMs: 60_000, ...options };
  }

  get size(): number {
    return this.#entries.size;
  }

  remember(contact: Contact, nowMs: number): void {
    this.#entries.delete(contact.id);
    this.#entries.set(contact.id, { contact, evictedAtMs: nowMs, nextProbeAtMs: nowMs + this.#o.probeIntervalMs, failedProbes: 0 });
    while (this.#entries.size > this.#o.max) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Whether `id` was evicted and is remembered (not yet heard from again). */
  has(id: NodeId): boolean {
    return this.#entries.has(id);
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
    const maxDoublings = nowMs - e.evictedAtMs < this.#o.fastWindowMs ? 1 : 3;
    e.nextProbeAtMs = nowMs + this.#o.probeIntervalMs * 2 ** Math.min(e.failedProbes, maxDoublings);
  }

  /**
   * Pings every contact due now; one that answers goes to `answered` (the node learns it,
   * which also forgets it here), one that does not waits longer. Never rejects.
   */
  async reprobe(clock: Clock, ping: (c: Contact) => Promise<void>, answered: (c: Contact) => void): Promise<void> {
    const probe = async (contacts: Contact[]) => {
      let any = false;
      await Promise.all(
        contacts.map(async (contact) => {
          try {
            await ping(contact);
            this.recovered++;
            any = true;
            answered(contact);
          } catch {
            this.probeFailed(contact.id, clock.now());
          }
        }),
      );
      return any;
    };
    const first = this.due(clock.now());
    // One came back: the others may have too (a healed partition). Probe them now, once.
    if ((await probe(first)) && this.#entries.size > 0) {
      const tried = new Set(first.map((c) => c.id));
      await probe([...this.#entries.values()].map((e) => e.contact).filter((c) => !tried.has(c.id)));
    }
  }
}
