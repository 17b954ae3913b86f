/**
 * How file transfer reaches other peers' chunks. Real peers stream chunks over gRPC in 64 KiB
 * frames (FetchChunk / StoreChunk); `recordChunkTransport` carries them as ordinary records
 * over any Transport, which is how tests and simulations on the memory network run the same
 * placement and download code.
 */
import { DhtError } from "../errors.js";
import type { CallOptions, Contact, Transport } from "../types.js";
import { chunkKey, chunkRecord, contentProblem } from "./content-keys.js";
import type { CommitResult } from "./content-store.js";

export interface ChunkStoreResult {
  /** False when the receiver already held the chunk (content is stored once). */
  applied: boolean;
}

/**
 * Chunk calls to one remote peer. Both fail with DhtError: NOT_FOUND (not held),
 * DATA_LOSS (held but corrupt: the holder dropped it), RESOURCE_EXHAUSTED (over quota),
 * UNAVAILABLE / DEADLINE_EXCEEDED (unreachable).
 */
export interface ChunkTransport {
  /** The chunk's bytes. Callers verify them against `hash` anyway: the network is not trusted. */
  fetchChunk(to: Contact, hash: string, opts: CallOptions): Promise<Uint8Array>;
  /** `pending`: part of an upload whose manifest is not stored yet (collected unless committed in time). */
  storeChunk(to: Contact, hash: string, bytes: Uint8Array, opts: CallOptions, pending?: boolean): Promise<ChunkStoreResult>;
  /** Commits chunks the remote holds pending (at most MAX_COMMIT_HASHES per call). */
  commitChunks(to: Contact, hashes: string[], opts: CallOptions): Promise<CommitResult>;
}

/** How the memory network delivers a commit (it has no such call): the receiver's ContentStore. */
export type CommitDelivery = (to: Contact, hashes: string[], opts: CallOptions) => Promise<CommitResult>;

/**
 * Chunks as records over the unary Store/FindValue calls of any Transport (memory network,
 * tests); the pending state travels as the record's version. `commit` delivers commits.
 */
export function recordChunkTransport(transport: Transport, commit: CommitDelivery): ChunkTransport {
  return {
    async fetchChunk(to, hash, opts) {
      const res = await transport.findValue(to, chunkKey(hash), opts);
      if (!res.record || res.record.tombstone) throw new DhtError(`chunk ${hash}: not held by ${to.id.slice(0, 8)}`, "not_found");
      const problem = contentProblem(res.record);
      if (problem) throw new DhtError(`chunk from ${to.id.slice(0, 8)}: ${problem}`, "data_loss");
      return res.record.value;
    },
    async storeChunk(to, hash, bytes, opts, pending = false) {
      const res = await transport.store(to, chunkRecord(hash, bytes, pending), opts);
      return { applied: res.applied };
    },
    commitChunks: commit,
  };
}
