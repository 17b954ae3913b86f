/**
 * A Kademlia node: routing table upkeep (learning contacts, ping-before-evict, periodic bucket
 * refresh), iterative lookups, the join procedure, and the routing side of incoming requests.
 * It implements Router, which is all replication sees of routing.
 */
import { systemClock, silentLogger, type Clock, type Contact, type LookupOptions, type LookupResult, type Logger, type NodeId, type Router } from "../types.js";
import { EvictedContacts } from "./evicted-contacts.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { LookupListener } from "./lookup-events.js";
import { errorCodeOf, iterativeLookup } from "./lookup.js";
import { bucketIndex, isNodeId, randomIdInBucket } from "./node-id.js";
import { RoutingTable } from "./routing-table.js";

export interface KademliaComponents {
  /** This node's contact; never stored in its own table. */
  self: Contact;
  transport: Transport;
  clock?: Clock;
  logger?: Logger;
  /** Floats in [0, 1), for refresh targets; seed it for reproducible simulations. Default crypto randomness. */
  random?: () => number;
  /** Receives every lookup's events (logs, metrics, dashboard trace). */
  onLookupEvent?: LookupListener;
  /** A contact joined the table (from any message, a lookup or a probe): replica sets changed. */
  onContactAdded?: (contact: Contact) => void;
}

export interface KademliaOptions {
  /** Bucket size and replication parameter K. Default 20 (the paper's value). */
  k?: number;
  /** Lookup requests in flight at once. Default 3 (the paper's α). */
  alpha?: number;
  /** Deadline of every remote call the node makes (lookups and pings), in ms. Default 2000:
   * far above a loopback or LAN round trip, short enough that a dead peer costs little. */
  rpcTimeoutMs?: number;
  /** A bucket with no lookup in its range for this long is refreshed. Default 15 min; the
   * paper's hour assumes much longer-lived peers than a test fleet has. */
  refreshIntervalMs?: number;
  /** Consecutive failed calls before a contact is evicted. Default 3. */
  maxFailures?: number;
  /** Newcomers kept per full bucket for when a contact is evicted. Default 5. */
  replacementCacheSize?: number;
  /** A full bucket's least-recently-seen contact heard from within this window counts as
   * alive without a ping: the newcomer just waits in the replacement cache. Default 60 s, which
   * spares a busy node one ping per newcomer; 0 pings every time (the paper's rule). */
  pingFreshnessMs?: number;
  /** Cap on requests per lookup. Default 8·k (160): a 10,000-node lookup needs about 30-50. */
  maxLookupRequests?: number;
  /**
   * How long a confirmed view of a small network (fewer than K contacts) is trusted as the
   * whole network before it is looked up again. Default 30 s: a peer that joined through a
   * peer with a partial view (an island) meets the rest of the network within this long.
   */
  viewTtlMs?: number;
  /** How often contacts evicted for failing are probed again (doubling per failed probe, up to
   * 4×), so a network split by a partition joins up again once it heals. Default 1 s: at most
   * maxEvictedContacts small pings, and every second of a split that outlives its cause is a
   * second of reads that miss the other side's writes. */
  reprobeIntervalMs?: number;
  /** Evicted contacts remembered for probing at most, and for how long. Defaults 256 and 1 h. */
  maxEvictedContacts?: number;
  evictedRetentionMs?: number;
}

/** A local preset with short timeouts for tests and a fleet on loopback. */
export const localKademliaOptions: KademliaOptions = { rpcTimeoutMs: 500, refreshIntervalMs: 60_000 };

export class KademliaNode implements Router {
  readonly self: Contact;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: (() => number) | undefined;
  private readonly onLookupEvent: LookupListener | undefined;
  private readonly onContactAdded: ((contact: Contact) => void) | undefined;
  private readonly table: RoutingTable;
  private readonly alpha: number;
  private rpcTimeoutMs: number;
  private readonly refreshIntervalMs: number;
  private readonly maxLookupRequests: number;
  private readonly pingFreshnessMs: number;
  /** Buckets with a ping-before-evict in flight: at most one per bucket, so a flood of
   * newcomers costs at most 256 pings, the rest wait in the bounded replacement caches. */
  private readonly pinging = new Set<number>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private stopped = false;
  private lookupCounter = 0;
  private readonly viewTtlMs: number;
  /**
   * When a lookup of our own neighbourhood last confirmed that the table holds every peer
   * there is (undefined: not since start, or a contact we did not know has appeared since).
   */
  private viewConfirmedAt: number | undefined;
  private confirming: Promise<void> | undefined;
  /** When the last background confirmation started: one a second at most while nobody answers. */
  private confirmStartedAt = Number.NEGATIVE_INFINITY;
  /** Contacts evicted for failing, probed again until they answer or are forgotten. */
  readonly evicted: EvictedContacts;
  private readonly reprobeIntervalMs: number;
  private reprobeTimer: NodeJS.Timeout | undefined;
  private reprobing: Promise<void> | undefined;

