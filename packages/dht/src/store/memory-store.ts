import { compareVersions, isNewer } from "../records/version.js";
import { sha256Hex } from "../kademlia/node-id.js";
import type { DhtRecord, NodeId, RecordInfo, RecordStore, StoreResult, Version } from "../types.js";

interface Entry {
  record: DhtRecord;
  position: NodeId;
}

/**
 * RecordStore in process memory, for tests and simulations (real peers use the LMDB one).
 * Records are kept by reference: callers must treat stored and returned records as immutable.
 * Keys are ordered by JavaScript string comparison (UTF-16 code units).
 */
export class MemoryRecordStore implements RecordStore {
  readonly #entries = new Map<string, Entry>();
  /** Keys in ascending order, kept sorted on insert so list() is a binary search plus a slice. */
  readonly #keys: string[] = [];

  async get(key: string): Promise<DhtRecord | undefined> {
    return this.#entries.get(key)?.record;
  }

  /** Last writer wins: stores `record` only when its version is newer than the held one. */
  async merge(record: DhtRecord): Promise<StoreResult> {
    const held = this.#entries.get(record.key);
    if (held && !isNewer(record.version, held.record.version)) {
      return { applied: false, current: held.record.version };
    }
    if (!held) this.#keys.splice(this.#lowerBound(record.key), 0, record.key);
    this.#entries.set(record.key, { record, position: held?.position ?? sha256Hex(record.key) });
    return { applied: true, current: record.version };
  }

  async raiseVersion(key: string, from: Version, to: Version): Promise<Version | undefined> {
    const held = this.#entries.get(key);
    if (!held) return undefined;
    const v = held.record.version;
    if (compareVersions(v, from) !== 0 || !isNewer(to, v)) return v;
    held.record = { ...held.record, version: to };
    return to;
  }

  async remove(key: string): Promise<void> {
    if (!this.#entries.delete(key)) return;
    this.#keys.splice(this.#lowerBound(key), 1);
  }

  async list(opts: { after?: string; limit: number; prefix?: string }): Promise<RecordInfo[]> {
    const out: RecordInfo[] = [];
    const { after, prefix } = opts;
    // Start at the first key > after and >= prefix: everything before cannot match.
    let i = after === undefined ? 0 : this.#upperBound(after);
    if (prefix !== undefined) i = Math.max(i, this.#lowerBound(prefix));
    for (; i < this.#keys.length && out.length < opts.limit; i++) {
      const key = this.#keys[i]!;
      if (prefix !== undefined && !key.startsWith(prefix)) break;
      const { record, position } = this.#entries.get(key)!;
      out.push({
        key,
        position,
        version: record.version,
        tombstone: record.tombstone,
        sizeBytes: record.value.byteLength,
      });
    }
    return out;
  }

  count(): number {
    return this.#entries.size;
  }

  /** Index of the first key >= `key`. */
  #lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first key > `key`. */
  #upperBound(key: string): number {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#keys[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
