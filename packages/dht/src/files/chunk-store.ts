/**
 * A peer's own chunks on top of its record store: verified against their hash when stored and
 * on every read (a mismatch is dropped, never served), counted against the disk quota, and
 * tracked pending until their upload commits them (the upload lease, README.md).
 */
import { DhtError } from "../errors.js";
import type { Clock, DhtRecord, NodeId, RecordStore, StoreResult } from "../types.js";
import { systemClock } from "../types.js";
import { isNodeId, sha256Hex } from "../kademlia/node-id.js";
import type { CommitResult, ReleaseResult } from "../rpc/peer-rpc.js";
import { CHUNK_PREFIX, COMMITTED_CHUNK_VERSION, PENDING_CHUNK_VERSION, chunkKey, chunkRecord, claimedHash, contentProblem, isPendingChunk } from "./content-keys.js";
import { PendingChunks } from "./pending-chunks.js";
import { hashedAs } from "./chunk-hash.js";

import type { ChunkAuthority, ChunkStoreOptions } from "./chunk-store-options.js";
import { LOCAL_PLACER, resolveChunkStoreOptions } from "./chunk-store-options.js";

export { LOCAL_PLACER, defaultChunkStoreOptions, resolveChunkStoreOptions } from "./chunk-store-options.js";
export type { ChunkAuthority, ChunkStoreOptions } from "./chunk-store-options.js";

export { hashChunk } from "./chunk-hash.js";

/** Most hashes one commit may name: 1 GiB of 1 MiB chunks per call, ~70 KB of hex. */
export const MAX_COMMIT_HASHES = 1024;

/** What happened to a corrupt replica; feeds logs and the repair counters. */
export type CorruptionListener = (key: string) => void;

const PAGE = 1000;

