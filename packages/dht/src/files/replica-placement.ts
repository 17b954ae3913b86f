/**
 * Where content records go: the R peers closest to the record's position (self included when
 * it is one of them), with the next closest standing in for any that refuse (over quota) or
 * fail, as the coordinator's sloppy fallback does for ordinary records.
 */
import { DhtError } from "../errors.js";
import type { Contact, NodeId, Router } from "../types.js";
import { byDistance } from "../replication/position.js";

/**
 * Self plus the closest peers, closest first: `wanted` of them when the network has that many.
 * From the routing table while it is the whole network, else from a FindNode lookup (falling
 * back to the routing table when the lookup fails).
 */
export async function replicaCandidates(router: Router, position: NodeId, wanted: number): Promise<Contact[]> {
  // No lookup while the routing table is the whole network, as for records. A stale contact
  // fails its write or fetch and the next closest stands in.
  const whole = router.wholeNetworkNear?.(position, wanted);
  if (whole) return byDistance([router.self, ...whole], position).slice(0, wanted);
  let remote: Contact[];
  try {
    remote = (await router.lookup(position, { wanted })).closest;
  } catch {
    remote = router.closestKnown(position, wanted);
  }
  return byDistance([router.self, ...remote], position).slice(0, wanted);
}

export interface PlacementResult {
  stored: Contact[];
  failed: { peer: Contact; error: DhtError }[];
}

/**
 * Writes to `replicas` candidates in parallel, each failed one replaced by the next unused
 * candidate. `more`, when given, is asked once for further candidates when those run out
 * (so the common case needs no lookup beyond the R closest). Resolves once every slot has
 * succeeded or run out of candidates (so the caller may free the bytes), and throws
 * UNAVAILABLE when fewer than `quorum` writes succeeded.
 */
export async function placeReplicas(
  candidates: readonly Contact[],
  replicas: number,
  quorum: number,
  write: (peer: Contact) => Promise<unknown>,
  what: string,
  more?: () => Promise<readonly Contact[]>,
): Promise<PlacementResult> {
  const result: PlacementResult = { stored: [], failed: [] };
  const list = new SpareCandidates(candidates, more);
  const slot = async () => {
    for (let peer = await list.next(); peer; peer = await list.next()) {
      try {
        await write(peer);
        result.stored.push(peer);
        return;
      } catch (err) {
        result.failed.push({ peer, error: DhtError.from(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: replicas }, slot)); // a slot that finds no candidate ends at once
  if (result.stored.length < quorum) {
    const reasons = result.failed.map((f) => `${f.peer.id.slice(0, 8)}: ${f.error.message}`).join("; ");
    // Every candidate over quota is the network being full, not unreachable: say so.
    const full = result.failed.length > 0 && result.failed.every((f) => f.error.code === "resource_exhausted");
    throw new DhtError(
      `${what}: stored on ${result.stored.length} of the ${quorum} peers required (${reasons || "no candidates"})`,
      full ? "resource_exhausted" : "unavailable",
    );
  }
  return result;
}

/**
 * Candidates in order, extended once by `more` when exhausted (peers already listed are
 * skipped). Several workers may draw from it at once.
 */
export class SpareCandidates {
  readonly #list: Contact[];
  readonly #more: (() => Promise<readonly Contact[]>) | undefined;
  #next = 0;
  #extending: Promise<void> | undefined;

  constructor(first: readonly Contact[], more?: () => Promise<readonly Contact[]>) {
    this.#list = [...first];
    this.#more = more;
  }

  /** The next untried candidate, or undefined when none is left (after asking `more` once). */
  async next(): Promise<Contact | undefined> {
    if (this.#next >= this.#list.length) await this.#extend();
    return this.#list[this.#next++];
  }

  #extend(): Promise<void> {
    if (!this.#more) return Promise.resolve();
    this.#extending ??= this.#more().then(
      (extra) => {
        for (const c of extra) if (!this.#list.some((x) => x.id === c.id)) this.#list.push(c);
      },
      () => {}, // no spares: the candidates tried so far are all there is
    );
    return this.#extending;
  }
}
