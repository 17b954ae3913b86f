/**
 * The closest peers per region of the ring, learned from recent lookups, so that a read or write
 * in a network of 50-100 peers can go straight to a key's replicas (one round) instead of
 * running an iterative lookup first (two or more).
 *
 * A lookup for T that ended with its `wanted` closest all answering (none silent) certifies, as
 * far as any lookup does, that no peer lies closer to T than the wanted-th: radius ρ. For a
 * nearby target T', at XOR distance δ from T, every peer x outside that set has
 * d(x, T') = d(x, T) ⊕ δ ≥ d(x, T) − δ > ρ − δ. So the set's members within ρ − δ of T' are
 * the closest to T' there are, in order: no stranger can come between them. `near` answers only
 * when the R closest it returns are all such members; otherwise the caller looks up.
 *
 * Entries are keyed by a prefix of T as short as ρ allows: the region of targets sharing it lies
 * within ρ of T. Near T nearly all of ρ is left for the members, at the region's far edge little
 * (there the caller looks up); a prefix one bit longer would leave at least ρ/2 everywhere but
 * need twice the warming lookups, and measured at 50 peers cost more RPCs than it saved. Entries expire after `ttlMs` and
 * are dropped when a peer of theirs fails and when a stranger turns up within their radius (a
 * join). A shortcut taken from the cache is still verified by the caller (the replicas' answers
 * carry their closest contacts): see replication/cached-replicas.ts.
 */
import type { Contact, LookupResult, NodeId } from "../types.js";
import { idToBigInt, sortByDistance, xorDistance } from "./node-id.js";

export interface NeighbourhoodCacheOptions {
  /** Entries kept at most (oldest dropped first); 0 disables the cache. */
  maxEntries: number;
  /** How long an entry is trusted, ms. */
  ttlMs: number;
  /** Contacts a warming lookup asks for (K): the wider, the bigger the region it covers. */
  warmWidth: number;
  now: () => number;
  /** Runs a FindNode lookup of `target` wanting `warmWidth` (recorded back through `record`); never rejects. */
  warm: (target: NodeId) => Promise<void>;
  /**
   * The radius of the `warmWidth` closest around ourselves in the routing table (which holds
   * our own neighbourhood best), or undefined when it holds fewer: how wide a region a warming
   * lookup would certify, before any has.
   */
  ownRadius: () => bigint | undefined;
}

interface Entry {
  key: string;
  target: NodeId;
  radius: bigint;
  members: Map<NodeId, Contact>;
  at: number;
}

/** Warming lookups in flight at most: they are a background cost, never a burst. */
const MAX_WARMING = 2;

export class NeighbourhoodCache {
  readonly #o: NeighbourhoodCacheOptions;
  readonly #entries = new Map<string, Entry>();
  /** How many entries use each prefix length (the lengths `near` tries). */
  readonly #lengths = new Map<number, number>();
  readonly #warming = new Set<string>();
  /** Prefix length of the last entry recorded; undefined: none yet. */
  #coverBits: number | undefined;

