/**
 * The settings of a Kademlia node, with their defaults and checks in one place (as
 * replication/options.ts and anti-entropy/anti-entropy-options.ts do for theirs).
 */
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
   * 2× for a minute after the eviction, then 8×), so a network split by a partition joins up
   * again within seconds of the heal. Default 1 s: at most
   * maxEvictedContacts small pings, and every second of a split that outlives its cause is a
   * second of reads that miss the other side's writes. */
  reprobeIntervalMs?: number;
  /** Evicted contacts remembered for probing at most, and for how long. Defaults 256 and 1 h. */
  maxEvictedContacts?: number;
  evictedRetentionMs?: number;
  /**
   * Regions of the ring whose closest peers recent wide lookups certified, kept at most
   * (neighbourhood-cache.ts): reads and writes there skip their lookup. Default 64: a network
   * of up to a few hundred peers fits in 32 regions; 0 disables the cache.
   */
  neighbourhoodCacheSize?: number;
  /** How long such a region is trusted without a new lookup, ms. Default 60 s: joins and
   * failures seen drop entries at once; the expiry bounds what goes unseen. */
  neighbourhoodCacheTtlMs?: number;
}

/** A local preset with short timeouts for tests and a fleet on loopback. */
export const localKademliaOptions: KademliaOptions = { rpcTimeoutMs: 500, refreshIntervalMs: 60_000 };

/** Every setting filled in. */
export type ResolvedKademliaOptions = Required<KademliaOptions>;

/** Fills the defaults and checks each setting; throws RangeError naming the one at fault. */
export function resolveKademliaOptions(options: KademliaOptions = {}): ResolvedKademliaOptions {
  const k = options.k ?? 20;
  const o: ResolvedKademliaOptions = {
    k,
    alpha: options.alpha ?? 3,
    rpcTimeoutMs: options.rpcTimeoutMs ?? 2000,
    refreshIntervalMs: options.refreshIntervalMs ?? 15 * 60_000,
    maxFailures: options.maxFailures ?? 3,
    replacementCacheSize: options.replacementCacheSize ?? 5,
    pingFreshnessMs: options.pingFreshnessMs ?? 60_000,
    maxLookupRequests: options.maxLookupRequests ?? 8 * k,
    viewTtlMs: options.viewTtlMs ?? 30_000,
    reprobeIntervalMs: options.reprobeIntervalMs ?? 1000,
    maxEvictedContacts: options.maxEvictedContacts ?? 256,
    evictedRetentionMs: options.evictedRetentionMs ?? 3_600_000,
    neighbourhoodCacheSize: options.neighbourhoodCacheSize ?? 64,
    neighbourhoodCacheTtlMs: options.neighbourhoodCacheTtlMs ?? 60_000,
  };
  for (const name of ["maxEvictedContacts", "neighbourhoodCacheSize"] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 0) throw new RangeError(`KademliaNode: ${name} must be a non-negative integer`);
  }
  const positive = ["neighbourhoodCacheTtlMs", "reprobeIntervalMs", "evictedRetentionMs", "alpha", "rpcTimeoutMs", "refreshIntervalMs", "maxLookupRequests", "viewTtlMs"] as const;
  for (const name of positive) {
    const v = o[name];
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`KademliaNode: ${name} must be a positive number`);
  }
  return o;
}
