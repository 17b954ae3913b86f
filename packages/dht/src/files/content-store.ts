/**
 * A peer's own content-addressed records on top of its RecordStore: chunks are verified
 * against their hash when stored and on every read (a mismatch is dropped, never served),
 * and chunk bytes are counted against the disk quota.
 */
import { DhtError } from "../errors.js";
import type { Clock, DhtRecord, PeerRpcHandler, RecordStore, StoreResult } from "../types.js";
import { systemClock } from "../types.js";
import { isNodeId, sha256Hex } from "../kademlia/node-id.js";
import {
  CHUNK_PREFIX,
  COMMITTED_CHUNK_VERSION,
  CONTENT_VERSION,
  MANIFEST_PREFIX,
  PENDING_CHUNK_VERSION,
  chunkKey,
  chunkRecord,
  claimedHash,
  contentProblem,
  isContentKey,
  isPendingChunk,
} from "./content-keys.js";
import { decodeManifest, type FileManifest } from "./manifest.js";

export interface ContentStoreOptions {
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

export const defaultContentStoreOptions: Readonly<ContentStoreOptions> = Object.freeze({
  diskQuotaBytes: 10 * 2 ** 30,
  maxChunkBytes: 16 << 20,
  chunkLeaseMs: 24 * 3600_000,
});

/** What `commitChunks` did. */
export interface CommitResult {
  /** Chunks held here that are now committed (including ones that already were). */
  committed: number;
  /** Hashes not held here (never arrived, or already collected). */
  missing: number;
}

/**
 * Chunk buffers hashed in this process by `hashChunk`, so that storing one of them here does
 * not hash its megabyte again (the uploader keeps a third of an upload's chunks itself). Weak:
 * an entry lives as long as its buffer. Bytes from the network or the disk never get here.
 */
const hashedHere = new WeakMap<Uint8Array, string>();

/**
 * SHA-256 of a chunk, remembered for `ContentStore.putChunk` on this same buffer. The caller
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

export class ContentStore {
  #store: RecordStore;
  #options: ContentStoreOptions;
  #usedBytes = 0;
  readonly #onCorrupt: CorruptionListener;
  readonly #clock: Clock;
  /**
   * Pending chunk key → when this peer first saw it pending (or a new upload re-sent it). In
   * memory on purpose: after a restart the first sweep starts every lease afresh, which
   * delays collection but never collects early. Bounded by the chunks held (the quota).
   */
  readonly #leases = new Map<string, number>();

  constructor(store: RecordStore, options: Partial<ContentStoreOptions> = {}, onCorrupt: CorruptionListener = () => {}, clock: Clock = systemClock) {
    this.#store = store;
    this.#options = { ...defaultContentStoreOptions, ...options };
    this.#onCorrupt = onCorrupt;
    this.#clock = clock;
  }

  /**
   * Writes through `store` from now on: the DHT node's indexed store, so that anti-entropy's
   * index sees chunks stored, committed and collected here. Same records underneath.
   */
  useStore(store: RecordStore): void {
    this.#store = store;
  }

  /** Counts the chunk bytes already held (call once at start, before serving). */
  async init(): Promise<void> {
    this.#usedBytes = await this.#sumChunkBytes();
  }

  /** Chunk bytes held, as counted against the quota. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  get options(): Readonly<ContentStoreOptions> {
    return this.#options;
  }

  /** Changes limits live (config reload). A lower quota refuses new chunks; nothing is evicted. */
  updateOptions(partial: Partial<ContentStoreOptions>): void {
    this.#options = { ...this.#options, ...partial };
  }

  /**
   * The chunk's bytes, verified. Throws NOT_FOUND when not held and DATA_LOSS when the held
   * copy does not match its hash (the copy is removed first, so a writer can restore it).
   */
  async getChunk(hash: string): Promise<Uint8Array> {
    if (!isNodeId(hash)) throw new DhtError("hash: must be 64 lowercase hex characters", "invalid_argument");
    const record = await this.#store.get(chunkKey(hash));
    if (!record || record.tombstone) throw new DhtError(`chunk ${hash}: not held here`, "not_found");
    if (sha256Hex(record.value) !== hash) {
      await this.#dropCorrupt(record);
      throw new DhtError(`chunk ${hash}: the copy held here was corrupt and has been dropped`, "data_loss");
    }
    return record.value;
  }