export class ChunkStore {
  readonly #store: RecordStore;
  #options: ChunkStoreOptions;
  #usedBytes = 0;
  /** Chunks refused for the quota since start (a metric). */
  refused = 0;
  /** Counting the chunk bytes already held, once, before the first change (lazy, so a node is built synchronously). */
  #counted: Promise<void> | undefined;
  readonly #onCorrupt: CorruptionListener;
  readonly #clock: Clock;
  /** Leases and placers of pending chunks (pending-chunks.ts). Bounded by the chunks held (the quota). */
  #leasesLazy: PendingChunks | undefined;
  /** Created on first use: most nodes of a simulation never need one. */
  get #leases(): PendingChunks {
    return (this.#leasesLazy ??= new PendingChunks());
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
   * `pending`: stored by the upload of `placer` (a StoreChunk's sender), which starts or
   * renews its lease and alone may commit or release it.
   */
  async putChunk(hash: string, bytes: Uint8Array, pending = false, placer: NodeId = LOCAL_PLACER): Promise<StoreResult> {
    if (!isNodeId(hash)) throw DhtError.invalidArgument("hash: must be 64 lowercase hex characters");
    if (bytes.byteLength > this.#options.maxChunkBytes) {
      throw DhtError.invalidArgument(`chunk: ${bytes.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`);
    }
    if (hashedAs(bytes) !== hash && sha256Hex(bytes) !== hash) throw DhtError.invalidArgument(`chunk ${hash}: bytes do not match the hash`);
    return this.#putVerified(chunkRecord(hash, bytes, pending), placer);
  }

  /**
   * Keeps a chunk record whose bytes were verified against its key (a peer's Store, an
   * anti-entropy pull, a hand-off, a read repair): only the two chunk states exist, and a copy
   * keeps its state. A pending copy comes from no upload: it neither renews a lease nor names
   * a placer (a copy renewing leases kept orphans alive forever, chunk-lease.test.ts).
   */
  async keepRecord(record: DhtRecord): Promise<StoreResult> {
    if (record.value.byteLength > this.#options.maxChunkBytes) {
      throw DhtError.invalidArgument(`${record.key}: ${record.value.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`);
    }
    return this.#putVerified(chunkRecord(claimedHash(record.key)!, record.value, isPendingChunk(record)), undefined);
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
  async commitChunks(hashes: readonly string[], authority?: ChunkAuthority): Promise<CommitResult> {
    checkHashes(hashes, "commit");
    // All or nothing: a request naming one chunk its sender may not commit changes none.
    if (authority) {
      for (const hash of hashes) {
        if (!authority.replicaOf?.(hash)) this.#leases.checkCommit(chunkKey(hash), hash, authority.by);
      }
    }
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

  /**
   * Releases the pending chunks of an upload that ended without a manifest (cut, refused,
   * failed): a chunk placed only by that upload is removed at once, so its bytes stop counting
   * against the quota; one another upload placed too, or whose placers are unknown (a restart),
   * stays for its lease. Committed chunks are never removed. PERMISSION_DENIED (nothing
   * changed) when `authority` names a peer that did not place one of them.
   */
  async releaseChunks(hashes: readonly string[], authority?: ChunkAuthority): Promise<ReleaseResult> {
    checkHashes(hashes, "release");
    await this.init();
    const by = authority?.by ?? LOCAL_PLACER;
    const result: ReleaseResult = { released: 0, kept: 0, missing: 0 };
    const pending: string[] = [];
    for (const hash of new Set(hashes)) {
      const info = await this.#store.get(chunkKey(hash));
      if (!info || info.tombstone) result.missing++;
      else if (!isPendingChunk(info)) result.kept++; // committed: another file holds it
      else {
        if (authority) this.#leases.checkRelease(info.key, hash, by); // throws before anything changed
        pending.push(info.key);
      }
    }
    for (const key of pending) {
      const known = this.#leases.hasPlacers(key);
      this.#leases.unplace(key, by);
      // Unknown placers (a restart) or another upload still placing it: its lease decides.
      if (known && !this.#leases.hasPlacers(key) && (await this.#removeIfPending(key))) result.released++;
      else result.kept++;
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
        const since = this.#leases.since(info.key);
        if (since === undefined) this.#leases.seen(info.key, now);
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

  /** `placer`: the upload storing a pending chunk (undefined for copies from other peers, see keepRecord). */
  async #putVerified(record: DhtRecord, placer: NodeId | undefined): Promise<StoreResult> {
    await this.init();
    const held = await this.#store.get(record.key);
    if (held && !held.tombstone && !contentProblem(held)) {
      if (!isPendingChunk(held)) return { applied: false, current: held.version }; // committed is sticky
      if (isPendingChunk(record)) {
        if (placer !== undefined) this.#leases.placed(record.key, placer, this.#clock.now()); // a new upload of the same bytes renews the lease
        return { applied: false, current: held.version };
      }
      this.#leases.delete(record.key);
      return this.#store.merge(record); // pending → committed: same bytes, no quota change
    }
    if (held) await this.#dropCorrupt(held);
    if (this.#usedBytes + record.value.byteLength > this.#options.diskQuotaBytes) {
      this.refused++;
      throw DhtError.diskFull(
        `disk quota: ${this.#usedBytes} of ${this.#options.diskQuotaBytes} bytes used, a ${record.value.byteLength}-byte chunk does not fit`,
      );
    }
    const result = await this.#store.merge(record);
    if (result.applied) {
      this.#usedBytes += record.value.byteLength;
      if (isPendingChunk(record)) {
        if (placer !== undefined) this.#leases.placed(record.key, placer, this.#clock.now());
        else this.#leases.seen(record.key, this.#clock.now());
      }
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

function checkHashes(hashes: readonly string[], what: string): void {
  if (hashes.length > MAX_COMMIT_HASHES) throw DhtError.invalidArgument(`hashes: at most ${MAX_COMMIT_HASHES} per ${what}, got ${hashes.length}`);
  hashes.forEach((h, i) => {
    if (!isNodeId(h)) throw DhtError.invalidArgument(`hashes[${i}]: must be 64 lowercase hex characters`);
  });
}
