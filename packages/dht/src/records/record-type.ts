/**
 * A kind of record, in the spirit of libp2p kad-dht's validators and selectors: each type owns
 * a set of keys and says what a valid record of it is, how a peer keeps one next to the copy it
 * holds, how it reads its own copy back, and whether a held copy can be raised to a newer
 * version without moving its value. The node is built with a list of types (plain values,
 * content-addressed chunks and file manifests; signed records would be another) and every path
 * that touches the store (client writes, Store from a peer, anti-entropy, hand-off) goes
 * through the type of the record's key (record-registry.ts, local-records.ts).
 */
import type { DhtRecord, RecordSummary, StoreResult, Version, CallOptions, Contact } from "../types.js";

export interface RecordType {
  /** Short name for logs: "plain", "chunk", "manifest". */
  readonly name: string;
  /** True when this type owns `key`. Types are asked in order; the last one owns every key. */
  owns(key: string): boolean;
  /** Largest value accepted, in bytes; read on every check, so a live limit change applies. */
  maxValueBytes(): number;
  /**
   * Why a well-formed record of this type cannot be kept or served (a value that does not match
   * the hash in its key, a delete of content that is never deleted, …), or undefined.
   */
  problem(record: DhtRecord): string | undefined;
  /**
   * True when versions come from writers' hybrid logical clocks (plain values): a peer then
   * observes each incoming version, refusing one too far in the future. Content records carry
   * fixed versions that say nothing about time.
   */
  readonly clocked: boolean;
  /** Keeps a record already checked, under this type's rule, next to the copy held (if any). */
  keep(record: DhtRecord): Promise<StoreResult>;
  /** This peer's copy, or undefined; a copy that fails `problem` is dropped here and reported absent. */
  read(key: string): Promise<DhtRecord | undefined>;
  /**
   * False for copies anti-entropy, hand-off and leave must not move to other peers (a chunk
   * still pending: it is an upload's leftover until a commit, and a copy placed by repair would
   * start its lease afresh, so holders whose leases differ would hand an orphan back and forth
   * forever). Default: every copy is repaired.
   */
  repairable?(entry: { key: string; version: Version; tombstone: boolean }): boolean;
  /** Told after this peer dropped `record` outside `keep` (hand-off, tombstone collection). */
  removed?(record: DhtRecord): void;
  /** How held copies of this type are raised to a newer version without their value, if they can be. */
  readonly upgrade?: ValuelessUpgrade;
}

/**
 * Version upgrades that move no value. For a record whose value is fixed by its key (a chunk
 * lives under the SHA-256 of its bytes), a peer that holds the key holds the value: when
 * anti-entropy finds a neighbour holding it at an older version, only the version has to travel.
 * Measured on an upload whose commit missed one holder: without this every 1 MiB chunk was
 * pushed again as a whole Store.
 */
export interface ValuelessUpgrade {
  /** True when a copy held at version `held` can be raised to `next` without its value. */
  covers(key: string, held: Version, next: Version): boolean;
  /**
   * Raises `to`'s copies of `keys` (each one covered, at most `maxBatch`) to the versions this
   * peer holds. Resolves false when `to` no longer held some of them (the caller then sends
   * whole records); fails with DhtError when the call fails.
   */
  push(to: Contact, keys: string[], opts: CallOptions): Promise<boolean>;
  /**
   * Raises this peer's own copies to the versions another peer listed (each one covered);
   * answers how many were raised. Trusts the listed version exactly as a FetchRecords answer
   * is trusted: the value cannot differ, only the version is the other peer's word.
   */
  apply(entries: readonly RecordSummary[]): Promise<number>;
  /** Most keys one `push` may carry. */
  readonly maxBatch: number;
}
