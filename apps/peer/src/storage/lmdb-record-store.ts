/**
 * RecordStore on an LMDB sub-database. Keys are the record keys as UTF-8 bytes (so listing
 * order is byte order, the same on every peer); values use record-codec's binary layout.
 *
 * A stored value that does not decode is never an error of the caller's operation: every read
 * path (get, list, and the reads inside merge and raiseVersion) moves it to the quarantine
 * (record-quarantine.ts) and carries on as if the key were not held, so the peer keeps serving
 * and anti-entropy fetches a good copy from the other replicas.
 */
import type { Database } from "lmdb";
import { compareVersions, isNewer, sha256Hex } from "@p2p/dht";
import type { DhtRecord, RecordInfo, RecordStore, StoreResult, Version } from "@p2p/dht";
import { decodeRecordHeader, encodeRecordValue } from "./record-codec.js";
import type { DecodedHeader } from "./record-codec.js";
import type { QuarantinedRecord, RecordQuarantine } from "./record-quarantine.js";

/** LMDB's compiled-in key limit in lmdb-js. */
export const LMDB_MAX_KEY_BYTES = 1978;

/** The records sub-database as opened by openPeerDatabase: binary keys, binary values. */
export type RecordsDatabase = Database<Uint8Array, Uint8Array>;

