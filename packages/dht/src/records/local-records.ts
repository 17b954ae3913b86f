/**
 * This peer's records, as every part of the node reaches them: through the type of each key.
 * The coordinator writes itself here, incoming Stores and anti-entropy pulls are accepted here,
 * reads come back checked from here, and hand-off and tombstone collection drop copies here, so
 * a record type sees every change to its records and no path can skip its rules.
 */
import type { DhtRecord, StoreResult, Version } from "../types.js";
import type { IndexedRecordStore } from "../store/indexed-store.js";
import type { HybridLogicalClock } from "./hlc.js";
import type { RecordTypeRegistry } from "./record-registry.js";

export class LocalRecords {
  /** The store, indexed for anti-entropy; read it freely, but write through this class. */
  readonly store: IndexedRecordStore;
  readonly registry: RecordTypeRegistry;
  readonly #clock: HybridLogicalClock;

  constructor(store: IndexedRecordStore, registry: RecordTypeRegistry, clock: HybridLogicalClock) {
    this.store = store;
    this.registry = registry;
    this.#clock = clock;
  }

  /**
   * Checks a record from outside this peer (a Store, a FetchRecords or FindValue answer) by its
   * type, then merges a clocked version into our clock, refusing one too far ahead. Throws
   * DhtError naming the field; nothing is changed when it throws.
   */
  check(record: unknown, field = "record"): asserts record is DhtRecord {
    this.registry.validate(record, field);
    this.observe(record);
  }

  /** Merges a validated record's version into our clock when its type is clocked; throws (changing nothing) when too far ahead. */
  observe(record: DhtRecord): void {
    if (this.registry.typeOf(record.key).clocked) this.#clock.observe(record.version);
  }

  /** `check`, then `keep`: what an incoming Store does. */
  async accept(record: unknown): Promise<StoreResult> {
    this.check(record);
    return this.keep(record);
  }

  /** Keeps a record already checked (or written by this peer) under its type's rule. */
  keep(record: DhtRecord): Promise<StoreResult> {
    return this.registry.typeOf(record.key).keep(record);
  }

  /** Whether repair may copy this version of `key` to other peers (see RecordType.repairable). */
  repairable(entry: { key: string; version: Version; tombstone: boolean }): boolean {
    return this.registry.typeOf(entry.key).repairable?.(entry) ?? true;
  }

  /** Our copy of `key`, checked by its type (a corrupt content copy is dropped and reported absent). */
  read(key: string): Promise<DhtRecord | undefined> {
    return this.registry.typeOf(key).read(key);
  }

  /**
   * Drops `key` only while the store still holds exactly `version` (a hand-off or a tombstone
   * collection must not delete a newer write that arrived meanwhile); tells its type.
   */
  async removeIfVersion(key: string, version: Version): Promise<boolean> {
    const removed = await this.store.removeIfVersion(key, version);
    if (!removed) return false;
    this.registry.typeOf(key).removed?.(removed);
    return true;
  }
}
