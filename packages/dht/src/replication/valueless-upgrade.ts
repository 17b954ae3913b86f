/**
 * Version upgrades that move no value. For a record whose value is fixed by its key (a
 * content-addressed chunk lives under the SHA-256 of its bytes), a peer that holds the key
 * holds the value: when anti-entropy finds that a neighbour holds such a record at an older
 * version, only the version has to travel. Measured on an upload whose commit missed one
 * holder: without this every such 1 MiB chunk was pushed again as a whole Store.
 */
import type { CallOptions, Contact, RecordSummary, Version } from "../types.js";

export interface ValuelessUpgrades {
  /** True when a copy of `key` held at version `held` can be raised to `next` without its value. */
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
