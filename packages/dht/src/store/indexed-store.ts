/**
 * A RecordStore decorator that keeps an in-memory index of what the store holds (position,
 * version, tombstone, digest hash per key). Anti-entropy reads only this index: at rest a
 * repair round touches neither the disk nor the values, and a generation number tells it
 * whether anything changed since its cached digests were built.
 */
import type { DhtRecord, NodeId, RecordInfo, RecordStore, StoreResult, Version } from "../types.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { leafOf, recordHash } from "../anti-entropy/range-digest.js";
import { compareVersions } from "../records/version.js";

/** What the index knows of one held record. */
export interface IndexEntry {
  position: NodeId;
  version: Version;
  tombstone: boolean;
  leaf: number;
  hash: Buffer;
}

/** Page size when loading the index from the store at start. */
const LOAD_PAGE = 1000;

export class IndexedRecordStore implements RecordStore {
  readonly #inner: RecordStore;
  readonly #index = new Map<string, IndexEntry>();
  readonly #tombstones = new Set<string>();
  #generation = 0;
  #loaded: Promise<void> | undefined;

  constructor(inner: RecordStore) {
    this.#inner = inner;
  }

  /** Increases on every change of the held set (a merge applied, a key removed). */
  get generation(): number {
    return this.#generation;
  }

  /** Builds the index from the store, page by page; later calls share the first load. */
  load(): Promise<void> {
    this.#loaded ??= (async () => {
      let after: string | undefined;
      for (;;) {
        const page: RecordInfo[] = await this.#inner.list(after === undefined ? { limit: LOAD_PAGE } : { after, limit: LOAD_PAGE });
        for (const info of page) this.#note(info.key, info.position, info.version, info.tombstone);
        if (page.length < LOAD_PAGE) break;
        after = page[page.length - 1]!.key;
      }
    })();
    return this.#loaded;
  }

  /** Index entry of a held key (no disk access). */
  entry(key: string): IndexEntry | undefined {
    return this.#index.get(key);
  }

  /** Every indexed key with its entry; callers must not mutate entries. */
  entries(): IterableIterator<[string, IndexEntry]> {
    return this.#index.entries();
  }

  /** Keys of held tombstones. */
  tombstoneKeys(): IterableIterator<string> {
    return this.#tombstones.values();
  }

  get(key: string): Promise<DhtRecord | undefined> {
    return this.#inner.get(key);
  }

  async merge(record: DhtRecord): Promise<StoreResult> {
    const result = await this.#inner.merge(record);
    if (result.applied) this.#note(record.key, undefined, record.version, record.tombstone);
    return result;
  }

  async raiseVersion(key: string, from: Version, to: Version): Promise<Version | undefined> {
    const now = await this.#inner.raiseVersion(key, from, to);
    if (now && compareVersions(now, to) === 0) this.#note(key, undefined, to, this.#index.get(key)?.tombstone ?? false);
    return now;
  }

  async remove(key: string): Promise<void> {
    await this.#inner.remove(key);
    if (this.#index.delete(key)) {
      this.#tombstones.delete(key);
      this.#generation++;
    }
  }

  /**
   * Removes `key` only if the store still holds exactly `version` (hand-off drops and
   * tombstone collection must not delete a newer write that arrived meanwhile); answers the
   * record removed, or undefined.
   */
  async removeIfVersion(key: string, version: Version): Promise<DhtRecord | undefined> {
    const held = await this.#inner.get(key);
    if (!held || compareVersions(held.version, version) !== 0) return undefined;
    await this.remove(key);
    return held;
  }

  list(opts: { after?: string; limit: number; prefix?: string }): Promise<RecordInfo[]> {
    return this.#inner.list(opts);
  }

  count(): number {
    return this.#inner.count();
  }

  /** Indexes a version unless an equal or newer one is indexed (merges may finish out of order). */
  #note(key: string, position: NodeId | undefined, version: Version, tombstone: boolean): void {
    const held = this.#index.get(key);
    if (held && compareVersions(held.version, version) >= 0) return;
    const pos = position ?? held?.position ?? sha256Hex(key);
    this.#index.set(key, { position: pos, version, tombstone, leaf: leafOf(pos), hash: recordHash(key, version, tombstone) });
    if (tombstone) this.#tombstones.add(key);
    else this.#tombstones.delete(key);
    this.#generation++;
  }
}
