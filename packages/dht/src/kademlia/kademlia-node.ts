/**
 * A Kademlia node: routing table upkeep (learning contacts, ping-before-evict, bucket refresh in
 * bucket-refresh.ts, evicted contacts probed again in evicted-contacts.ts), iterative lookups,
 * the join procedure, whether its view is the whole network (view-confirmation.ts), regions of
 * the ring whose closest peers are known (neighbourhood-cache.ts), and the routing side of
 * incoming requests. It implements Router, all replication sees of routing.
 */
import { systemClock, silentLogger, type Clock, type Contact, type LookupOptions, type LookupResult, type Logger, type NodeId, type Router } from "../types.js";
import { EvictedContacts } from "./evicted-contacts.js";
import { ViewConfirmation } from "./view-confirmation.js";
import { NeighbourhoodCache } from "./neighbourhood-cache.js";
import { PeriodicTask } from "./periodic-task.js";
import { refreshAfterJoin, refreshStale, type RefreshContext } from "./bucket-refresh.js";
import type { Transport } from "../rpc/peer-rpc.js";
import type { KademliaComponents } from "./kademlia-components.js";
import type { LookupListener } from "./lookup-events.js";
import { errorCodeOf, iterativeLookup } from "./lookup.js";
import { bucketIndex, isNodeId, xorDistance } from "./node-id.js";
import { RoutingTable } from "./routing-table.js";
import { resolveKademliaOptions, type KademliaOptions, type ResolvedKademliaOptions } from "./kademlia-options.js";

export { localKademliaOptions, type KademliaOptions } from "./kademlia-options.js";
export type { KademliaComponents } from "./kademlia-components.js";

export class KademliaNode implements Router {
  readonly self: Contact;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: (() => number) | undefined;
  private readonly onLookupEvent: LookupListener | undefined;
  private readonly hooks: Pick<KademliaComponents, "onContactAdded" | "onContactHeard" | "provenContact">;
  private readonly table: RoutingTable;
  /** Settings, resolved; rpcTimeoutMs changes live (setCallTimeoutMs). */
  private readonly o: ResolvedKademliaOptions;
  /** Buckets with a ping-before-evict in flight: at most one per bucket, so a flood of
   * newcomers costs at most 256 pings, the rest wait in the bounded replacement caches. */
  private readonly pinging = new Set<number>();
  /** Bucket refresh (§2.3), checked a few times per refresh interval. */
  private readonly refresh = new PeriodicTask(() => this.runRefresh());
  private stopped = false;
  private lookupCounter = 0;
  /** Whether the table is known to be the whole network (see wholeNetworkNear). */
  private readonly view: ViewConfirmation;
  /** Closest peers per region from recent wide lookups (see cachedNear). */
  private readonly near: NeighbourhoodCache;
  /** Contacts evicted for failing, probed again until they answer or are forgotten. */
  readonly evicted: EvictedContacts;
  private readonly reprobe = new PeriodicTask(() => this.probeEvicted());

  constructor(components: KademliaComponents, options: KademliaOptions = {}) {
    if (!isNodeId(components.self.id)) throw new TypeError("KademliaNode: self.id must be 64 lowercase hex characters");
    this.self = { ...components.self };
    this.transport = components.transport;
    this.clock = components.clock ?? systemClock;
    this.logger = components.logger ?? silentLogger;
    this.random = components.random;
    this.onLookupEvent = components.onLookupEvent;
    this.hooks = components;
    const o = (this.o = resolveKademliaOptions(options));
    const failed = (err: unknown) => this.logger.debug({ error: errorCodeOf(err) }, "neighbourhood lookup failed");
    const lookupSelf = () => this.lookup(this.self.id, { wanted: this.k });
    this.view = new ViewConfirmation({ clock: this.clock, ttlMs: o.viewTtlMs, lookupSelf, tableSize: () => this.table.size, failed });
    this.evicted = new EvictedContacts({ max: o.maxEvictedContacts, retentionMs: o.evictedRetentionMs, probeIntervalMs: o.reprobeIntervalMs });
    const warm = (target: NodeId) => this.lookup(target, { wanted: this.k }).then(() => {}, () => {});
    const ownRadius = () => this.table.closest(this.self.id, o.k).map((c) => xorDistance(c.id, this.self.id))[o.k - 1];
    this.near = new NeighbourhoodCache({ maxEntries: o.neighbourhoodCacheSize, ttlMs: o.neighbourhoodCacheTtlMs, warmWidth: o.k, now: () => this.clock.now(), warm, ownRadius });
    this.table = new RoutingTable(this.self.id, { k: o.k, maxFailures: o.maxFailures, replacementCacheSize: o.replacementCacheSize, clock: this.clock });
  }

