/** A chunk store's settings, and who may commit or release the chunks it holds pending. */
import { DhtError } from "../errors.js";
import type { NodeId } from "../types.js";

/** The placer of chunks this peer's own code stores pending without naming one (its own uploads, tests). */
export const LOCAL_PLACER = "local";

/** Who asks to commit or release pending chunks: a peer (checked against the placers), or this peer itself (trusted) when absent. */
export interface ChunkAuthority {
  by: NodeId;
  /** True when `by` may commit `hash` without having placed it: one of its replicas spreading a commit (anti-entropy). */
  replicaOf?: (hash: string) => boolean;
}

export interface ChunkStoreOptions {
  /** Chunk bytes this peer keeps at most; beyond it, new chunks are refused with RESOURCE_EXHAUSTED so writers place them on the next closest peers. Default 10 GiB. */
  diskQuotaBytes: number;
  /** Largest chunk accepted, in bytes. Default 16 MiB (manifests declare at most that). */
  maxChunkBytes: number;
  /**
   * Upload lease, ms: a chunk still pending (no manifest committed it) this long after this
   * peer first saw it pending is collected. Default 24 h: far above any upload (1 GiB at
   * 100 KB/s is under 3 h), so only uploads that were cut lose their chunks.
   */
  chunkLeaseMs: number;
}

export const defaultChunkStoreOptions: Readonly<ChunkStoreOptions> = Object.freeze({
  diskQuotaBytes: 10 * 2 ** 30,
  maxChunkBytes: 16 << 20,
  chunkLeaseMs: 24 * 3600_000,
});

/** Checks live settings; throws INVALID_ARGUMENT naming the field. */
export function resolveChunkStoreOptions(partial: Partial<ChunkStoreOptions>, base: Readonly<ChunkStoreOptions> = defaultChunkStoreOptions): ChunkStoreOptions {
  const o = { ...base, ...partial };
  for (const field of ["diskQuotaBytes", "maxChunkBytes", "chunkLeaseMs"] as const) {
    const v = o[field];
    if (!Number.isSafeInteger(v) || v < 0) throw DhtError.invalidArgument(`${field}: must be an integer ≥ 0, got ${String(v)}`);
  }
  return o;
}

