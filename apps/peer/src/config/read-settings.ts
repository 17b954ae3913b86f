/**
 * Settings of batch operations and hedged reads, merged into the peer's schema (peer-config.ts)
 * like the rate limits. All change live.
 */
import { z } from "zod";
import type { SettingSource } from "./peer-config.js";

const ms = z.number().int().min(0).max(60_000);

export const readSettingsShape = {
  /** Keys in one PutMany, GetMany or DeleteMany (and one PutStream message), at most; a larger batch is refused whole. 1000: a batch of 100-byte values is ~0.3 MB, and one StoreMany per replica carries it. Changeable live. */
  maxBatchKeys: z.number().int().min(1).max(100_000).default(1000),
  /** Hedged reads: a replica slower than its usual latency gets the next one asked beside it, cutting the tail under a slow or paused replica for ~1 extra read in 10. Set false (config file, P2P_HEDGE_READS=0) to wait for each replica's answer or deadline. Changeable live. */
  hedgeReads: z.boolean().default(true),
  /** Which percentile of a replica's recent read latencies counts as "late": 90, as in the tail-at-scale hedging of Dean and Barroso. Changeable live. */
  hedgePercentile: z.number().int().min(50).max(99).default(90),
  /** Never hedge sooner than this, ms: 5 keeps loopback jitter from doubling reads. Changeable live. */
  hedgeMinMs: ms.default(5),
  /** Never wait longer than this before hedging (nor for a replica with too few samples yet), ms: 250, a WAN round trip. Changeable live. */
  hedgeMaxMs: ms.default(250),
  /** Share of reads that may hedge, percent over time (plus a burst of 10): under overload every replica is slow and hedging each read only adds load (measured: 43% of reads hedged and 18% less throughput through one peer of 30 at 64 in flight, without a budget). 10. Changeable live. */
  hedgeBudgetPercent: z.number().int().min(0).max(100).default(10),
};

export type ReadSettingKey = keyof typeof readSettingsShape;

export const READ_LIVE_SETTINGS: readonly ReadSettingKey[] = ["maxBatchKeys", "hedgeReads", "hedgePercentile", "hedgeMinMs", "hedgeMaxMs", "hedgeBudgetPercent"];

export const READ_SOURCES: Record<ReadSettingKey, SettingSource> = {
  maxBatchKeys: { flag: "max-batch-keys", env: "P2P_MAX_BATCH_KEYS", kind: "integer", help: "keys in one PutMany/GetMany/DeleteMany at most (default 1000)" },
  hedgeReads: { flag: "hedge-reads", env: "P2P_HEDGE_READS", kind: "boolean", help: "hedged reads: ask the next replica beside a slow one; a GetMany stops waiting for a stuck replica and reads its keys one by one (default on; off: P2P_HEDGE_READS=0 or the config file)" },
  hedgePercentile: { flag: "hedge-percentile", env: "P2P_HEDGE_PERCENTILE", kind: "integer", help: "percentile of a replica's recent latency after which a read hedges (default 90)" },
  hedgeMinMs: { flag: "hedge-min-ms", env: "P2P_HEDGE_MIN_MS", kind: "integer", help: "never hedge sooner (default 5)" },
  hedgeBudgetPercent: { flag: "hedge-budget-percent", env: "P2P_HEDGE_BUDGET_PERCENT", kind: "integer", help: "share of reads that may hedge, percent (default 10)" },
  hedgeMaxMs: { flag: "hedge-max-ms", env: "P2P_HEDGE_MAX_MS", kind: "integer", help: "never wait longer before hedging (default 250)" },
};

/** The hedge window must not be empty: checked with the other cross-field rules (peer-config.ts), before the node would refuse it. */
export function readCrossFieldProblems(s: { hedgeMinMs?: number; hedgeMaxMs?: number }): { key: ReadSettingKey; other: ReadSettingKey; message: string; otherMessage: string }[] {
  if (s.hedgeMinMs === undefined || s.hedgeMaxMs === undefined || s.hedgeMaxMs >= s.hedgeMinMs) return [];
  return [{
    key: "hedgeMaxMs",
    other: "hedgeMinMs",
    message: `must be ≥ hedge min (${s.hedgeMinMs}), got ${s.hedgeMaxMs}`,
    otherMessage: `must be ≤ hedge max (${s.hedgeMaxMs}), got ${s.hedgeMinMs}`,
  }];
}
