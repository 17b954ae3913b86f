/**
 * A peer's own chunks on top of its record store: verified against their hash when stored and
 * on every read (a mismatch is dropped, never served), counted against the disk quota, and
 * tracked pending until their upload commits them (the upload lease, README.md).
 */
import { DhtError } from "../errors.js";
import type { Clock, DhtRecord, RecordStore, StoreResult } from "../types.js";
import { systemClock } from "../types.js";
import { isNodeId, sha256Hex } from "../kademlia/node-id.js";
import type { CommitResult } from "../rpc/peer-rpc.js";
import { CHUNK_PREFIX, COMMITTED_CHUNK_VERSION, PENDING_CHUNK_VERSION, chunkKey, chunkRecord, claimedHash, contentProblem, isPendingChunk } from "./content-keys.js";

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

/**
 * Chunk buffers hashed in this process by `hashChunk`, so that storing one of them here does
 * not hash its megabyte again (the uploader keeps a third of an upload's chunks itself). Weak:
 * an entry lives as long as its buffer. Bytes from the network or the disk never get here.
 */
const hashedHere = new WeakMap<Uint8Array, string>();

/**
 * SHA-256 of a chunk, remembered for `ChunkStore.putChunk` on this same buffer. The caller
 * must not modify `bytes` afterwards (the uploader's chunk buffers are fresh and read-only).
 */
export function hashChunk(bytes: Uint8Array): string {
  const hash = sha256Hex(bytes);
  hashedHere.set(bytes, hash);
  return hash;
}

/** Most hashes one commit may name: 1 GiB of 1 MiB chunks per call, ~70 KB of hex. */
export const MAX_COMMIT_HASHES = 1024;

/** What happened to a corrupt replica; feeds logs and the repair counters. */
export type CorruptionListener = (key: string) => void;

const PAGE = 1000;

export class ChunkStore {
  readonly #store: RecordStore;
  #options: ChunkStoreOptions;
  #usedBytes = 0;
  /** Counting the chunk bytes already held, once, before the first change (lazy, so a node is built synchronously). */
  #counted: Promise<void> | undefined;
  readonly #onCorrupt: CorruptionListener;
  readonly #clock: Clock;
  /**
   * Pending chunk key → when this peer first saw it pending (or a new upload re-sent it). In
   * memory on purpose: after a restart the first sweep starts every lease afresh, which
   * delays collection but never collects early. Bounded by the chunks held (the quota).
   */
  #leasesLazy: Map<string, number> | undefined;
  /** Created on first use: most nodes of a simulation never need one. */
  get #leases(): Map<string, number> {
    return (this.#leasesLazy ??= new Map<string, number>());
  }

  /** `store`: the node's (indexed) record store, so anti-entropy sees every chunk stored, committed or collected here. */
  constructor(store: RecordStore, options: Partial<ChunkStoreOptions> = {}, onCorrupt: CorruptionListener = () => {}, clock: Clock = systemClock) {
    this.#store = store;
    this.#options = resolveChunkStoreOptions(options);
    this.#onCorrupt = onCorrupt;
    this.#clock = clock;
  }

