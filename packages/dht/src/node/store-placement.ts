/**
 * Stores only where they belong: a peer accepts another peer's Store of a record only when it
 * is among the peers closest to the record's position, by its own routing table. Without this
 * any peer (or anyone speaking the protocol) could make any peer keep any key, filling its disk
 * with records nobody will ever look for there.
 *
 * The slack is for honest writers whose view differs from ours: a coordinator writing to a
 * stand-in while replicas are down (sloppy quorum), a hand-off to a peer that just joined, a
 * routing table that does not know every closer peer yet. So "closest" is among the
 * replicationFactor + slack closest, not the R closest; the default slack (2R) accepts a
 * stand-in even when two full replica sets' worth of closer peers are down or unknown to it.
 */
import { compareDistance } from "../kademlia/node-id.js";
import type { RoutingTable } from "../kademlia/routing-table.js";
import type { NodeId } from "../types.js";

export interface StorePlacement {
  /** Peers beyond the replication factor that may still hold a key. Default 2 × replicationFactor. */
  slack?: number;
}

/**
 * True when fewer than `n` contacts of `table` are closer to `position` than `self`: self is
 * then among the `n` closest it knows of.
 */
export function isAmongClosest(table: RoutingTable, self: NodeId, position: NodeId, n: number): boolean {
  // The table's own ID (a Store here): counted without ranking the table.
  if (self === table.selfId) return table.closerThanSelf(position) < n;
  let closer = 0;
  for (const c of table.closest(position, n)) if (compareDistance(position, c.id, self) < 0) closer++;
  return closer < n;
}
