/**
 * Who should hold what, as this peer sees it: a peer is a replica of record r iff it is among
 * the R closest (XOR) to position(r) among the live peers it knows (its routing table plus
 * itself). From the index of held records this builds, in one pass, the digest of "records
 * both should hold" per neighbour, the records held without being responsible (to hand off),
 * and the primary/replica counts. The view is cached until the held set or the membership
 * changes, so a round at rest costs no scan.
 */
import type { Contact, NodeId, Router } from "../types.js";
import type { IndexedRecordStore } from "../store/indexed-store.js";
import { byDistance } from "../replication/position.js";
import { RangeDigest } from "./range-digest.js";

export interface ReplicaView {
  /** Identifies the inputs the view was built from (store generation, membership, R). */
  readonly stamp: string;
  /** Per neighbour sharing responsibility for at least one held record: the digest of those records. */
  readonly digests: Map<NodeId, RangeDigest>;
  readonly neighbours: Map<NodeId, Contact>;
  /** Held keys this peer is not a replica of (awaiting hand-off to their R closest). */
  readonly handoff: string[];
  /** Held records whose closest replica is this peer. */
  readonly primary: number;
  /** Held records this peer is one of the other R-1 replicas of. */
  readonly replica: number;
  /** Held records whose replica set has fewer than R peers (a network smaller than R). */
  readonly short: number;
}

/** The R peers closest to `position` among self and the routing table, closest first. */
export function replicaSet(self: Contact, router: Router, position: NodeId, r: number): Contact[] {
  return byDistance([self, ...router.closestKnown(position, r)], position).slice(0, r);
}

/**
 * Whether self is among the R peers closest to `position` it knows (so also in a network
 * smaller than R): counted from the routing table's buckets when the router can, else ranked.
 */
export function isReplica(self: Contact, router: Router, position: NodeId, r: number): boolean {
  const closer = router.closerThanSelf?.(position);
  return closer !== undefined ? closer < r : replicaSet(self, router, position, r).some((p) => p.id === self.id);
}

/** The R peers closest to `position` other than self (where a leaving or handing-off peer sends). */
export function replicaSetWithoutSelf(self: Contact, router: Router, position: NodeId, r: number): Contact[] {
  return router.closestKnown(position, r + 1).filter((c) => c.id !== self.id).slice(0, r);
}

/** Builds the view; O(records × closestKnown(R)). */
export function buildReplicaView(
  stamp: string,
  self: Contact,
  router: Router,
  store: IndexedRecordStore,
  r: number,
): ReplicaView {
  const digests = new Map<NodeId, RangeDigest>();
  const neighbours = new Map<NodeId, Contact>();
  const handoff: string[] = [];
  let primary = 0;
  let replica = 0;
  let short = 0;
  for (const [key, e] of store.entries()) {
    const set = replicaSet(self, router, e.position, r);
    if (set.length < r) short++;
    const mine = set.findIndex((c) => c.id === self.id);
    if (mine < 0) {
      handoff.push(key);
      continue;
    }
    if (mine === 0) primary++;
    else replica++;
    for (const c of set) {
      if (c.id === self.id) continue;
      let d = digests.get(c.id);
      if (!d) {
        digests.set(c.id, (d = new RangeDigest()));
        neighbours.set(c.id, c);
      }
      d.add(key, e.leaf, e.hash);
    }
  }
  return { stamp, digests, neighbours, handoff, primary, replica, short };
}
