/**
 * The disk quota of the records that are not file chunks (plain values, manifests): chunks
 * have their own (ChunkStore's diskQuotaBytes), so a flood of small Stores cannot take the
 * space uploads need, nor the reverse. Before this only chunks were counted, and a Store
 * flood filled the disk and the heap (each record also costs an index entry in memory).
 *
 * What a record costs: its key and value bytes plus RECORD_OVERHEAD_BYTES, so that empty
 * values and tombstones are not free (a flood of 1-byte records would otherwise grow the
 * in-memory index without bound while the quota saw almost nothing).
 *
 * Rules: a write is refused only when it would grow the total past the quota; replacing a
 * value counts only the difference; a delete (tombstone) is never refused; a write whose
 * version loses to the held one is answered as last-writer-wins answers it, never as "full".
 */
import { DhtError } from "../errors.js";
import type { DhtRecord, RecordStore, StoreResult } from "../types.js";
import { compareVersions } from "./version.js";

/** Quota charged per record beyond its key and value: its LMDB header and page share, and its ~300-byte index entry in memory. */
export const RECORD_OVERHEAD_BYTES = 512;

export interface RecordQuotaOptions {
  /** Bytes of non-chunk records (key + value + 512 each) this peer keeps at most. Default 1 GiB. */
  recordQuotaBytes: number;
}

export const defaultRecordQuotaOptions: Readonly<RecordQuotaOptions> = Object.freeze({ recordQuotaBytes: 2 ** 30 });

export function resolveRecordQuotaOptions(partial: Partial<RecordQuotaOptions>, base: Readonly<RecordQuotaOptions> = defaultRecordQuotaOptions): RecordQuotaOptions {
  const o = { ...base, ...partial };
  if (!Number.isSafeInteger(o.recordQuotaBytes) || o.recordQuotaBytes < 0) {
    throw DhtError.invalidArgument(`recordQuotaBytes: must be an integer ≥ 0, got ${String(o.recordQuotaBytes)}`);
  }
  return o;
}

/** What `record` costs against the quota. */
export function recordCost(record: { key: string; value: Uint8Array }): number {
  return Buffer.byteLength(record.key) + record.value.byteLength + RECORD_OVERHEAD_BYTES;
}

/** "1.0 MiB", "300 MiB", "512 B": for messages people read. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

const PAGE = 1000;

export class RecordQuota {
  readonly #store: RecordStore;
  /** True for keys another quota counts (chunks). */
  readonly #exempt: (key: string) => boolean;
  #options: RecordQuotaOptions;
  #used = 0;
  #refused = 0;
  #counted: Promise<void> | undefined;
  /** Writes in progress per key, so a write's "held before" is not changed under it (bounded by the writes in flight). */
  readonly #busy = new Map<string, Promise<unknown>>();

  constructor(store: RecordStore, exempt: (key: string) => boolean, options: Partial<RecordQuotaOptions> = {}) {
    this.#store = store;
    this.#exempt = exempt;
    this.#options = resolveRecordQuotaOptions(options);
  }

  get options(): Readonly<RecordQuotaOptions> {
    return this.#options;
  }

  /** All-or-nothing; a lower quota refuses new growth, nothing is evicted. */
  updateOptions(partial: Partial<RecordQuotaOptions>): void {
    this.#options = resolveRecordQuotaOptions(partial, this.#options);
  }

  /** Bytes counted (as of the records held once the first count finished). */
  get usedBytes(): number {
    return this.#used;
  }

  /** Writes refused for the quota since start. */
  get refused(): number {
    return this.#refused;
  }

  /** Counts what is held, once, before the first change (lazy, so a node is built synchronously). */
  init(): Promise<void> {
    this.#counted ??= (async () => {
      let after: string | undefined;
      for (;;) {
        const page = await this.#store.list({ limit: PAGE, ...(after ? { after } : {}) });
        for (const info of page) if (!this.#exempt(info.key)) this.#used += Buffer.byteLength(info.key) + info.sizeBytes + RECORD_OVERHEAD_BYTES;
        if (page.length < PAGE) return;
        after = page[page.length - 1]!.key;
      }
    })();
    return this.#counted;
  }

  /**
   * Keeps `record` through `merge` (the type's own rule) within the quota. Throws
   * RESOURCE_EXHAUSTED ("disk quota: 300 MiB of 300 MiB used; record of 1.0 MiB refused")
   * when it would grow the total past the quota.
   */
  async keep(record: DhtRecord, merge: (r: DhtRecord) => Promise<StoreResult>): Promise<StoreResult> {
    await this.init();
    const key = record.key;
    const before = this.#busy.get(key);
    const run = (before ?? Promise.resolve()).catch(() => {}).then(() => this.#keep(record, merge));
    this.#busy.set(key, run);
    try {
      return await run;
    } finally {
      if (this.#busy.get(key) === run) this.#busy.delete(key);
    }
  }

  async #keep(record: DhtRecord, merge: (r: DhtRecord) => Promise<StoreResult>): Promise<StoreResult> {
    const held = await this.#store.get(record.key);
    const cost = recordCost(record);
    const delta = cost - (held ? recordCost(held) : 0);
    const limit = this.#options.recordQuotaBytes;
    // A tombstone never waits for space: deleting is how space is freed.
    if (delta > 0 && !record.tombstone && this.#used + delta > limit) {
      if (held && compareVersions(record.version, held.version) <= 0) return merge(record); // loses anyway: say so, not "full"
      this.#refused++;
      throw DhtError.diskFull(`disk quota: ${formatBytes(this.#used)} of ${formatBytes(limit)} used; record of ${formatBytes(cost)} refused`);
    }
    // Growth is reserved before the write and given back if it does not apply: writes of other
    // keys run concurrently, and checking first and counting after let 16 at once overshoot.
    const reserved = Math.max(0, delta);
    this.#used += reserved;
    let applied = false;
    try {
      const result = await merge(record);
      applied = result.applied;
      return result;
    } finally {
      this.#used = Math.max(0, this.#used - reserved + (applied ? delta : 0));
    }
  }

  /** A record left the store outside `keep` (tombstone collection, hand-off). */
  removed(record: DhtRecord): void {
    void this.init().then(() => {
      this.#used = Math.max(0, this.#used - recordCost(record));
    });
  }
}