  /** The deadline of the calls this node makes (lookups, pings, probes). */
  get callTimeoutMs(): number {
    return this.o.rpcTimeoutMs;
  }

  /** Changes the call deadline live (a config reload); later calls use it. */
  setCallTimeoutMs(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`KademliaNode: rpcTimeoutMs must be a positive number, got ${ms}`);
    this.o.rpcTimeoutMs = ms;
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
    if (r === "refused") return; // its address group has its share of the table (address-diversity.ts)
    const wasEvicted = this.evicted.has(contact.id);
    this.evicted.forget(contact.id);
    this.hooks.onContactHeard?.(contact);
    // Not already in the table: maybe a peer that joined inside a cached region.
    if (r !== "updated" && r !== "self") this.near.stranger(contact.id);
    // A peer we did not know: whatever we took for the whole network was not. One evicted for
    // silence that is back is no stranger (under load, each return sent every operation
    // through a lookup, which made the load worse).
    if (r === "added") {
      if (!wasEvicted) this.view.invalidate();
      this.hooks.onContactAdded?.(contact);
    }
    if (typeof r !== "object") return;
    this.table.addReplacement(contact);
    const index = bucketIndex(this.self.id, contact.id);
    if (this.pinging.has(index) || this.stopped) return;
    const lrs = this.table.get(r.full.id);
    if (lrs && lrs.failures === 0 && this.clock.now() - lrs.lastSeenMs < this.o.pingFreshnessMs) return;
    this.pinging.add(index);
    void this.pingLeastRecentlySeen(r.full).finally(() => this.pinging.delete(index));
  }

  private async pingLeastRecentlySeen(lrs: Contact): Promise<void> {
    try {
      await this.transport.ping(lrs, { timeoutMs: this.o.rpcTimeoutMs });
      this.table.markSuccess(lrs);
    } catch (err) {
      const { removed, promoted } = this.table.remove(lrs.id);
      if (removed) this.evicted.remember(lrs, this.clock.now());
      this.near.failed(lrs.id);
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
    const run = iterativeLookup(
      target,
      opts,
      {
        self: this.self,
        transport: this.transport,
        clock: this.clock,
        // Seed with k contacts, not just `wanted`: the lookup only queries the closest it
        // needs, but when those are dead it falls back on the next ones instead of ending
        // empty (the simulation lost ~0.3³ of gets with 30% of nodes failed to this).
        seeds: isNodeId(target) ? this.table.closest(target, Math.max(opts.wanted, this.o.alpha, this.table.k)) : [],
        isSuspect: (id) => this.table.isSuspect(id),
        onResponse: (peer) => this.reportSuccess(peer),
        onFailure: (peer, err) => this.reportFailure(peer, err),
        lookupId: ++this.lookupCounter,
        ...(both ? { listener: both } : {}),
      },
      { alpha: this.o.alpha, rpcTimeoutMs: this.o.rpcTimeoutMs, maxRequests: this.o.maxLookupRequests, maxContactsPerReply: this.table.k },
    );
    return run.then((r) => (opts.signal?.aborted || this.near.record(this.self, target, opts.wanted, r), r));
  }

  closestKnown(target: NodeId, n: number): Contact[] {
    return isNodeId(target) ? this.table.closest(target, n) : [];
  }

  /** See Router.closerThanSelf. */
  closerThanSelf(target: NodeId): number {
    return isNodeId(target) ? this.table.closerThanSelf(target) : 0;
  }

  /**
   * The table's closest while it is confirmed to be the whole network (view-confirmation.ts
   * says when that holds), so reads and writes skip the lookup. Otherwise undefined, and a
   * confirmation starts in the background; callers look up meanwhile.
   */
  wholeNetworkNear(target: NodeId, n: number): Contact[] | undefined {
    return this.view.whole(this.table.k, this.stopped) ? this.closestKnown(target, n) : undefined;
  }

  /** See Router.cachedNear; merged with the table's closest (neighbourhood-cache.ts). */
  cachedNear(target: NodeId, n: number, certain: number): Contact[] | undefined {
    return isNodeId(target) && !this.stopped ? this.near.near(target, n, certain, this.table.closest(target, n)) : undefined;
  }

  forgetNear(target: NodeId): void {
    if (isNodeId(target)) this.near.forget(target);
  }

  /** True while a neighbourhood lookup has confirmed the table, within viewTtlMs, with no stranger since. */
  viewConfirmed(): boolean {
    return this.view.confirmed;
  }

  /** Looks up our own ID, learning the neighbourhood, and marks the view confirmed (view-confirmation.ts); never rejects. */
  confirmView(): Promise<void> {
    return this.view.confirm();
  }

  reportFailure(contact: Contact, error: unknown): void {
    // A peer that refuses for load (its rate limit, its disk quota) answered: it is alive, so
    // the refusal must not count towards evicting it, which would lose a good contact.
    if (errorCodeOf(error) === "resource_exhausted") return;
    this.near.failed(contact.id);
    const outcome = this.table.markFailure(contact.id);
    if (typeof outcome === "object") {
      this.evicted.remember(outcome.evicted, this.clock.now());
      this.logger.debug({ peer: contact.id, error: errorCodeOf(error), promoted: outcome.promoted?.id }, "evicted failing contact");
    }
  }

  /**
   * `contact` answered. A contact met in a lookup came from another peer's reply, which may
   * carry any addresses with a real ID; the table learns the addresses the peer itself signed
   * in its answer (its ID was proven at the address dialled, which is all the dialled copy says).
   */
  reportSuccess(contact: Contact): void {
    const proven = this.hooks.provenContact?.(contact);
    this.learn(proven && proven.id === contact.id ? proven : contact);
  }

  /**
   * Joins the network (Kademlia §2.3): learns `seeds` (contacts the caller has already reached,
   * so their IDs are verified), looks up its own ID to meet its neighbours, then refreshes
   * every bucket farther than its closest neighbour. Returns the self-lookup's result; rejects
   * with an Error when no seed answered.
   */
  async bootstrap(seeds: readonly Contact[]): Promise<LookupResult> {
    for (const s of seeds) this.learn(s);
    const result = await this.view.lookupNeighbourhood();
    if (seeds.length > 0 && result.closest.length === 0) {
      throw new Error(`bootstrap: none of ${seeds.length} seed(s) answered`);
    }
    // The self-lookup explored our own neighbourhood; the farther buckets are looked up.
    await refreshAfterJoin(this.refreshContext());
    this.logger.info({ contacts: this.table.size, hops: result.hops, steps: result.steps.length }, "bootstrap finished");
    return result;
  }

  /**
   * Refreshes, one lookup at a time, every bucket up to the deepest non-empty one that saw no
   * lookup for `refreshIntervalMs` (§2.3). Concurrent calls share one run.
   */
  refreshStaleBuckets(): Promise<void> {
    return this.refresh.runNow();
  }

  private runRefresh(): Promise<void> {
    return refreshStale(this.refreshContext(), this.clock.now(), this.o.refreshIntervalMs);
  }

  private refreshContext(): RefreshContext {
    const lookup = (target: NodeId) => this.lookup(target, { wanted: this.k });
    return { self: this.self.id, table: this.table, random: this.random, lookup, stopped: () => this.stopped, logger: this.logger };
  }

  /** Starts the periodic bucket refresh and re-probing of evicted contacts (timers do not keep the process alive). */
  start(): void {
    this.stopped = false;
    // Checking a few times per interval bounds how stale a bucket gets to 1.25 intervals.
    this.refresh.start(Math.max(1000, this.o.refreshIntervalMs / 4));
    // Checked 4 times per interval: a probe falls due at most a quarter interval before it goes.
    this.reprobe.start(Math.max(50, this.o.reprobeIntervalMs / 4));
  }

  /** Pings every evicted contact that is due; one that answers is learned again. Never rejects. */
  private probeEvicted(): Promise<void> {
    const ping = (c: Contact) => this.transport.ping(c, { timeoutMs: this.o.rpcTimeoutMs });
    return this.evicted.reprobe(this.clock, ping, (c) => {
      this.logger.info({ peer: c.id }, "an evicted contact answers again");
      this.learn(c);
    });
  }

  /** Stops the timers and waits for running refreshes, probes and confirmations; lookups already running finish on their own deadlines. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.refresh.stop(), this.reprobe.stop()]);
    await this.view.running;
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
