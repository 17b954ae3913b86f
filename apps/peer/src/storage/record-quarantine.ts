/**
 * Where undecodable records go. A stored value that record-codec cannot read (a stray write, a
 * bad sector, a bug in an older version) is moved here with the reason and the time instead of
 * stopping the peer: it is gone from the records database, so anti-entropy refetches a good copy
 * from the other replicas, while the raw bytes stay available to whoever investigates.
 *
 * Bounded (the oldest entries go first), since nothing ever empties it automatically: a disk that
 * keeps corrupting data must not also fill up with copies of the damage.
 *
 *   key    u64 BE sequence number · u32 BE stored value bytes
 *          (in insertion order, so the oldest is first; the size in the key lets the bounds be
 *          kept with a key-only scan, never reading the kept bytes back)
 *   value  { key: raw record key, reason, atMs, bytes: the stored bytes (cut to the byte bound), valueBytes: their full length }
 */
import type { Database } from "lmdb";

export interface QuarantineLimits {
  /** Entries kept at most; 0 keeps none (records are still moved out and counted). */
  maxEntries: number;
  /** Bytes of kept values at most; a value longer than this alone is kept cut to it. */
  maxBytes: number;
}

/**
 * 1,000 entries / 64 MiB: enough to investigate a damaged disk (64 one-MiB chunks, or a
 * thousand small records), small beside the 10 GiB default chunk quota.
 */
export const DEFAULT_QUARANTINE_LIMITS: QuarantineLimits = { maxEntries: 1000, maxBytes: 64 * 1024 * 1024 };

/** What was moved aside (without the bytes). */
export interface QuarantinedRecord {
  /** The record key (UTF-8 decoded). */
  key: string;
  /** Why it could not be decoded. */
  reason: string;
  atMs: number;
  /** Length of the stored value. */
  bytes: number;
}

interface StoredEntry {
  key: Uint8Array;
  reason: string;
  atMs: number;
  bytes: Uint8Array;
  valueBytes: number;
}

/** The quarantine sub-database as opened by openPeerDatabase: binary keys, msgpack values. */
export type QuarantineDatabase = Database<StoredEntry, Buffer>;

const KEY_BYTES = 12;

function entryKey(sequence: bigint, storedBytes: number): Buffer {
  const k = Buffer.alloc(KEY_BYTES);
  k.writeBigUInt64BE(sequence, 0);
  k.writeUInt32BE(storedBytes, 8);
  return k;
}

function checkLimits(limits: QuarantineLimits): QuarantineLimits {
  for (const [name, v] of Object.entries(limits)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`quarantine ${name}: must be a non-negative integer, got ${v}`);
  }
  // The size lives in a u32 of the key.
  return { maxEntries: limits.maxEntries, maxBytes: Math.min(limits.maxBytes, 0xffff_ffff) };
}

export class RecordQuarantine {
  readonly #db: QuarantineDatabase;
  readonly #limits: QuarantineLimits;

  constructor(db: QuarantineDatabase, limits: QuarantineLimits = DEFAULT_QUARANTINE_LIMITS) {
    this.#db = db;
    this.#limits = checkLimits(limits);
  }

  /**
   * Keeps `value` (stored under record key `key`) with `reason`, dropping the oldest entries
   * over the limits. Must run inside a write transaction of the same environment, the one
   * that removes the record, so that a record is never both gone and not kept (or kept and
   * still there). `value` must not be a view of lmdb-js's shared read buffer.
   */
  addInTransaction(key: Uint8Array, value: Uint8Array, reason: string, atMs: number): QuarantinedRecord {
    const record: QuarantinedRecord = { key: Buffer.from(key).toString("utf8"), reason, atMs, bytes: value.length };
    const { maxEntries, maxBytes } = this.#limits;
    if (maxEntries === 0 || maxBytes === 0) return record;
    const kept = value.length > maxBytes ? value.subarray(0, maxBytes) : value;
    const existing = [...this.#db.getKeys({})].map((k) => ({ key: k, bytes: k.readUInt32BE(8) }));
    let entries = existing.length + 1;
    let bytes = existing.reduce((sum, e) => sum + e.bytes, kept.length);
    for (const oldest of existing) {
      if (entries <= maxEntries && bytes <= maxBytes) break;
      this.#db.removeSync(oldest.key);
      entries--;
      bytes -= oldest.bytes;
    }
    const last = existing.at(-1)?.key.readBigUInt64BE(0) ?? 0n;
    this.#db.putSync(entryKey(last + 1n, kept.length), {
      key: Uint8Array.from(key),
      reason,
      atMs,
      bytes: Uint8Array.from(kept),
      valueBytes: value.length,
    });
    return record;
  }

  /** Kept entries, oldest first, without their bytes. */
  list(): QuarantinedRecord[] {
    return [...this.#db.getRange({})].map(({ value }) => ({
      key: Buffer.from(value.key).toString("utf8"),
      reason: value.reason,
      atMs: value.atMs,
      bytes: value.valueBytes,
    }));
  }

  /** The kept bytes of the entry at `index` of list() (cut to the byte bound). */
  bytesAt(index: number): Uint8Array | undefined {
    const entry = [...this.#db.getRange({ offset: index, limit: 1 })][0];
    return entry === undefined ? undefined : new Uint8Array(entry.value.bytes);
  }
}
