/** Plain values: any key no other type owns, last writer wins on the hybrid-logical-clock version. */
import type { DhtRecord, RecordStore, StoreResult } from "../types.js";
import type { RecordType } from "./record-type.js";
import type { RecordQuota } from "./record-quota.js";

export class PlainRecords implements RecordType {
  readonly name = "plain";
  readonly clocked = true;
  readonly #store: RecordStore;
  readonly #maxValueBytes: () => number;
  readonly #quota: RecordQuota | undefined;

  /** `maxValueBytes` is read on every check (a live setting); `quota`: the disk quota of records (none: unbounded). */
  constructor(store: RecordStore, maxValueBytes: () => number, quota?: RecordQuota) {
    this.#store = store;
    this.#maxValueBytes = maxValueBytes;
    this.#quota = quota;
  }

  owns(): boolean {
    return true;
  }
  maxValueBytes(): number {
    return this.#maxValueBytes();
  }
  problem(): string | undefined {
    return undefined;
  }
  keep(record: DhtRecord): Promise<StoreResult> {
    return this.#quota ? this.#quota.keep(record, (r) => this.#store.merge(r)) : this.#store.merge(record);
  }
  removed(record: DhtRecord): void {
    this.#quota?.removed(record);
  }
  read(key: string): Promise<DhtRecord | undefined> {
    return this.#store.get(key);
  }
}

export function plainRecords(store: RecordStore, maxValueBytes: () => number, quota?: RecordQuota): RecordType {
  return new PlainRecords(store, maxValueBytes, quota);
}
