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
  return o;
}
