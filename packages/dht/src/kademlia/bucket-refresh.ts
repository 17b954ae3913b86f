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
}

/** After the join's self-lookup: buckets from the nearest neighbour's inward count as refreshed, the farther ones are looked up, one at a time. */
export async function refreshAfterJoin(c: RefreshContext): Promise<void> {
  const nearest = c.table.closest(c.self, 1)[0];
  if (!nearest) return;
  const upTo = bucketIndex(c.self, nearest.id);
  for (let i = upTo; i < 256; i++) c.table.markRefreshed(i);
  for (let i = upTo - 1; i >= 0 && !c.stopped(); i--) await c.lookup(randomIdInBucket(c.self, i, c.random));
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