  /**
   * Verifies and keeps a chunk. Already held intact: `applied: false`. Held but corrupt: the
   * copy is replaced (that is how a replica is repaired). Over quota: RESOURCE_EXHAUSTED.
   */
  async putChunk(hash: string, bytes: Uint8Array, pending = false): Promise<StoreResult> {
    if (!isNodeId(hash)) throw new DhtError("hash: must be 64 lowercase hex characters", "invalid_argument");
    if (bytes.byteLength > this.#options.maxChunkBytes) {
      throw new DhtError(`chunk: ${bytes.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`, "invalid_argument");
    }
    if (hashedHere.get(bytes) !== hash && sha256Hex(bytes) !== hash) throw new DhtError(`chunk ${hash}: bytes do not match the hash`, "invalid_argument");
    return this.#putVerified(chunkRecord(hash, bytes, pending));
  }

  /** Verifies and keeps any content-addressed record (chunk or manifest) from another peer. */
  async putRecord(record: DhtRecord): Promise<StoreResult> {
    const problem = contentProblem(record);
    if (problem) throw new DhtError(problem, "invalid_argument");
    if (record.key.startsWith(CHUNK_PREFIX)) {
      if (record.value.byteLength > this.#options.maxChunkBytes) {
        throw new DhtError(`${record.key}: ${record.value.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`, "invalid_argument");
      }
      // Only the two chunk states exist; a hand-off or repair copy keeps its state.
      return this.#putVerified(chunkRecord(claimedHash(record.key)!, record.value, isPendingChunk(record)));
    } else {
      try {
        decodeManifest(record.value); // a manifest must be one, not just any bytes under its hash
      } catch (err) {
        throw new DhtError(`${record.key}: ${(err as DhtError).message}`, "invalid_argument");
      }
    }
    return this.#putVerified({ ...record, version: { ...CONTENT_VERSION } });
  }

  /** Our copy of a content record when intact; a corrupt one is dropped and reported as absent. */
  async getRecord(key: string): Promise<DhtRecord | undefined> {
    const record = await this.#store.get(key);
    if (!record) return undefined;
    if (contentProblem(record)) {
      await this.#dropCorrupt(record);
      return undefined;
    }
    return record;
  }

  /** The manifests this peer holds (intact ones), by file ID, at most `limit`. */
  async listManifests(limit = 1000): Promise<{ id: string; manifest: FileManifest }[]> {
    const infos = await this.#store.list({ prefix: MANIFEST_PREFIX, limit });
    const out: { id: string; manifest: FileManifest }[] = [];
    for (const info of infos) {
      const record = await this.getRecord(info.key);
      if (!record) continue;
      try {
        out.push({ id: claimedHash(record.key)!, manifest: decodeManifest(record.value) });
      } catch {
        // hash matches but not a manifest: cannot happen through putRecord; skip it
      }
    }
    return out;
  }