  /** Counts the chunk bytes already held; every change waits for it (idempotent). */
  init(): Promise<void> {
    this.#counted ??= this.#sumChunkBytes().then((n) => {
      this.#usedBytes += n;
    });
    return this.#counted;
  }

  /** Chunk bytes held, as counted against the quota. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  get options(): Readonly<ChunkStoreOptions> {
    return this.#options;
  }

  /** Changes limits live (config reload). A lower quota refuses new chunks; nothing is evicted. All-or-nothing. */
  updateOptions(partial: Partial<ChunkStoreOptions>): void {
    this.#options = resolveChunkStoreOptions(partial, this.#options);
  }

  /**
   * The chunk's bytes, verified. Throws NOT_FOUND when not held and DATA_LOSS when the held
   * copy does not match its hash (the copy is removed first, so a writer can restore it).
   */
  async getChunk(hash: string): Promise<Uint8Array> {
    if (!isNodeId(hash)) throw DhtError.invalidArgument("hash: must be 64 lowercase hex characters");
    const record = await this.#store.get(chunkKey(hash));
    if (!record || record.tombstone) throw DhtError.notFound(`chunk ${hash}: not held here`);
    if (sha256Hex(record.value) !== hash) {
      await this.#dropCorrupt(record);
      throw DhtError.dataLoss(`chunk ${hash}: the copy held here was corrupt and has been dropped`);
    }
    return record.value;
  }

  /**
   * Verifies and keeps a chunk. Already held intact: `applied: false`. Held but corrupt: the
   * copy is replaced (that is how a replica is repaired). Over quota: RESOURCE_EXHAUSTED.
   */
  async putChunk(hash: string, bytes: Uint8Array, pending = false): Promise<StoreResult> {
    if (!isNodeId(hash)) throw DhtError.invalidArgument("hash: must be 64 lowercase hex characters");
    if (bytes.byteLength > this.#options.maxChunkBytes) {
      throw DhtError.invalidArgument(`chunk: ${bytes.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`);
    }
    if (hashedHere.get(bytes) !== hash && sha256Hex(bytes) !== hash) throw DhtError.invalidArgument(`chunk ${hash}: bytes do not match the hash`);
    return this.#putVerified(chunkRecord(hash, bytes, pending));
  }

  /**
   * Keeps a chunk record whose bytes were verified against its key (a peer's Store, an
   * anti-entropy pull, a hand-off): only the two chunk states exist, and a copy keeps its state.
   */
  async keepRecord(record: DhtRecord): Promise<StoreResult> {
    if (record.value.byteLength > this.#options.maxChunkBytes) {
      throw DhtError.invalidArgument(`${record.key}: ${record.value.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`);
    }
    return this.#putVerified(chunkRecord(claimedHash(record.key)!, record.value, isPendingChunk(record)));
  }

  /** Our copy of a chunk record when intact; a corrupt one is dropped and reported as absent. */
  async readRecord(key: string): Promise<DhtRecord | undefined> {
    const record = await this.#store.get(key);
    if (!record) return undefined;
    if (contentProblem(record)) {
      await this.#dropCorrupt(record);
      return undefined;
    }
    return record;
  }

  /** A chunk left this store by another way (hand-off): its bytes leave the quota. */
  forget(record: DhtRecord): void {
    this.#leases.delete(record.key);
    // After the initial count, which may still be listing the chunk.
    void this.init().then(() => {
      this.#usedBytes = Math.max(0, this.#usedBytes - record.value.byteLength);
    });
  }

  /**
   * Commits the chunks of a file whose manifest is stored: pending copies held here become
   * committed (a newer version, which anti-entropy spreads to replicas the commit missed).
   */
  async commitChunks(hashes: readonly string[]): Promise<CommitResult> {
    if (hashes.length > MAX_COMMIT_HASHES) throw DhtError.invalidArgument(`hashes: at most ${MAX_COMMIT_HASHES} per commit, got ${hashes.length}`);
    hashes.forEach((h, i) => {
      if (!isNodeId(h)) throw DhtError.invalidArgument(`hashes[${i}]: must be 64 lowercase hex characters`);
    });
    const result: CommitResult = { committed: 0, missing: 0 };
    for (const hash of new Set(hashes)) {
      const key = chunkKey(hash);
      // Version only: the 1 MiB value never passes through here (content records hold no tombstones).
      if (!(await this.#store.raiseVersion(key, PENDING_CHUNK_VERSION, COMMITTED_CHUNK_VERSION))) {
        result.missing++;
        continue;
      }
      this.#leases.delete(key);
      result.committed++;
    }
    return result;
  }

  /** Chunks seen pending and not yet collected or committed (as of the last sweep or store). */
  get pendingChunks(): number {
    return this.#leases.size;
  }

  /**
   * Collects pending chunks whose lease ran out; returns how many were removed. Pages through
   * the chunk keys (their versions come with the listing, no values are read), so a sweep
   * costs one pass over the chunk index.
   */
  async sweepPending(): Promise<number> {
    await this.init();
    const now = this.#clock.now();
    const lease = this.#options.chunkLeaseMs;
    const seen = new Set<string>();
    let removed = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list({ prefix: CHUNK_PREFIX, limit: PAGE, ...(after ? { after } : {}) });
      for (const info of page) {
        if (info.tombstone || !isPendingChunk(info)) continue;
        seen.add(info.key);
        const since = this.#leases.get(info.key);
        if (since === undefined) this.#leases.set(info.key, now);
        else if (now - since >= lease && (await this.#removeIfPending(info.key))) removed++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.key;
    }
    // Committed (here or by anti-entropy) or dropped since: forget their leases.
    for (const key of this.#leases.keys()) if (!seen.has(key)) this.#leases.delete(key);
    return removed;
  }

  async #removeIfPending(key: string): Promise<boolean> {
    await this.init();
    const held = await this.#store.get(key);
    this.#leases.delete(key);
    if (!held || !isPendingChunk(held)) return false; // committed meanwhile: keep it
    await this.#store.remove(key);
    this.#usedBytes = Math.max(0, this.#usedBytes - held.value.byteLength);
    return true;
  }

  async #putVerified(record: DhtRecord): Promise<StoreResult> {
    await this.init();
    const held = await this.#store.get(record.key);
    if (held && !held.tombstone && !contentProblem(held)) {
      if (!isPendingChunk(held)) return { applied: false, current: held.version }; // committed is sticky
      if (isPendingChunk(record)) {
        this.#leases.set(record.key, this.#clock.now()); // a new upload of the same bytes renews the lease
        return { applied: false, current: held.version };
      }
      this.#leases.delete(record.key);
      return this.#store.merge(record); // pending → committed: same bytes, no quota change
    }
    if (held) await this.#dropCorrupt(held);
    if (this.#usedBytes + record.value.byteLength > this.#options.diskQuotaBytes) {
      throw DhtError.resourceExhausted(
        `disk quota: ${this.#usedBytes} of ${this.#options.diskQuotaBytes} bytes used, a ${record.value.byteLength}-byte chunk does not fit`,
      );
    }
    const result = await this.#store.merge(record);
    if (result.applied) {
      this.#usedBytes += record.value.byteLength;
      if (isPendingChunk(record)) this.#leases.set(record.key, this.#clock.now());
    }
    return result;
  }

  async #dropCorrupt(record: DhtRecord): Promise<void> {
    await this.init();
    await this.#store.remove(record.key);
    if (record.key.startsWith(CHUNK_PREFIX)) this.#usedBytes = Math.max(0, this.#usedBytes - record.value.byteLength);
    this.#onCorrupt(record.key);
  }

  async #sumChunkBytes(): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list({ prefix: CHUNK_PREFIX, limit: PAGE, ...(after ? { after } : {}) });
      for (const info of page) total += info.sizeBytes;
      if (page.length < PAGE) return total;
      after = page[page.length - 1]!.key;
    }
  }
}