function keyBytes(key: string): Buffer {
  const bytes = Buffer.from(key, "utf8");
  if (bytes.length === 0) throw new RangeError("record key: must not be empty");
  if (bytes.length > LMDB_MAX_KEY_BYTES) {
    throw new RangeError(`record key: at most ${LMDB_MAX_KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** The smallest byte string greater than every string starting with `prefix`; undefined if none. */
function prefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return undefined;
}

export function recordPosition(key: string): string {
  return sha256Hex(key);
}

export interface LmdbRecordStoreOptions {
  /**
   * Commit write transactions synchronously on the calling thread (the writes of one event-loop
   * turn together, see #commitPending) instead of queueing them
   * to lmdb-js's write thread. Right when commits are not fsynced (durability
   * "process-crash"): such a commit is a few tens of µs, while the hand-off to the write
   * thread and back cost ~0.1–0.3 ms of CPU and 0.1–0.9 ms of latency per write (measured,
   * 2,000 sequential 200-byte writes: p50 0.12 → 0.017 ms, CPU 0.17–0.37 → 0.03–0.04 ms per
   * write). With fsync on every commit it would block the event loop for the fsync, so the
   * default (false) keeps lmdb-js's asynchronous, batched commits.
   */
  syncCommits?: boolean;
  /** Told of every record moved to the quarantine, once its transaction has committed. */
  onQuarantined?: (record: QuarantinedRecord) => void;
}

/** The header of stored bytes, or why they do not decode. */
function readHeader(bytes: Uint8Array): DecodedHeader | string {
  try {
    return decodeRecordHeader(bytes);
  } catch (err) {
    return (err as Error).message;
  }
}

export class LmdbRecordStore implements RecordStore {
  readonly #db: RecordsDatabase;
  readonly #quarantine: RecordQuarantine;
  readonly #syncCommits: boolean;
  readonly #onQuarantined: (record: QuarantinedRecord) => void;
  /** Writes waiting for the next shared commit (syncCommits only); bounded by the writes in flight. */
  #pending: { body: (quarantined: QuarantinedRecord[]) => unknown; resolve(value: unknown): void; reject(error: unknown): void }[] = [];

  /**
   * How durable a resolved write is depends on how the environment was opened (see
   * openPeerDatabase). `quarantine` must live in the same environment as `db`.
   */
  constructor(db: RecordsDatabase, quarantine: RecordQuarantine, opts: LmdbRecordStoreOptions = {}) {
    this.#db = db;
    this.#quarantine = quarantine;
    this.#syncCommits = opts.syncCommits ?? false;
    this.#onQuarantined = opts.onQuarantined ?? (() => {});
  }

  /**
   * Runs `body` in a write transaction; resolves once it has committed. `body` gets a list to
   * which it adds the records it quarantined; they are reported after the commit.
   */
  async #write<T>(body: (quarantined: QuarantinedRecord[]) => T): Promise<T> {
    if (this.#syncCommits) {
      return new Promise<T>((resolve, reject) => {
        if (this.#pending.length === 0) setImmediate(() => this.#commitPending());
        this.#pending.push({ body, resolve: resolve as (v: unknown) => void, reject });
      });
    }
    const quarantined: QuarantinedRecord[] = [];
    const result = await this.#db.transaction(() => body(quarantined));
    for (const q of quarantined) this.#onQuarantined(q);
    return result;
  }

  /**
   * With syncCommits, the writes asked for in one turn of the event loop (the records of a
   * StoreMany, a burst of Stores) share one transaction and one commit: a commit per record
   * was about a tenth of a replica's CPU in a batch. Each body runs as it would alone, in order; one
   * that throws fails only its own write (what it wrote before throwing stays: no body
   * writes anything it would regret, a quarantine move at worst).
   */
  #commitPending(): void {
    const batch = this.#pending;
    this.#pending = [];
    const quarantined: QuarantinedRecord[] = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.#db.transactionSync(() => {
        for (const w of batch) {
          try {
            outcomes.push({ ok: true, value: w.body(quarantined) });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    for (const q of quarantined) this.#onQuarantined(q);
    batch.forEach((w, i) => (outcomes[i]!.ok ? w.resolve(outcomes[i]!.value) : w.reject(outcomes[i]!.value)));
  }

  /**
   * Inside a write transaction: moves the record at `k` (whose stored bytes are `held`, possibly
   * a view of lmdb-js's shared read buffer) to the quarantine and removes it.
   */
  #moveAside(k: Uint8Array, held: Uint8Array, reason: string, quarantined: QuarantinedRecord[]): void {
    // Copied before the next read reuses the shared buffer. Through subarray: lmdb-js gives
    // the shared buffer a `length` of the value, but a copy of the view itself would take
    // the whole buffer (16 MiB).
    const bytes = Uint8Array.from(held.subarray(0, held.length));
    quarantined.push(this.#quarantine.addInTransaction(k, bytes, reason, Date.now()));
    this.#db.removeSync(k);
  }

  /** Quarantines the records at `keys` that are still undecodable once inside a write transaction. */
  async #quarantineIfUndecodable(keys: Uint8Array[]): Promise<void> {
    await this.#write((quarantined) => {
      for (const k of keys) {
        // A merge may have replaced the bad value since it was read: look again.
        const held = this.#db.getBinaryFast(k);
        if (held === undefined) continue;
        const header = readHeader(held);
        if (typeof header === "string") this.#moveAside(k, held, header, quarantined);
      }
    });
  }

  async get(key: string): Promise<DhtRecord | undefined> {
    const k = keyBytes(key);
    // With the binary encoding get() returns a fresh copy, so the value view stays valid.
    const bytes = this.#db.get(k);
    if (bytes === undefined) return undefined;
    const header = readHeader(bytes);
    if (typeof header === "string") {
      await this.#quarantineIfUndecodable([k]);
      return undefined;
    }
    return { key, value: bytes.subarray(header.valueOffset), version: header.version, tombstone: header.tombstone, ...(header.proof ? { proof: header.proof } : {}) };
  }

  /**
   * Last writer wins, atomically: the read, the comparison and the write run inside one
   * LMDB write transaction, and the promise resolves after that transaction committed.
   */
  async merge(record: DhtRecord): Promise<StoreResult> {
    const k = keyBytes(record.key);
    const encoded = encodeRecordValue(record);
    const result = await this.#write((quarantined): StoreResult => {
      // Only the header is read: getBinaryFast answers a view of LMDB's shared read buffer
      // instead of copying the held value (a 1 MiB chunk on every commit of an upload).
      const held = this.#db.getBinaryFast(k);
      let heldVersion: Version | undefined;
      if (held !== undefined) {
        const header = readHeader(held);
        // An undecodable held value loses to any record: it is moved aside and replaced.
        if (typeof header === "string") this.#moveAside(k, held, header, quarantined);
        else heldVersion = header.version;
      }
      if (heldVersion !== undefined && !isNewer(record.version, heldVersion)) {
        return { applied: false, current: heldVersion };
      }
      this.#db.put(k, encoded);
      return { applied: true, current: record.version };
    });
    return result;
  }

  /**
   * Version-only change inside one write transaction: the held bytes are read through LMDB's
   * shared buffer and re-encoded once, instead of a copy to the caller, a merge and a second
   * read (a chunk's commit rewrites 1 MiB on every holder).
   */
  async raiseVersion(key: string, from: Version, to: Version): Promise<Version | undefined> {
    const k = keyBytes(key);
    return this.#write((quarantined): Version | undefined => {
      const held = this.#db.getBinaryFast(k);
      if (held === undefined) return undefined;
      const header = readHeader(held);
      if (typeof header === "string") {
        this.#moveAside(k, held, header, quarantined);
        return undefined;
      }
      if (compareVersions(header.version, from) !== 0 || !isNewer(to, header.version)) return header.version;
      // encodeRecordValue copies the value out of the shared buffer before anything reuses it.
      // Only content records are raised this way (ValuelessUpgrade): they carry no writer proof.
      const value = held.subarray(header.valueOffset);
      this.#db.put(k, encodeRecordValue({ key, value, version: to, tombstone: header.tombstone }));
      return to;
    });
  }

  async remove(key: string): Promise<void> {
    const k = keyBytes(key);
    await this.#write(() => this.#db.removeSync(k));
  }

  async list(opts: { after?: string; limit: number; prefix?: string }): Promise<RecordInfo[]> {
    if (!Number.isSafeInteger(opts.limit) || opts.limit < 0) {
      throw new RangeError(`limit: must be a non-negative integer, got ${opts.limit}`);
    }
    if (opts.limit === 0) return [];
    let start: Buffer | undefined;
    let end: Buffer | undefined;
    if (opts.prefix !== undefined && opts.prefix !== "") {
      start = Buffer.from(opts.prefix, "utf8");
      end = prefixEnd(start);
    }
    if (opts.after !== undefined && opts.after !== "") {
      // The smallest key strictly after `after` is `after` followed by a zero byte.
      const afterStart = Buffer.concat([Buffer.from(opts.after, "utf8"), Buffer.from([0])]);
      if (start === undefined || Buffer.compare(afterStart, start) > 0) start = afterStart;
    }
    if (start !== undefined && end !== undefined && Buffer.compare(start, end) >= 0) return [];
    const out: RecordInfo[] = [];
    const undecodable: Uint8Array[] = [];
    // No limit on the range: undecodable records are skipped, and a short page would tell
    // the caller (the index load) that the listing has ended.
    for (const { key, value } of this.#db.getRange({ start, end })) {
      if (out.length >= opts.limit) break;
      const header = readHeader(value);
      if (typeof header === "string") {
        undecodable.push(Uint8Array.from(key));
        continue;
      }
      const keyString = Buffer.from(key).toString("utf8");
      out.push({
        key: keyString,
        position: recordPosition(keyString),
        version: header.version,
        tombstone: header.tombstone,
        sizeBytes: value.length - header.valueOffset,
      });
    }
    if (undecodable.length > 0) await this.#quarantineIfUndecodable(undecodable);
    return out;
  }

  /** O(1): LMDB keeps the entry count of every database in its B-tree header. */
  count(): number {
    return (this.#db.getStats() as { entryCount: number }).entryCount;
  }
}
