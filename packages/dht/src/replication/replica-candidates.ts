/**
 * Who should hold a record: the R peers closest to its position (self included when it is one
 * of them), and the next closest to stand in for any that refuse (over quota) or fail — the
 * sloppy fallback that keeps R copies while a holder is down.
 */
import type { Contact, NodeId, Router } from "../types.js";
import { byDistance } from "./position.js";

/**
 * Self plus the closest peers, closest first: `wanted` of them when the network has that many.
 * From the routing table while it is the whole network, else from a FindNode lookup (falling
 * back to the routing table when the lookup fails).
 */
export async function replicaCandidates(router: Router, position: NodeId, wanted: number, signal?: AbortSignal): Promise<Contact[]> {
  // No lookup while the routing table is the whole network. A stale contact fails its write or
  // fetch and the next closest stands in.
  const whole = router.wholeNetworkNear?.(position, wanted);
  if (whole) return byDistance([router.self, ...whole], position).slice(0, wanted);
  let remote: Contact[];
  try {
    remote = (await router.lookup(position, signal ? { wanted, signal } : { wanted })).closest;
  } catch {
    remote = router.closestKnown(position, wanted);
  }
  return byDistance([router.self, ...remote], position).slice(0, wanted);
}

/**
 * Candidates in order, extended once by `more` when exhausted (peers already listed are
 * skipped). Several writers may draw from it at once: each candidate goes to one of them.
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
