/**
 * A peer's own content-addressed records on top of its RecordStore: chunks are verified
 * against their hash when stored and on every read (a mismatch is dropped, never served),
 * and chunk bytes are counted against the disk quota.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { DhtRecord, PeerRpcHandler, RecordStore, StoreResult } from "../types.js";
import { isNodeId, sha256Hex } from "../kademlia/node-id.js";
import { CHUNK_PREFIX, CONTENT_VERSION, MANIFEST_PREFIX, chunkKey, chunkRecord, claimedHash, contentProblem, isContentKey } from "./content-keys.js";
import { decodeManifest, type FileManifest } from "./manifest.js";

export interface ContentStoreOptions {
  /** Chunk bytes this peer keeps at most; beyond it, new chunks are refused with RESOURCE_EXHAUSTED so writers place them on the next closest peers. Default 10 GiB. */
  diskQuotaBytes: number;
  /** Largest chunk accepted, in bytes. Default 16 MiB (manifests declare at most that). */
  maxChunkBytes: number;
}

export const defaultContentStoreOptions: Readonly<ContentStoreOptions> = Object.freeze({
  diskQuotaBytes: 10 * 2 ** 30,
  maxChunkBytes: 16 << 20,
});

/** What happened to a corrupt replica; feeds logs and the repair counters. */
export type CorruptionListener = (key: string) => void;

export class ContentStore {
  readonly #store: RecordStore;
  #options: ContentStoreOptions;
  #usedBytes = 0;
  readonly #onCorrupt: CorruptionListener;

  constructor(store: RecordStore, options: Partial<ContentStoreOptions> = {}, onCorrupt: CorruptionListener = () => {}) {
    this.#store = store;
    this.#options = { ...defaultContentStoreOptions, ...options };
    this.#onCorrupt = onCorrupt;
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
    if (!isNodeId(hash)) throw new ConnectError("hash: must be 64 lowercase hex characters", Code.InvalidArgument);
    const record = await this.#store.get(chunkKey(hash));
    if (!record || record.tombstone) throw new ConnectError(`chunk ${hash}: not held here`, Code.NotFound);
    if (sha256Hex(record.value) !== hash) {
      await this.#dropCorrupt(record);
      throw new ConnectError(`chunk ${hash}: the copy held here was corrupt and has been dropped`, Code.DataLoss);
    }
    return record.value;
  }

  /**
   * Verifies and keeps a chunk. Already held intact: `applied: false`. Held but corrupt: the
   * copy is replaced (that is how a replica is repaired). Over quota: RESOURCE_EXHAUSTED.
   */
  async putChunk(hash: string, bytes: Uint8Array): Promise<StoreResult> {
    if (!isNodeId(hash)) throw new ConnectError("hash: must be 64 lowercase hex characters", Code.InvalidArgument);
    if (bytes.byteLength > this.#options.maxChunkBytes) {
      throw new ConnectError(`chunk: ${bytes.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`, Code.InvalidArgument);
    }
    if (sha256Hex(bytes) !== hash) throw new ConnectError(`chunk ${hash}: bytes do not match the hash`, Code.InvalidArgument);
    return this.#putVerified(chunkRecord(hash, bytes));
  }

  /** Verifies and keeps any content-addressed record (chunk or manifest) from another peer. */
  async putRecord(record: DhtRecord): Promise<StoreResult> {
    const problem = contentProblem(record);
    if (problem) throw new ConnectError(problem, Code.InvalidArgument);
    if (record.key.startsWith(CHUNK_PREFIX)) {
      if (record.value.byteLength > this.#options.maxChunkBytes) {
        throw new ConnectError(`${record.key}: ${record.value.byteLength} bytes exceeds the limit of ${this.#options.maxChunkBytes} bytes`, Code.InvalidArgument);
      }
    } else {
      try {
        decodeManifest(record.value); // a manifest must be one, not just any bytes under its hash
      } catch (err) {
        throw new ConnectError(`${record.key}: ${(err as ConnectError).rawMessage}`, Code.InvalidArgument);
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

  async #putVerified(record: DhtRecord): Promise<StoreResult> {
    const isChunk = record.key.startsWith(CHUNK_PREFIX);
    const held = await this.#store.get(record.key);
    if (held && !held.tombstone && !contentProblem(held)) return { applied: false, current: held.version };
    if (held) await this.#dropCorrupt(held);
    if (isChunk && this.#usedBytes + record.value.byteLength > this.#options.diskQuotaBytes) {
      throw new ConnectError(
        `disk quota: ${this.#usedBytes} of ${this.#options.diskQuotaBytes} bytes used, a ${record.value.byteLength}-byte chunk does not fit`,
        Code.ResourceExhausted,
      );
    }
    const result = await this.#store.merge(record);
    if (isChunk && result.applied) this.#usedBytes += record.value.byteLength;
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
  // A proxy rather than a copy: methods the handler gains later (anti-entropy) pass through.
  return new Proxy(handler, {
    get(target, prop) {
      if (prop === "onStore") return onStore;
      if (prop === "onFindValue") return onFindValue;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