  constructor(components: KademliaComponents, options: KademliaOptions = {}) {
    if (!isNodeId(components.self.id)) throw new TypeError("KademliaNode: self.id must be 64 lowercase hex characters");
    this.self = { ...components.self };
    this.transport = components.transport;
    this.clock = components.clock ?? systemClock;
    this.logger = components.logger ?? silentLogger;
    this.random = components.random;
    this.onLookupEvent = components.onLookupEvent;
    this.onContactAdded = components.onContactAdded;
    const k = options.k ?? 20;
    this.alpha = options.alpha ?? 3;
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 2000;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 15 * 60_000;
    this.maxLookupRequests = options.maxLookupRequests ?? 8 * k;
    this.pingFreshnessMs = options.pingFreshnessMs ?? 60_000;
    this.viewTtlMs = options.viewTtlMs ?? 30_000;
    this.reprobeIntervalMs = options.reprobeIntervalMs ?? 1000;
    const maxEvicted = options.maxEvictedContacts ?? 256;
    const evictedRetentionMs = options.evictedRetentionMs ?? 3_600_000;
    if (!Number.isSafeInteger(maxEvicted) || maxEvicted < 0) throw new RangeError("KademliaNode: maxEvictedContacts must be a non-negative integer");
    this.evicted = new EvictedContacts({ max: maxEvicted, retentionMs: evictedRetentionMs, probeIntervalMs: this.reprobeIntervalMs });
    for (const [name, v] of Object.entries({ reprobeIntervalMs: this.reprobeIntervalMs, evictedRetentionMs, alpha: this.alpha, rpcTimeoutMs: this.rpcTimeoutMs, refreshIntervalMs: this.refreshIntervalMs, maxLookupRequests: this.maxLookupRequests, viewTtlMs: this.viewTtlMs })) {
      if (!Number.isFinite(v) || v <= 0) throw new RangeError(`KademliaNode: ${name} must be a positive number`);
    }
    this.table = new RoutingTable(this.self.id, {
      k,
      maxFailures: options.maxFailures ?? 3,
      replacementCacheSize: options.replacementCacheSize ?? 5,
      clock: this.clock,
    });
  }

  /** The deadline of the calls this node makes (lookups, pings, probes). */
  get callTimeoutMs(): number {
    return this.rpcTimeoutMs;
  }

