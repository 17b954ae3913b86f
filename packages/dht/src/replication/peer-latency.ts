/**
 * Recent replica-read latencies per peer, for hedged reads: a read waits for a replica about as
 * long as that replica usually takes (a percentile of its recent answers), then asks the next
 * one as well. Bounded: the most recent samples of the most recently used peers.
 */
import type { NodeId } from "../types.js";
import type { ReplicationOptions } from "./options.js";

export interface HedgeSettings {
  /** Hedge at all. */
  enabled: boolean;
  /** Which percentile of a peer's recent latencies counts as "not answered yet", 50 to 99. */
  percentile: number;
  /** Wait at least this long before asking another replica, ms. */
  minMs: number;
  /** Wait at most this long (also the wait for a peer with too few samples), ms. */
  maxMs: number;
}

/** Samples kept per peer, and fewer than this many give no percentile (the maxMs wait applies). */
const SAMPLES = 32;
const MIN_SAMPLES = 8;
/** An ask silent this many times a peer's usual latency (and at least maxMs) is a stuck peer's. */
const STUCK_FACTOR = 4;

export class PeerLatency {
  readonly #peers = new Map<NodeId, { samples: Float64Array; next: number; filled: number }>();
  readonly #maxPeers: number;

  constructor(maxPeers = 1024) {
    this.#maxPeers = maxPeers;
  }

  record(peer: NodeId, ms: number): void {
    let p = this.#peers.get(peer);
    if (p) this.#peers.delete(peer); // re-inserted last: the map's order is least recently used first
    else {
      p = { samples: new Float64Array(SAMPLES), next: 0, filled: 0 };
      if (this.#peers.size >= this.#maxPeers) this.#peers.delete(this.#peers.keys().next().value!);
    }
    this.#peers.set(peer, p);
    p.samples[p.next] = ms;
    p.next = (p.next + 1) % SAMPLES;
    p.filled = Math.min(SAMPLES, p.filled + 1);
  }

  /** `peer`'s recent `percentile` latency, ms; undefined with fewer than MIN_SAMPLES answers. */
  #percentile(peer: NodeId, percentile: number): number | undefined {
    const p = this.#peers.get(peer);
    if (!p || p.filled < MIN_SAMPLES) return undefined;
    const sorted = Array.from(p.samples.subarray(0, p.filled)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((percentile / 100) * sorted.length))]!;
  }

  /** How long to wait for `peer` before hedging: its recent percentile, within [minMs, maxMs]. */
  hedgeDelay(peer: NodeId, s: HedgeSettings): number {
    const at = this.#percentile(peer, s.percentile);
    return at === undefined ? s.maxMs : Math.min(s.maxMs, Math.max(s.minMs, at));
  }

  /**
   * How long an ask of `peer` must stay silent before it counts as stuck (paused, dead, cut
   * off) rather than loaded, so that it hedges beyond the budget: maxMs, or STUCK_FACTOR times
   * the peer's own recent percentile when that is longer. Under overload every peer's
   * percentile grows with the load, so asks stay within it and the budget holds; measured
   * through one peer of 50 at 64 gets in flight, a flat maxMs let over half of the reads hedge.
   */
  stuckAfter(peer: NodeId, s: HedgeSettings): number {
    const at = this.#percentile(peer, s.percentile);
    return at === undefined ? s.maxMs : Math.max(s.maxMs, STUCK_FACTOR * at);
  }

  get size(): number {
    return this.#peers.size;
  }
}

/**
 * How many reads may hedge: `fraction` of them over time, plus a small burst (a retry budget,
 * as in Finagle and Envoy). Under overload every replica is slow, and hedging each read only
 * adds load: measured through one peer of 30 at 64 reads in flight, 43% of reads hedged and
 * throughput fell 18%.
 */
export class HedgeBudget {
  #tokens: number;

  constructor(
    readonly fraction: number,
    readonly burst = 10,
  ) {
    this.#tokens = burst;
  }

  /** A read started: it earns `fraction` of a hedge. */
  read(): void {
    this.#tokens = Math.min(this.burst, this.#tokens + this.fraction);
  }

  /** Spends one hedge if there is one. */
  take(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** The replication options hedging reads. */
export type HedgeOptions = Pick<ReplicationOptions, "hedgeReads" | "hedgePercentile" | "hedgeMinMs" | "hedgeMaxMs" | "hedgeBudgetPercent">;

function hedgeSettings(o: HedgeOptions): HedgeSettings {
  return { enabled: o.hedgeReads, percentile: o.hedgePercentile, minMs: o.hedgeMinMs, maxMs: o.hedgeMaxMs };
}

/** A coordinator's hedging state: its peers' latencies and its budget, handed to each read. */
export class Hedging {
  readonly latency = new PeerLatency();
  #budget = new HedgeBudget(0.1);

  constructor(readonly onHedge: () => void) {}

  /** What one read hedges by, under the settings in force; the read is counted in the budget. */
  forRead(o: HedgeOptions) {
    if (this.#budget.fraction !== o.hedgeBudgetPercent / 100) this.#budget = new HedgeBudget(o.hedgeBudgetPercent / 100);
    this.#budget.read();
    return { latency: this.latency, hedge: hedgeSettings(o), onHedge: this.onHedge, budget: this.#budget };
  }

  /**
   * How long a batch read of `items` keys waits for `peer` before its keys take the single-key
   * path (which hedges on its own): the single-ask stuck time (PeerLatency.stuckAfter), grown with
   * the batch as its deadline is (batchCallTimeout). Undefined when reads do not hedge. No budget
   * is spent: the keys go the way a failed batch call sends them, only sooner.
   */
  batchStuckAfter(peer: NodeId, items: number, o: HedgeOptions): number | undefined {
    if (!o.hedgeReads) return undefined;
    return this.latency.stuckAfter(peer, hedgeSettings(o)) * (1 + Math.floor(items / 50));
  }
}
