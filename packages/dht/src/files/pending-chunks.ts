/**
 * What a peer knows of the chunks it holds pending (the upload lease, README.md): since when
 * each one's lease runs, and which uploading peers placed it. Only those placers may commit or
 * release it (an uploader's word about its own upload; anyone else naming a hash it has
 * seen would otherwise keep an orphan forever, or delete another upload's chunk).
 *
 * In memory on purpose, as the leases were: after a restart a chunk's lease starts again at
 * the first sweep (collection late, never early) and its placers are unknown, so no peer may
 * release it (the lease collects it) while any peer may commit it (an uploader whose holder
 * restarted mid-upload would otherwise lose the file's chunk when the lease ran out).
 */
import { DhtError } from "../errors.js";
import type { NodeId } from "../types.js";

/**
 * Placers remembered per chunk. Two uploads of the same bytes at once are rare (identical
 * chunks of different files); beyond this the oldest placer is forgotten, and may then
 * neither commit nor release (its commit fails the upload: "upload again").
 */
export const MAX_PLACERS = 8;

interface Lease {
  /** When the lease started (placed, or first seen by a sweep). */
  since: number;
  /** Peers whose uploads placed it, oldest first; empty when unknown (seen by a sweep only). */
  placers: Set<NodeId>;
}

export class PendingChunks {
  readonly #leases = new Map<string, Lease>();

  get size(): number {
    return this.#leases.size;
  }

  keys(): IterableIterator<string> {
    return this.#leases.keys();
  }

  since(key: string): number | undefined {
    return this.#leases.get(key)?.since;
  }

  /** An upload by `placer` stored or re-sent `key` pending: its lease starts (again) now. */
  placed(key: string, placer: NodeId, now: number): void {
    const lease = this.#leases.get(key) ?? { since: now, placers: new Set<NodeId>() };
    lease.since = now;
    lease.placers.delete(placer); // re-added last: the newest placer is forgotten last
    lease.placers.add(placer);
    if (lease.placers.size > MAX_PLACERS) lease.placers.delete(lease.placers.values().next().value!);
    this.#leases.set(key, lease);
  }

  /** A sweep found `key` pending without a lease (a copy from another peer, or after a restart): start one, placer unknown. */
  seen(key: string, now: number): void {
    if (!this.#leases.has(key)) this.#leases.set(key, { since: now, placers: new Set() });
  }

  /** Ends the lease (committed, released, collected, dropped). */
  delete(key: string): void {
    this.#leases.delete(key);
  }

  /**
   * Throws PERMISSION_DENIED unless `by` may commit `key`: a placer, or anyone when the
   * placers are unknown. `hash` names the chunk in the message.
   */
  checkCommit(key: string, hash: string, by: NodeId): void {
    const placers = this.#leases.get(key)?.placers;
    if (placers && placers.size > 0 && !placers.has(by)) throw notPlacer(hash, by, placers, "commit");
  }

  /** Throws PERMISSION_DENIED when `key` has known placers and `by` is not one of them. */
  checkRelease(key: string, hash: string, by: NodeId): void {
    const placers = this.#leases.get(key)?.placers;
    if (placers && placers.size > 0 && !placers.has(by)) throw notPlacer(hash, by, placers, "release");
  }

  /** Forgets `by` as a placer of `key` (its upload released it; other placers keep it). */
  unplace(key: string, by: NodeId): void {
    this.#leases.get(key)?.placers.delete(by);
  }

  /** True while some upload that placed `key` has not released it. */
  hasPlacers(key: string): boolean {
    return (this.#leases.get(key)?.placers.size ?? 0) > 0;
  }
}

function notPlacer(hash: string, by: NodeId, placers: Set<NodeId>, what: string): DhtError {
  const owner = [...placers].map((p) => p.slice(0, 8)).join(", ");
  return new DhtError(
    `chunk ${hash.slice(0, 12)}: pending for an upload by peer ${owner}; peer ${by.slice(0, 8)} may not ${what} it (only the peer that placed a pending chunk may commit or release it)`,
    "permission_denied",
  );
}
