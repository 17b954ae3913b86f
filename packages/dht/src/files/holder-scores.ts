/**
 * Who served chunks well. `HolderScores` lives as long as the node and counts, per holder, the
 * chunks it served corrupt and the fetches it lost to another holder by stalling: operators and
 * tests see which peer misbehaves. `DownloadHolders` lives for one download and decides whom to
 * ask next: the holder with the fewest fetches in flight (so a fast holder, finishing sooner,
 * takes more chunks: work stealing), never one that served a corrupt chunk or stalled
 * `slowStrikes` times in this download, unless no other is left.
 */
import type { Contact } from "../types.js";

export interface HolderPenalty {
  /** Chunks whose bytes did not match their hash. */
  corrupt: number;
  /** Fetches overtaken by another holder after the hedge delay (a stall or a slow link). */
  slow: number;
}

/** Node-wide counts, bounded: past `maxHolders` the least recently penalised holder is forgotten. */
export class HolderScores {
  readonly #byPeer = new Map<string, HolderPenalty>();
  #corrupt = 0;
  #slow = 0;

  constructor(private readonly maxHolders: () => number) {}

  /** Totals since start. */
  get totals(): HolderPenalty {
    return { corrupt: this.#corrupt, slow: this.#slow };
  }

  /** One holder's counts (zeros when never penalised or forgotten). */
  of(peerId: string): HolderPenalty {
    return { ...(this.#byPeer.get(peerId) ?? { corrupt: 0, slow: 0 }) };
  }

  penalise(peerId: string, kind: keyof HolderPenalty): void {
    if (kind === "corrupt") this.#corrupt++;
    else this.#slow++;
    const p = this.#byPeer.get(peerId) ?? { corrupt: 0, slow: 0 };
    p[kind]++;
    // Re-insert so Map order is least recently penalised first: the one to forget.
    this.#byPeer.delete(peerId);
    this.#byPeer.set(peerId, p);
    while (this.#byPeer.size > Math.max(1, this.maxHolders())) this.#byPeer.delete(this.#byPeer.keys().next().value!);
  }
}

/** One download's view of the holders it asks; its maps hold at most the holders of its chunks. */
export class DownloadHolders {
  readonly #inFlight = new Map<string, number>();
  readonly #strikes = new Map<string, number>();
  readonly #dropped = new Set<string>();
  /** Recent successful fetch times (ms), a ring, for the hedge delay. */
  readonly #times: number[] = [];
  #nextTime = 0;

  constructor(
    private readonly scores: HolderScores,
    private readonly slowStrikes: number,
  ) {}

  dropped(peerId: string): boolean {
    return this.#dropped.has(peerId);
  }

  /**
   * `holders` best first: not dropped before dropped (a dropped holder is still a last resort,
   * better than failing the chunk), then fewest fetches in flight; ties keep the given order
   * (rotated by chunk index by the caller, to spread load when all are idle).
   */
  order(holders: Contact[]): Contact[] {
    const rank = (c: Contact) => (this.#dropped.has(c.id) ? 1e9 : 0) + (this.#inFlight.get(c.id) ?? 0);
    return holders.map((c, i) => ({ c, i, r: rank(c) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.c);
  }

  started(peerId: string): void {
    this.#inFlight.set(peerId, (this.#inFlight.get(peerId) ?? 0) + 1);
  }

  ended(peerId: string, ms?: number): void {
    const n = (this.#inFlight.get(peerId) ?? 1) - 1;
    if (n <= 0) this.#inFlight.delete(peerId);
    else this.#inFlight.set(peerId, n);
    if (ms !== undefined) {
      this.#times[this.#nextTime] = ms;
      this.#nextTime = (this.#nextTime + 1) % 32;
    }
  }

  /** A holder that served bytes not matching the hash: never asked again in this download. */
  corrupt(peerId: string): void {
    this.#dropped.add(peerId);
    this.scores.penalise(peerId, "corrupt");
  }

  /** A holder overtaken by another: dropped after `slowStrikes` in this download. */
  slow(peerId: string): void {
    this.scores.penalise(peerId, "slow");
    const n = (this.#strikes.get(peerId) ?? 0) + 1;
    this.#strikes.set(peerId, n);
    if (n >= this.slowStrikes) this.#dropped.add(peerId);
  }

  /**
   * How long to wait for one holder before asking another too: 4× the median fetch time seen in
   * this download (a holder that slow is stalling, not busy), at least `floorMs` (timer and GC
   * noise), at most `maxMs` (the first chunks, before any time is known).
   */
  hedgeDelay(floorMs: number, maxMs: number): number {
    if (this.#times.length < 4) return maxMs;
    const sorted = [...this.#times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return Math.min(maxMs, Math.max(floorMs, 4 * median));
  }
}
