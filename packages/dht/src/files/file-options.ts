import { DhtError } from "../errors.js";

/**
 * File transfer settings. All can change live through `FileService.updateOptions`. Copies,
 * quorum and the deadline of small calls are the node's replication settings (R, W,
 * rpcTimeoutMs): chunks and manifests are records like any other.
 */
export interface FileOptions {
  /**
   * Bytes per chunk. Default 1 MiB: a quarter of the records and lookups of 256 KiB chunks,
   * small enough that a download window of 8 chunks stays at 8 MiB, and streamed between peers
   * in 64 KiB frames, far below gRPC's 4 MiB message limit.
   */
  chunkSize: number;
  /** Largest file accepted, in bytes. Default 1 GiB. */
  maxFileBytes: number;
  /** Chunks being stored at once per upload. Default 8: memory per upload ≤ 8 chunks + one being cut (as many as a download keeps in flight). */
  uploadWindow: number;
  /** Chunks being fetched at once per download. Default 8: memory per download ≤ 8 chunks. */
  downloadWindow: number;
  /** Deadline of one chunk transfer with one peer, ms. Default 30000 (1 MiB at ≥ 35 KB/s). */
  chunkTimeoutMs: number;
  /**
   * Longest wait for one holder before the next holder of the chunk is asked too, ms; once a
   * download has timed a few chunks the wait is 4× their median (but ≥ hedgeFloorMs). Default
   * 2000: far above a 1 MiB fetch on a LAN (~10 ms), far below the chunk deadline a stalled
   * holder would otherwise cost.
   */
  hedgeAfterMs: number;
  /** Shortest hedge wait, ms. Default 50: below that, timer and GC noise would double traffic. */
  hedgeFloorMs: number;
  /** Holders asked at once for one chunk (1 = no hedging). Default 2: one stall costs one hedge, not double traffic. */
  maxHolderFetchesPerChunk: number;
  /** Overtakes by another holder after which a holder is not asked again in a download. Default 2. */
  slowStrikes: number;
  /** Holders whose penalties (corrupt, slow) the node remembers; the least recently penalised is forgotten. Default 1024. */
  maxScoredHolders: number;
  /** Background re-stores of missing or corrupt replicas in flight at most; more are left to anti-entropy. Default 64. */
  maxPendingRepairs: number;
}

export const defaultFileOptions: Readonly<FileOptions> = Object.freeze({
  chunkSize: 1 << 20,
  maxFileBytes: 2 ** 30,
  uploadWindow: 8,
  downloadWindow: 8,
  chunkTimeoutMs: 30_000,
  maxPendingRepairs: 64,
  hedgeAfterMs: 2000,
  hedgeFloorMs: 50,
  maxHolderFetchesPerChunk: 2,
  slowStrikes: 2,
  maxScoredHolders: 1024,
});

/** Fills defaults and checks ranges; throws INVALID_ARGUMENT naming the field. */
export function resolveFileOptions(partial: Partial<FileOptions>, base: Readonly<FileOptions> = defaultFileOptions): FileOptions {
  const o: FileOptions = { ...base, ...partial };
  const integer = (field: keyof FileOptions, min: number, max: number) => {
    const v = o[field];
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw DhtError.invalidArgument(`${field}: must be an integer from ${min} to ${max}, got ${String(v)}`);
    }
  };
  integer("chunkSize", 1024, 16 << 20);
  integer("maxFileBytes", 0, Number.MAX_SAFE_INTEGER);
  integer("uploadWindow", 1, 64);
  integer("downloadWindow", 1, 64);
  integer("chunkTimeoutMs", 1, 600_000);
  integer("maxPendingRepairs", 0, 10_000);
  integer("hedgeAfterMs", 1, 600_000);
  integer("hedgeFloorMs", 1, 600_000);
  integer("maxHolderFetchesPerChunk", 1, 8);
  integer("slowStrikes", 1, 1000);
  integer("maxScoredHolders", 1, 1_000_000);
  return o;
}