  /**
   * Commits the chunks of a file whose manifest is stored: pending copies held here become
   * committed (a newer version, which anti-entropy spreads to replicas the commit missed).
   */
  async commitChunks(hashes: readonly string[]): Promise<CommitResult> {
    if (hashes.length > MAX_COMMIT_HASHES) throw new DhtError(`hashes: at most ${MAX_COMMIT_HASHES} per commit, got ${hashes.length}`, "invalid_argument");
    hashes.forEach((h, i) => {
      if (!isNodeId(h)) throw new DhtError(`hashes[${i}]: must be 64 lowercase hex characters`, "invalid_argument");
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
    const now = this.#clock.now();
    const lease = this.#options.chunkLeaseMs;
    const seen = new Set<string>();
    let removed = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list({ prefix: CHUNK_PREFIX, limit: 1000, ...(after ? { after } : {}) });
      for (const info of page) {
        if (info.tombstone || !isPendingChunk(info)) continue;
        seen.add(info.key);
        const since = this.#leases.get(info.key);
        if (since === undefined) this.#leases.set(info.key, now);
        else if (now - since >= lease && (await this.#removeIfPending(info.key))) removed++;
      }
      if (page.length < 1000) break;
      after = page[page.length - 1]!.key;
    }
    // Committed (here or by anti-entropy) or dropped since: forget their leases.
    for (const key of this.#leases.keys()) if (!seen.has(key)) this.#leases.delete(key);
    return removed;
  }

  async #removeIfPending(key: string): Promise<boolean> {
    const held = await this.#store.get(key);
    this.#leases.delete(key);
    if (!held || !isPendingChunk(held)) return false; // committed meanwhile: keep it
    await this.#store.remove(key);
    this.#usedBytes = Math.max(0, this.#usedBytes - held.value.byteLength);
    return true;
  }

  async #putVerified(record: DhtRecord): Promise<StoreResult> {
    const isChunk = record.key.startsWith(CHUNK_PREFIX);
    const held = await this.#store.get(record.key);
    if (held && !held.tombstone && !contentProblem(held)) {
      if (!isChunk || !isPendingChunk(held)) return { applied: false, current: held.version }; // committed is sticky
      if (isPendingChunk(record)) {
        this.#leases.set(record.key, this.#clock.now()); // a new upload of the same bytes renews the lease
        return { applied: false, current: held.version };
      }
      this.#leases.delete(record.key);
      return this.#store.merge(record); // pending → committed: same bytes, no quota change
    }
    if (held) await this.#dropCorrupt(held);
    if (isChunk && this.#usedBytes + record.value.byteLength > this.#options.diskQuotaBytes) {
      throw new DhtError(
        `disk quota: ${this.#usedBytes} of ${this.#options.diskQuotaBytes} bytes used, a ${record.value.byteLength}-byte chunk does not fit`,
        "resource_exhausted",
      );
    }
    const result = await this.#store.merge(record);
    if (isChunk && result.applied) {
      this.#usedBytes += record.value.byteLength;
      if (isPendingChunk(record)) this.#leases.set(record.key, this.#clock.now());
    }
    return result;
  }

  async #dropCorrupt(record: DhtRecord): Promise<void> {
    await this.#store.remove(record.key);
    if (record.key.startsWith(CHUNK_PREFIX)) this.#usedBytes = Math.max(0, this.#usedBytes - record.value.byteLength);
    this.#onCorrupt(record.key);
  }

  async #sumChunkBytes(): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#store.list({ prefix: CHUNK_PREFIX, limit: 1000, ...(after ? { after } : {}) });
      for (const info of page) total += info.sizeBytes;
      if (page.length < 1000) return total;
      after = page[page.length - 1]!.key;
    }
  }
}

/**
 * Wraps a peer's handler so content-addressed records arriving through Store or leaving
 * through FindValue pass through the ContentStore: verified against their hash, counted
 * against the quota, never served corrupt. Other records go to `handler` unchanged.
 */
export function guardContentRecords(handler: PeerRpcHandler, content: ContentStore): PeerRpcHandler {
  const onStore: PeerRpcHandler["onStore"] = async (from, record) => {
    if (!isContentKey(record.key)) return handler.onStore(from, record);
    handler.onPing(from); // every verified message teaches its sender
    return content.putRecord(record);
  };
  const onFindValue: PeerRpcHandler["onFindValue"] = async (from, key) => {
    const result = await handler.onFindValue(from, key);
    if (!result.record || !isContentKey(key) || !contentProblem(result.record)) return result;
    await content.getRecord(key); // drops the corrupt copy
    return { contacts: result.contacts };
  };
  // Anti-entropy serves from the store directly: never hand out a content record that fails
  // its hash (drop it instead, as a read would).
  const onFetchRecords = handler.onFetchRecords
    ? async (from: Parameters<NonNullable<PeerRpcHandler["onFetchRecords"]>>[0], keys: string[]) => {
        const records = await handler.onFetchRecords!(from, keys);
        const out: DhtRecord[] = [];
        for (const r of records) {
          if (isContentKey(r.key) && contentProblem(r)) await content.getRecord(r.key);
          else out.push(r);
        }
        return out;
      }
    : undefined;
  // A proxy rather than a copy: methods the handler gains later (anti-entropy) pass through.
  return new Proxy(handler, {
    get(target, prop) {
      if (prop === "onStore") return onStore;
      if (prop === "onFindValue") return onFindValue;
      if (prop === "onFetchRecords" && onFetchRecords) return onFetchRecords;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
