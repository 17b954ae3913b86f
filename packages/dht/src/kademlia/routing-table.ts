/**
 * The routing table: 256 k-buckets indexed by the length of the prefix a contact shares with
 * self (Kademlia §2.2). Pure state, no I/O: ping-before-evict and refresh live in KademliaNode.
 */
import { systemClock, type Clock, type Contact, type NodeId } from "../types.js";
import { addressGroup, defaultDiversityLimits, type DiversityLimits } from "./address-diversity.js";
import { KBucket, type BucketEntry, type TouchResult } from "./k-bucket.js";
import { bitOf, bucketIndex, ID_BITS, idHigh32, idToBigInt, isNodeId } from "./node-id.js";

export interface RoutingTableOptions {
  /** Contacts per bucket (Kademlia's K). Default 20, the paper's choice for its churn model. */
  k?: number;
  /** Consecutive failed calls after which a contact is evicted. Default 3: one lost packet or
   * a slow GC pause should not drop a good contact, a dead one goes within a few calls. */
  maxFailures?: number;
  /** Newcomers remembered per full bucket, promoted when a contact is evicted. Default 5. */
  replacementCacheSize?: number;
  /** Contacts per public address group per bucket and per table (address-diversity.ts); false: no limit. */
  diversity?: DiversityLimits | false;
  clock?: Clock;
}

/** One bucket as shown by introspection (dashboard, persistence, debugging). */
export interface BucketInfo {
  index: number;
  contacts: BucketEntry[];
  replacements: number;
  /** When a lookup last targeted this bucket's range (0: never). */
  refreshedAtMs: number;
}

interface Ranked {
  c: Contact;
  /** Top 32 bits of the distance to the target. */
  dHigh: number;
  idBig: bigint;
}

/**
 * What touch() did; "self" when asked to insert our own ID (never stored); "refused" when a
 * newcomer's address group already has its share of the bucket or table (address-diversity.ts).
 */
export type TableTouchResult = TouchResult | "self" | "refused";

/** What markFailure() did to the contact. */
export type FailureOutcome = "unknown" | "suspect" | { evicted: Contact; promoted?: Contact };

export class RoutingTable {
  readonly k: number;
  readonly maxFailures: number;
  readonly replacementCacheSize: number;
  private readonly clock: Clock;
  private readonly diversity: DiversityLimits | false;
  /** Newcomers refused by the diversity limits (for a metric). */
  refusedByDiversity = 0;
  private readonly table: (KBucket | undefined)[] = new Array(ID_BITS);
  private readonly refreshedAt: number[] = new Array<number>(ID_BITS).fill(0);
  private count = 0;
  private changeCount = 0;

  constructor(
    readonly selfId: NodeId,
    options: RoutingTableOptions = {},
  ) {
    if (!isNodeId(selfId)) throw new TypeError("RoutingTable: selfId must be 64 lowercase hex characters");
    this.k = options.k ?? 20;
    this.maxFailures = options.maxFailures ?? 3;
    this.replacementCacheSize = options.replacementCacheSize ?? 5;
    this.clock = options.clock ?? systemClock;
    this.diversity = options.diversity ?? defaultDiversityLimits;
    if (!Number.isInteger(this.k) || this.k < 1) throw new RangeError("RoutingTable: k must be a positive integer");
    if (!Number.isInteger(this.maxFailures) || this.maxFailures < 1) {
      throw new RangeError("RoutingTable: maxFailures must be a positive integer");
    }
  }

  /** Counts changes to the set of live contacts (adds, removals, promotions): a saver compares it to save only after a change. */
  get changes(): number {
    return this.changeCount;
  }

  /** Number of live contacts (replacements excluded). */
  get size(): number {
    return this.count;
  }

  /** Bucket index for `id`; undefined for self. */
  indexOf(id: NodeId): number | undefined {
    return id === this.selfId ? undefined : bucketIndex(this.selfId, id);
  }

