import { DhtError } from "../errors.js";

/** Settings of anti-entropy, hand-off and tombstone collection. */
export interface AntiEntropyOptions {
  /** How often a peer compares digests with every neighbour it shares records with. Default
   * 30 s: at rest a round is one ~50-byte RPC per neighbour; joins and goodbyes trigger a
   * prompt round anyway, so the interval mostly bounds how long a silent crash goes unrepaired. */
  repairIntervalMs: number;
  /** Tombstones are kept at least this long, and then collected only once every replica holds
   * them (tombstone-gc.ts). Default 10 days, as Cassandra's gc_grace_seconds: a peer that was
   * down for less than this gets the delete from anti-entropy when it comes back. Must be
   * ≥ 2 × repairIntervalMs. */
  tombstoneGraceMs: number;
  /** Transfers (Store, FetchRecords, SyncDigest) in flight at once. Default 8. */
  maxConcurrentTransfers: number;
  /** Records pushed, pulled or handed off per round; the rest waits for the next (prompt)
   * round. Default 2000: bounds the memory and burst of one round. */
  maxRecordsPerRound: number;
  /** (key, version) entries accepted from one neighbour per round. Default 10,000. */
  maxKeysPerExchange: number;
  /** Keys per FetchRecords request. Default 64. */
  fetchBatch: number;
  /** Value bytes answered to one FetchRecords request; further keys are left for another
   * request. Default 2 MiB (below the 4 MiB gRPC message limit). */
  maxFetchBytes: number;
  /** Delay of the round triggered by a membership change, so a burst of joins costs one round. Default 250 ms. */
  promptDelayMs: number;
  /** Extra pings after a failed digest call before giving up on a neighbour, so a crashed
   * peer is evicted (and its records re-replicated) within one round. Default 2 (with the
   * routing table's maxFailures of 3, the failed call plus two pings evict it). */
  failurePings: number;
  /** Longest backoff of a failing neighbour, in rounds. Default 8. */
  maxBackoffRounds: number;
  /** First retry delay of a hinted hand-off (a record stored here while this peer is not among
   * its R closest, handed back to them without waiting for a round); it doubles per failed
   * attempt up to the repair interval. Default 1 s. */
  hintRetryMs: number;
  /** Hinted keys queued at most; beyond it a hint is counted and left to the regular round. Default 10,000. */
  maxHints: number;
  /** Collected deletes remembered at most (each ~150 bytes of memory and a row on disk); the
   * oldest are forgotten first. Default 100,000. */
  maxCollectedDeletes: number;
}

export const defaultAntiEntropyOptions: Readonly<AntiEntropyOptions> = Object.freeze({
  repairIntervalMs: 30_000,
  tombstoneGraceMs: 10 * 86_400_000,
  maxConcurrentTransfers: 8,
  maxRecordsPerRound: 2000,
  maxKeysPerExchange: 10_000,
  fetchBatch: 64,
  maxFetchBytes: 2 << 20,
  promptDelayMs: 250,
  failurePings: 2,
  maxBackoffRounds: 8,
  hintRetryMs: 1000,
  maxHints: 10_000,
  maxCollectedDeletes: 100_000,
});

/** Fills defaults and checks each field; throws DhtError INVALID_ARGUMENT naming the field. */
export function resolveAntiEntropyOptions(
  partial: Partial<AntiEntropyOptions>,
  base: Readonly<AntiEntropyOptions> = defaultAntiEntropyOptions,
): AntiEntropyOptions {
  const o: AntiEntropyOptions = { ...base, ...partial };
  // A caller lowering only the interval keeps the grace consistent with it.
  if (partial.repairIntervalMs !== undefined && partial.tombstoneGraceMs === undefined) {
    o.tombstoneGraceMs = Math.max(o.tombstoneGraceMs, 2 * o.repairIntervalMs);
  }
  const limits: Record<keyof AntiEntropyOptions, [number, number]> = {
    repairIntervalMs: [10, 86_400_000],
    tombstoneGraceMs: [20, 365 * 86_400_000],
    maxConcurrentTransfers: [1, 256],
    maxRecordsPerRound: [1, 1_000_000],
    maxKeysPerExchange: [1, 1_000_000],
    fetchBatch: [1, 1000],
    maxFetchBytes: [1024, 64 << 20],
    promptDelayMs: [0, 60_000],
    failurePings: [0, 10],
    maxBackoffRounds: [1, 1000],
    hintRetryMs: [10, 3_600_000],
    maxHints: [0, 10_000_000],
    maxCollectedDeletes: [0, 100_000_000],
  };
  for (const [field, [min, max]] of Object.entries(limits) as [keyof AntiEntropyOptions, [number, number]][]) {
    const v = o[field];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new DhtError(`${field}: must be an integer from ${min} to ${max}, got ${String(v)}`, "invalid_argument");
    }
  }
  if (o.tombstoneGraceMs < 2 * o.repairIntervalMs) {
    throw new DhtError(
      `tombstoneGraceMs: must be at least 2 × repairIntervalMs (${2 * o.repairIntervalMs}), got ${o.tombstoneGraceMs}`,
      "invalid_argument",
    );
  }
  return o;
}