  /** Changes the call deadline live (a config reload); later calls use it. */
  setCallTimeoutMs(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`KademliaNode: rpcTimeoutMs must be a positive number, got ${ms}`);
    this.rpcTimeoutMs = ms;
  }

  /** The routing table, for introspection (buckets()) and persistence (snapshot()/restore()). */
  get routingTable(): RoutingTable {
    return this.table;
  }

  get k(): number {
    return this.table.k;
  }

  /**
   * We heard from `contact` (a verified incoming message or a reply). Known contacts move to
   * the tail of their bucket; newcomers fill free slots; for a full bucket the newcomer waits
   * in the replacement cache while the least-recently-seen contact is pinged: if it answers
   * it stays (§2.2: old live contacts are the most reliable), otherwise it is evicted and the
   * newest replacement takes its place. Never throws for a malformed contact (it is ignored).
   */
  learn(contact: Contact): void {
    if (!contact || !isNodeId(contact.id) || typeof contact.address !== "string" || contact.address === "") return;
    // Store our own copy: callers' objects (and any extra fields) stay theirs.
    contact = { id: contact.id, address: contact.address, httpAddress: typeof contact.httpAddress === "string" ? contact.httpAddress : "" };
    const r = this.table.touch(contact);
    if (this.evicted.size > 0) this.evicted.forget(contact.id);
    // A peer we did not know: whatever we took for the whole network was not.
    if (r === "added") {
      this.viewConfirmedAt = undefined;
      this.onContactAdded?.(contact);
    }
    if (typeof r !== "object") return;
    this.table.addReplacement(contact);
    const index = bucketIndex(this.self.id, contact.id);
    if (this.pinging.has(index) || this.stopped) return;
    const lrs = this.table.get(r.full.id);
    if (lrs && lrs.failures === 0 && this.clock.now() - lrs.lastSeenMs < this.pingFreshnessMs) return;
    this.pinging.add(index);
    void this.pingLeastRecentlySeen(r.full).finally(() => this.pinging.delete(index));
  }

  private async pingLeastRecentlySeen(lrs: Contact): Promise<void> {
    try {
      await this.transport.ping(lrs, { timeoutMs: this.rpcTimeoutMs });
      this.table.markSuccess(lrs);
    } catch (err) {
      const { removed, promoted } = this.table.remove(lrs.id);
      if (removed) this.evicted.remember(lrs, this.clock.now());
      this.logger.debug({ peer: lrs.id, error: errorCodeOf(err), promoted: promoted?.id }, "evicted unresponsive contact");
    }
  }

  /**
   * Iterative lookup of `target` (FindValue when `opts.key` is set); see iterativeLookup.
   * Responders are learned, failures reported; `listener` gets this lookup's events in
   * addition to the node-wide onLookupEvent.
   */
  lookup(target: NodeId, opts: LookupOptions, listener?: LookupListener): Promise<LookupResult> {
    if (isNodeId(target) && target !== this.self.id) this.table.markRefreshed(bucketIndex(this.self.id, target));
    const nodeListener = this.onLookupEvent;
    const both: LookupListener | undefined =
      nodeListener && listener ? (e) => (nodeListener(e), listener(e)) : (nodeListener ?? listener);
    return iterativeLookup(
      target,
      opts,
      {
        self: this.self,
        transport: this.transport,
        clock: this.clock,
        // Seed with k contacts, not just `wanted`: the lookup only queries the closest it
        // needs, but when those are dead it falls back on the next ones instead of ending
        // empty (the simulation lost ~0.3³ of gets with 30% of nodes failed to this).
        seeds: isNodeId(target) ? this.table.closest(target, Math.max(opts.wanted, this.alpha, this.table.k)) : [],
        isSuspect: (id) => this.table.isSuspect(id),
        onResponse: (peer) => this.reportSuccess(peer),
        onFailure: (peer, err) => this.reportFailure(peer, err),
        lookupId: ++this.lookupCounter,
        ...(both ? { listener: both } : {}),
      },
      { alpha: this.alpha, rpcTimeoutMs: this.rpcTimeoutMs, maxRequests: this.maxLookupRequests, maxContactsPerReply: this.table.k },
    );
  }

  closestKnown(target: NodeId, n: number): Contact[] {
    return isNodeId(target) ? this.table.closest(target, n) : [];
  }

  /**
   * A table holding fewer than K contacts has never had a full bucket, so it never dropped a
   * contact for lack of room; and in a network that small a lookup of our own ID reaches every
   * peer (each answers with all it knows), which learns us. So once such a lookup has finished
   * with no stranger turning up since, the table is the whole network: reads and writes can go
   * straight to the closest it knows, one round trip instead of two. A stale entry (a peer that
   * died) fails its call and is replaced by the next closest, as after a lookup.
   *
   * Never on the table alone: a restarted peer's saved table may be stale or nearly empty, and
   * taking it for the whole network would answer "not found" from the wrong replicas. Until a
   * neighbourhood lookup confirms it (at join, then every viewTtlMs) this answers undefined and
   * starts that lookup in the background; callers look up meanwhile.
   */
  wholeNetworkNear(target: NodeId, n: number): Contact[] | undefined {
    if (this.table.size >= this.table.k) return undefined;
    if (!this.viewConfirmed()) {
      if (!this.confirming && !this.stopped && this.clock.now() - this.confirmStartedAt >= 1000) {
        this.confirmStartedAt = this.clock.now();
        void this.confirmView();
      }
      return undefined;
    }
    return this.closestKnown(target, n);
  }

  /** True while a neighbourhood lookup has confirmed the table, within viewTtlMs, with no stranger since. */
  viewConfirmed(): boolean {
    return this.viewConfirmedAt !== undefined && this.clock.now() - this.viewConfirmedAt < this.viewTtlMs;
  }

  /**
   * Looks up our own ID through every contact we have, learning the neighbourhood, and marks
   * the view confirmed when the lookup ends with no stranger appearing after it started
   * answering. Concurrent calls share one lookup; never rejects.
   */
  confirmView(): Promise<void> {
    this.confirming ??= this.runConfirm().finally(() => (this.confirming = undefined));
    return this.confirming;
  }

  private async runConfirm(): Promise<void> {
    try {
      await this.lookupNeighbourhood();
    } catch (err) {
      this.logger.debug({ error: errorCodeOf(err) }, "neighbourhood lookup failed");
    }
  }

  /**
   * The self-lookup behind join and view confirmation. The view counts as confirmed when the
   * lookup was answered by someone, or when there was nobody to ask (the first peer of a new
   * network: alone, its view is complete).
   */
  private async lookupNeighbourhood(): Promise<LookupResult> {
    const asked = this.table.size;
    const result = await this.lookup(this.self.id, { wanted: this.k });
    // Everyone the lookup learned it also asked (in a network smaller than K it asks all it
    // meets), so what it learned does not unsettle the view it establishes.
    if (result.closest.length > 0 || asked === 0) this.viewConfirmedAt = this.clock.now();
    return result;
  }

  reportFailure(contact: Contact, error: unknown): void {
    const outcome = this.table.markFailure(contact.id);
    if (typeof outcome === "object") {
      this.evicted.remember(outcome.evicted, this.clock.now());
      this.logger.debug({ peer: contact.id, error: errorCodeOf(error), promoted: outcome.promoted?.id }, "evicted failing contact");
    }
  }

  reportSuccess(contact: Contact): void {
    this.learn(contact);
  }

  /**
   * Joins the network (Kademlia §2.3): learns `seeds` (contacts the caller has already reached,
   * so their IDs are verified), looks up its own ID to meet its neighbours, then refreshes
   * every bucket farther than its closest neighbour. Returns the self-lookup's result; rejects
   * with an Error when no seed answered.
   */
  async bootstrap(seeds: readonly Contact[]): Promise<LookupResult> {
    for (const s of seeds) this.learn(s);
    const result = await this.lookupNeighbourhood();
    if (seeds.length > 0 && result.closest.length === 0) {
      throw new Error(`bootstrap: none of ${seeds.length} seed(s) answered`);
    }
    const nearest = this.table.closest(this.self.id, 1)[0];
    if (nearest) {
      const upTo = bucketIndex(this.self.id, nearest.id);
      // The self-lookup explored our own neighbourhood: every bucket from the nearest
      // neighbour's inward counts as refreshed.
      for (let i = upTo; i < 256; i++) this.table.markRefreshed(i);
      for (let i = upTo - 1; i >= 0 && !this.stopped; i--) {
        await this.lookup(randomIdInBucket(this.self.id, i, this.random), { wanted: this.k });
      }
    }
    this.logger.info({ contacts: this.table.size, hops: result.hops, steps: result.steps.length }, "bootstrap finished");
    return result;
  }

  /**
   * Refreshes, one lookup at a time, every bucket up to the deepest non-empty one that saw no
   * lookup for `refreshIntervalMs` (§2.3). Concurrent calls share one run.
   */
  refreshStaleBuckets(): Promise<void> {
    this.refreshing ??= this.runRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async runRefresh(): Promise<void> {
    const infos = this.table.buckets().filter((b) => b.contacts.length > 0);
    const deepest = infos.reduce((m, b) => Math.max(m, b.index), -1);
    const now = this.clock.now();
    for (let i = 0; i <= deepest && !this.stopped; i++) {
      if (now - this.table.refreshedAtMs(i) < this.refreshIntervalMs) continue;
      try {
        await this.lookup(randomIdInBucket(this.self.id, i, this.random), { wanted: this.k });
      } catch (err) {
        this.logger.warn({ bucket: i, err }, "bucket refresh failed");
      }
    }
  }

  /** Starts the periodic bucket refresh (the timer does not keep the process alive). */
  start(): void {
    this.stopped = false;
    if (this.refreshTimer) return;
    // Checking a few times per interval bounds how stale a bucket gets to 1.25 intervals.
    this.refreshTimer = setInterval(() => void this.refreshStaleBuckets(), Math.max(1000, this.refreshIntervalMs / 4));
    this.refreshTimer.unref();
    this.reprobeTimer = setInterval(() => {
      if (!this.reprobing) this.reprobing = this.reprobeEvicted().finally(() => (this.reprobing = undefined));
    }, this.reprobeIntervalMs);
    this.reprobeTimer.unref();
  }

  /** Pings every evicted contact that is due; one that answers is learned again. Never rejects. */
  async reprobeEvicted(): Promise<void> {
    const due = this.evicted.due(this.clock.now());
    await Promise.all(
      due.map(async (contact) => {
        try {
          await this.transport.ping(contact, { timeoutMs: this.rpcTimeoutMs });
          this.evicted.recovered++;
          this.logger.info({ peer: contact.id }, "an evicted contact answers again");
          this.learn(contact);
        } catch {
          this.evicted.probeFailed(contact.id, this.clock.now());
        }
      }),
    );
  }

  /** Stops the refresh timer and waits for a running refresh to end; lookups already running finish on their own deadlines. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    if (this.reprobeTimer) clearInterval(this.reprobeTimer);
    this.reprobeTimer = undefined;
    await this.reprobing;
    await this.refreshing;
    await this.confirming;
  }

  /** Incoming Ping: nothing to answer beyond liveness (the caller learns `from` separately). */
  handlePing(_from: Contact): void {}

  /**
   * Incoming FindNode: up to k known contacts closest to `target`, never the requester
   * itself. The transport's server side validates `target` and calls learn(from) itself.
   */
  handleFindNode(from: Contact, target: NodeId): Contact[] {
    if (!isNodeId(target)) return [];
    return this.table.closest(target, this.table.k, new Set([from.id]));
  }
}