  constructor(options: NeighbourhoodCacheOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records a lookup's result for `target` (`wanted` as asked), unless it cannot certify a set.
   * Only lookups as wide as a warming one (joins, refreshes, warming): a replica lookup's few
   * contacts cover a region too small to help, and would crowd the wide entries out.
   */
  record(self: Contact, target: NodeId, wanted: number, result: LookupResult): void {
    if (this.#o.maxEntries === 0 || wanted < this.#o.warmWidth || result.unanswered.length > 0) return;
    const list = sortByDistance(target, [self, ...result.closest.filter((c) => c.id !== self.id)]);
    // Short of `wanted`: the lookup ran out of peers to ask or hit its cap; certify nothing.
    if (list.length < wanted) return;
    const members = list.slice(0, wanted);
    const radius = xorDistance(members.at(-1)!.id, target);
    const bits = regionBits(radius);
    this.#coverBits = bits;
    const key = regionKey(target, bits);
    this.#delete(key);
    this.#entries.set(key, { key, target, radius, members: new Map(members.map((c) => [c.id, c])), at: this.#o.now() });
    this.#lengths.set(bits, (this.#lengths.get(bits) ?? 0) + 1);
    while (this.#entries.size > this.#o.maxEntries) this.#delete(this.#entries.keys().next().value!);
  }

  /**
   * The `n` closest to `target` among the cached members and `extra` (the routing table's
   * closest), when at least `certain` of them are certified the closest there are; otherwise
   * undefined, and a warming lookup of the region starts in the background when the cache can
   * hold the whole ring.
   */
  near(target: NodeId, n: number, certain: number, extra: readonly Contact[]): Contact[] | undefined {
    if (this.#o.maxEntries === 0) return undefined;
    const now = this.#o.now();
    for (const bits of [...this.#lengths.keys()].sort((a, b) => b - a)) {
      const entry = this.#entries.get(regionKey(target, bits));
      if (!entry) continue;
      if (now - entry.at >= this.#o.ttlMs) {
        this.#delete(entry.key);
        continue;
      }
      const bound = entry.radius - xorDistance(entry.target, target);
      const byId = new Map(entry.members);
      for (const c of extra) if (!byId.has(c.id)) byId.set(c.id, c);
      const sorted = sortByDistance(target, [...byId.values()]);
      let sure = 0;
      while (sure < sorted.length && entry.members.has(sorted[sure]!.id) && xorDistance(sorted[sure]!.id, target) <= bound) sure++;
      if (sure >= certain) return sorted.slice(0, n);
    }
    this.#warmSoon(target);
    return undefined;
  }

  /** A peer we did not hold in the table turned up: entries whose radius it falls within are wrong. */
  stranger(id: NodeId): void {
    for (const e of [...this.#entries.values()]) if (!e.members.has(id) && xorDistance(id, e.target) <= e.radius) this.#delete(e.key);
  }

  /** A peer failed or was evicted: entries counting on it are dropped. */
  failed(id: NodeId): void {
    for (const e of [...this.#entries.values()]) if (e.members.has(id)) this.#delete(e.key);
  }

  /** A shortcut near `target` met a closer peer or a silent replica: forget what covered it. */
  forget(target: NodeId): void {
    for (const bits of [...this.#lengths.keys()]) this.#delete(regionKey(target, bits));
  }

  #delete(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    const bits = Number(key.slice(0, key.indexOf(":")));
    const left = (this.#lengths.get(bits) ?? 1) - 1;
    if (left > 0) this.#lengths.set(bits, left);
    else this.#lengths.delete(bits);
  }

  /**
   * Warms the region of `target` with a wide FindNode lookup, when the cache can hold the whole
   * ring at the granularity the last wide lookup showed (half the entries, so regions are not
   * evicted by each other): in a network of thousands, regions are too small to be worth it and
   * every operation keeps its own lookup. Before any wide lookup was recorded, the routing
   * table's own neighbourhood tells the granularity: trying a lookup to find out cost a network
   * of thousands one wasted wide lookup per peer (+5 messages per put at 1,000 simulated nodes).
   */
  #warmSoon(target: NodeId): void {
    const own = this.#coverBits === undefined ? this.#o.ownRadius() : undefined;
    const bits = this.#coverBits ?? (own === undefined ? undefined : regionBits(own));
    if (bits === undefined || 2 ** bits > this.#o.maxEntries / 2) return;
    const key = regionKey(target, bits);
    if (this.#warming.size >= MAX_WARMING || this.#warming.has(key)) return;
    this.#warming.add(key);
    void this.#o.warm(target).finally(() => this.#warming.delete(key));
  }
}

/** The prefix length of a region around T whose targets all lie within `radius` of T: 2^(256 − bits) ≤ radius. */
function regionBits(radius: bigint): number {
  return Math.min(256, Math.max(0, 256 - radius.toString(2).length + 1));
}

function regionKey(target: NodeId, bits: number): string {
  return `${bits}:${(idToBigInt(target) >> BigInt(256 - bits)).toString(16)}`;
}
