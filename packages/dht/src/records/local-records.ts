/**
 * This peer's records, as every part of the node reaches them: through the type of each key.
 * The coordinator writes itself here, incoming Stores and anti-entropy pulls are accepted here,
 * reads come back checked from here, and hand-off and tombstone collection drop copies here, so
 * a record type sees every change to its records and no path can skip its rules.
 */
import type { DhtRecord, StoreResult, Version } from "../types.js";
import type { IndexedRecordStore } from "../store/indexed-store.js";
import { sha256Hex } from "../kademlia/node-id.js";
import { CollectedDeletes } from "./collected-deletes.js";
import type { HybridLogicalClock } from "./hlc.js";
import type { RecordTypeRegistry } from "./record-registry.js";

export class LocalRecords {
  /** The store, indexed for anti-entropy; read it freely, but write through this class. */
  readonly store: IndexedRecordStore;
  readonly registry: RecordTypeRegistry;
  /** Deletes whose tombstones were collected: they still answer for their keys. */
  readonly deletes: CollectedDeletes;
  readonly #clock: HybridLogicalClock;

  constructor(store: IndexedRecordStore, registry: RecordTypeRegistry, clock: HybridLogicalClock, deletes = new CollectedDeletes()) {
    this.store = store;
    this.registry = registry;
    this.#clock = clock;
    this.deletes = deletes;
  }

  /** The version of a collected delete of `key` that `version` is not newer than, if any. */
  collectedDelete(key: string, version: Version): Version | undefined {
    return this.deletes.size === 0 ? undefined : this.deletes.covers(sha256Hex(key), version);
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

  /**
   * Keeps a record already checked (or written by this peer) under its type's rule. A version
   * no newer than a collected delete of its key is refused as a held tombstone would refuse it.
   */
  async keep(record: DhtRecord): Promise<StoreResult> {
    // Every write passes here: wait only while the persisted deletes have not been read yet.
    if (!this.deletes.ready) await this.deletes.load();
    const deleted = this.collectedDelete(record.key, record.version);
    if (deleted) return { applied: false, current: deleted };
    return this.registry.typeOf(record.key).keep(record);
  }

  /** Whether repair may copy this version of `key` to other peers (see RecordType.repairable). */
  repairable(entry: { key: string; version: Version; tombstone: boolean }): boolean {
    return this.registry.typeOf(entry.key).repairable?.(entry) ?? true;
  }

  /**
   * Our copy of `key`, checked by its type (a corrupt content copy is dropped and reported
   * absent); where none is held but its delete was collected, a tombstone of that delete.
   */
  async read(key: string): Promise<DhtRecord | undefined> {
    const held = await this.registry.typeOf(key).read(key);
    if (held) return held;
    if (!this.deletes.ready) await this.deletes.load();
    if (this.deletes.size === 0) return undefined;
    const deleted = this.deletes.entry(sha256Hex(key));
    return deleted && { key, value: new Uint8Array(0), version: deleted.version, tombstone: true, ...(deleted.proof ? { proof: deleted.proof } : {}) };
  }

  /**
   * Collects a held tombstone: remembers the delete (with its writer proof) (persisted first, so a crash
   * in between leaves both rather than neither), then removes the tombstone if still held.
   */
  async collect(tombstone: DhtRecord): Promise<boolean> {
    await this.deletes.remember(sha256Hex(tombstone.key), tombstone.version, tombstone.proof);
    return this.removeIfVersion(tombstone.key, tombstone.version);
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
