/**
 * Bucket refresh (Kademlia §2.3): a lookup of a random ID in a bucket's range keeps the bucket
 * full of live contacts. After a join every bucket farther than the nearest neighbour is
 * refreshed once; afterwards, periodically, every bucket no lookup touched for the interval.
 */
import type { Logger, NodeId } from "../types.js";
import { bucketIndex, randomIdInBucket } from "./node-id.js";
import type { RoutingTable } from "./routing-table.js";

export interface RefreshContext {
  self: NodeId;
  table: RoutingTable;
  random: (() => number) | undefined;
  /** A lookup of `target` (it marks its bucket refreshed). */
  lookup(target: NodeId): Promise<unknown>;
  stopped(): boolean;
  logger: Logger;
  /** Lookups in flight at once while refreshing after a join. Default `JOIN_REFRESH_CONCURRENCY`. */
  joinConcurrency?: number;
}

/**
 * The join's bucket lookups are independent (each targets its own bucket), and a peer reports
 * ready only after them: one at a time, ~log2(n) of them held every start of a 100-peer fleet
 * for several round trips each. Three at a time (with α = 3 requests each) stays a small burst.
 */
export const JOIN_REFRESH_CONCURRENCY = 3;

/** After the join's self-lookup: buckets from the nearest neighbour's inward count as refreshed, the farther ones are looked up, a few at a time. */
export async function refreshAfterJoin(c: RefreshContext): Promise<void> {
  const nearest = c.table.closest(c.self, 1)[0];
  if (!nearest) return;
  const upTo = bucketIndex(c.self, nearest.id);
  for (let i = upTo; i < 256; i++) c.table.markRefreshed(i);
  // Nearest first, as before: the closer buckets' answers are the likelier to fill the farther ones.
  let next = upTo - 1;
  const worker = async () => {
    while (next >= 0 && !c.stopped()) await c.lookup(randomIdInBucket(c.self, next--, c.random));
  };
  const n = c.joinConcurrency ?? JOIN_REFRESH_CONCURRENCY;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`joinConcurrency must be a positive integer, got ${n}`);
  await Promise.all(Array.from({ length: Math.min(n, Math.max(upTo, 0)) }, worker));
}

/** Every bucket up to the deepest non-empty one that saw no lookup for `intervalMs`, one at a time; failures logged. */
export async function refreshStale(c: RefreshContext, nowMs: number, intervalMs: number): Promise<void> {
  const deepest = c.table.buckets().filter((b) => b.contacts.length > 0).reduce((m, b) => Math.max(m, b.index), -1);
  for (let i = 0; i <= deepest && !c.stopped(); i++) {
    if (nowMs - c.table.refreshedAtMs(i) < intervalMs) continue;
    try {
      await c.lookup(randomIdInBucket(c.self, i, c.random));
    } catch (err) {
      c.logger.warn({ bucket: i, err }, "bucket refresh failed");
    }
  }
}