  /**
   * We heard from `contact` (verified message or reply): refresh it or add it. When its bucket
   * is full nothing changes and the least-recently-seen contact is returned (`{ full }`), for
   * the caller to ping before evicting. Malformed IDs throw; self is ignored.
   */
  touch(contact: Contact): TableTouchResult {
    if (!isNodeId(contact.id)) throw new TypeError("RoutingTable.touch: contact.id must be 64 lowercase hex characters");
    if (contact.id === this.selfId) return "self";
    const i = bucketIndex(this.selfId, contact.id);
    let bucket = this.table[i];
    if (!bucket) bucket = this.table[i] = new KBucket(this.k, this.replacementCacheSize);
    if (!bucket.get(contact.id) && this.overDiversity(bucket, contact)) return "refused";
    const r = bucket.touch(contact, this.clock.now());
    if (r === "added") {
      this.count++;
      this.changeCount++;
    }
    return r;
  }

  /** Keeps a newcomer in its (full) bucket's replacement cache. */
  addReplacement(contact: Contact): void {
    const i = this.indexOf(contact.id);
    if (i === undefined) return;
    let bucket = this.table[i];
    if (!bucket) bucket = this.table[i] = new KBucket(this.k, this.replacementCacheSize);
    if (bucket.get(contact.id) || this.overDiversity(bucket, contact)) return;
    bucket.addReplacement(contact, this.clock.now());
  }

  /**
   * True when adding `contact` would exceed its address group's share of `bucket` or of the
   * table. Counted by scanning: it runs only for newcomers, and a table holds at most 256·k.
   */
  private overDiversity(bucket: KBucket, contact: Contact): boolean {
    if (!this.diversity) return false;
    const group = addressGroup(contact.address);
    if (group === undefined) return false;
    const inGroup = (c: Contact) => c.id !== contact.id && addressGroup(c.address) === group;
    let over = bucket.contacts().filter(inGroup).length >= this.diversity.maxPerBucket;
    if (!over) {
      let n = 0;
      for (const b of this.table) if (b) n += b.contacts().filter(inGroup).length;
      over = n >= this.diversity.maxPerTable;
    }
    if (over) this.refusedByDiversity++;
    return over;
  }

  get(id: NodeId): BucketEntry | undefined {
    if (!isNodeId(id) || id === this.selfId) return undefined;
    return this.table[bucketIndex(this.selfId, id)]?.get(id);
  }

  /** True when the contact is known and its last call(s) failed: lookups try it last. */
  isSuspect(id: NodeId): boolean {
    return (this.get(id)?.failures ?? 0) > 0;
  }

  /** Removes a contact outright, promoting a replacement. Returns whether it was present. */
  remove(id: NodeId): { removed: boolean; promoted?: Contact } {
    const i = this.indexOf(id);
    const bucket = i === undefined ? undefined : this.table[i];
    if (!bucket) return { removed: false };
    const { removed, promoted } = bucket.remove(id);
    if (!removed) return { removed: false };
    if (!promoted) this.count--;
    this.changeCount++;
    return promoted ? { removed: true, promoted } : { removed: true };
  }

  /** A call to `id` failed: mark it suspect, evict it after `maxFailures` in a row. */
  markFailure(id: NodeId): FailureOutcome {
    const i = this.indexOf(id);
    const bucket = i === undefined ? undefined : this.table[i];
    if (!bucket) return "unknown";
    const failures = bucket.recordFailure(id);
    if (failures === 0) return "unknown";
    if (failures < this.maxFailures) return "suspect";
    const entry = bucket.get(id)!;
    const { promoted } = this.remove(id);
    return promoted ? { evicted: entry.contact, promoted } : { evicted: entry.contact };
  }

  /** A call to the contact succeeded: it is alive, seen now, and no longer suspect. */
  markSuccess(contact: Contact): TableTouchResult {
    return this.touch(contact);
  }

  /** Records that a lookup covered bucket `index`'s range, so the periodic refresh skips it. */
  markRefreshed(index: number, atMs = this.clock.now()): void {
    if (index >= 0 && index < ID_BITS) this.refreshedAt[index] = atMs;
  }

  refreshedAtMs(index: number): number {
    return this.refreshedAt[index] ?? 0;
  }

