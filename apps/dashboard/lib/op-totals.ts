/**
 * Network-wide operation totals from per-peer counters. Counters live in each peer's memory:
 * summing only live peers made the totals fall when peers died (500 puts became 450 with 5
 * of 50 peers down), and a restart resets a peer's counters to 0. So a down peer's last
 * known counters stay in the totals (and are counted, so the page can say so), and what a
 * peer had counted before a restart is carried over. Totals then only go down when a peer
 * is forgotten or removed from the fleet.
 */
import type { OpStatView, OpSummary } from "./snapshot-types";

/** Counts a peer had reached before its counters were reset (restarts), per operation. */
export type CarriedCounts = Map<string, { count: number; errors: number }>;

export interface PeerCounters {
  up: boolean;
  /** The peer's last known counters (undefined: it never answered). */
  operations?: readonly OpStatView[];
  /** Ops/s since the previous poll, per operation (live peers only). */
  rates: ReadonlyMap<string, number>;
  carried?: CarriedCounts;
}

export interface OpTotals {
  ops: OpSummary[];
  opsPerSec: number;
  /** Down peers whose last known counters are in the totals. */
  downPeersCounted: number;
}

/**
 * Folds a fresh counter reading into what was carried: a counter lower than the previous
 * reading means the peer restarted, so the previous reading is carried forward.
 */
export function carryOver(carried: CarriedCounts, previous: readonly OpStatView[], current: readonly OpStatView[]): CarriedCounts {
  const now = new Map(current.map((o) => [o.name, o]));
  const next: CarriedCounts = new Map(carried);
  for (const p of previous) {
    const c = now.get(p.name);
    if (c && c.count >= p.count) continue;
    const k = next.get(p.name) ?? { count: 0, errors: 0 };
    next.set(p.name, { count: k.count + p.count, errors: k.errors + p.errors });
  }
  return next;
}

/** Sums every peer's counters (down peers' last known ones too); latencies and rates come from live peers only. */
export function totalOps(peers: readonly PeerCounters[]): OpTotals {
  const ops = new Map<string, OpSummary & { weighted: number; latencyCount: number }>();
  const get = (name: string) => {
    let s = ops.get(name);
    if (!s) ops.set(name, (s = { name, opsPerSec: 0, count: 0, errors: 0, p50Ms: 0, p99Ms: 0, weighted: 0, latencyCount: 0 }));
    return s;
  };
  let downPeersCounted = 0;
  for (const p of peers) {
    for (const [name, c] of p.carried ?? []) {
      const s = get(name);
      s.count += c.count;
      s.errors += c.errors;
    }
    if (!p.operations) continue;
    if (!p.up && p.operations.some((o) => o.count > 0)) downPeersCounted++;
    for (const o of p.operations) {
      const s = get(o.name);
      s.count += o.count;
      s.errors += o.errors;
      if (!p.up) continue;
      s.opsPerSec += p.rates.get(o.name) ?? 0;
      s.weighted += o.p50Ms * o.count;
      s.latencyCount += o.count;
      s.p99Ms = Math.max(s.p99Ms, o.p99Ms);
    }
  }
  const list: OpSummary[] = [...ops.values()].map(({ weighted, latencyCount, ...s }) => ({ ...s, p50Ms: latencyCount ? weighted / latencyCount : 0 }));
  return { ops: list, opsPerSec: list.reduce((a, s) => a + s.opsPerSec, 0), downPeersCounted };
}