  /**
   * The `n` known contacts closest to `target`, closest first, skipping ids in `exclude`.
   * Uses the bucket structure: with i = bucketIndex(self, target), every contact of bucket i is
   * closer to target than any contact elsewhere; buckets deeper than i come next (all at the
   * same top distance bit), then buckets i-1, i-2, … each strictly farther than the previous.
   * So only the buckets needed to reach n contacts are collected and sorted.
   */
  closest(target: NodeId, n: number, exclude?: ReadonlySet<NodeId>): Contact[] {
    if (n <= 0) return [];
    const t = idToBigInt(target);
    const tHigh = idHigh32(target);
    // Distances compare on their top 32 bits (plain numbers); bigints only break ties, rare
    // below 2^16 nodes. This is the simulation's hottest path.
    const cmp = (x: Ranked, y: Ranked): number => {
      if (x.dHigh !== y.dHigh) return x.dHigh - y.dHigh;
      const dx = x.idBig ^ t;
      const dy = y.idBig ^ t;
      return dx < dy ? -1 : dx > dy ? 1 : 0;
    };
    const ranked = (b: KBucket | undefined): Ranked[] => {
      const out: Ranked[] = [];
      if (!b) return out;
      for (const e of b.storedEntries()) {
        if (!exclude?.has(e.contact.id)) out.push({ c: e.contact, dHigh: (e.idHigh ^ tHigh) >>> 0, idBig: e.idBig });
      }
      return out;
    };
    const i = target === this.selfId ? ID_BITS : bucketIndex(this.selfId, target);
    const result = ranked(this.table[i]).sort(cmp);
    if (result.length < n) {
      // Deeper buckets, all at the same top distance bit: keep only the best n - |result|.
      const room = n - result.length;
      const best: Ranked[] = [];
      for (let j = i + 1; j < ID_BITS; j++) {
        for (const r of ranked(this.table[j])) {
          if (best.length === room && cmp(r, best[room - 1]!) >= 0) continue;
          let lo = 0;
          let hi = best.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (cmp(best[mid]!, r) < 0) lo = mid + 1;
            else hi = mid;
          }
          best.splice(lo, 0, r);
          if (best.length > room) best.pop();
        }
      }
      result.push(...best);
    }
    for (let j = i - 1; j >= 0 && result.length < n; j--) result.push(...ranked(this.table[j]).sort(cmp));
    return result.slice(0, n).map((r) => r.c);
  }

  /**
   * Known contacts closer to `target` than self, ranking none (asked per record a replica
   * stores): with i = bucketIndex(self, target), all of bucket i, no shallower bucket, and a
   * deeper bucket j as a whole exactly when self and target differ at bit j.
   */
  closerThanSelf(target: NodeId): number {
    if (target === this.selfId) return 0;
    const i = bucketIndex(this.selfId, target);
    let closer = this.table[i]?.size ?? 0;
    for (let j = i + 1; j < ID_BITS; j++) if (this.table[j]?.size && bitOf(this.selfId, j) !== bitOf(target, j)) closer += this.table[j]!.size;
    return closer;
  }

  /** Every live contact, farthest bucket first, least-recently-seen first within a bucket. */
  all(): Contact[] {
    const out: Contact[] = [];
    for (const b of this.table) if (b) out.push(...b.contacts());
    return out;
  }

  /** Non-empty buckets (or buckets with replacements), for introspection. */
  buckets(): BucketInfo[] {
    const out: BucketInfo[] = [];
    this.table.forEach((b, index) => {
      if (!b || (b.size === 0 && b.replacementCount === 0)) return;
      out.push({
        index,
        contacts: b.list(),
        replacements: b.replacementCount,
        refreshedAtMs: this.refreshedAt[index]!,
      });
    });
    return out;
  }

  /** The live contacts, for saving to disk; restore() takes the same list back. */
  snapshot(): Contact[] {
    return this.all().map((c) => ({ ...c }));
  }

  /**
   * Loads saved contacts (e.g. after a restart). Malformed entries and self are skipped;
   * contacts that do not fit go to the replacement caches. Returns how many were added.
   */
  restore(contacts: readonly Contact[]): number {
    let added = 0;
    for (const c of contacts) {
      if (!c || !isNodeId(c.id) || typeof c.address !== "string" || c.id === this.selfId) continue;
      const contact: Contact = { id: c.id, address: c.address, httpAddress: typeof c.httpAddress === "string" ? c.httpAddress : "" };
      const r = this.touch(contact);
      if (r === "added") added++;
      else if (typeof r === "object") this.addReplacement(contact);
    }
    return added;
  }
}
