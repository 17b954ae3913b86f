/** Plain values: any key no other type owns, last writer wins on the hybrid-logical-clock version. */
import type { DhtRecord, RecordStore, StoreResult } from "../types.js";
import type { RecordType } from "./record-type.js";

export class PlainRecords implements RecordType {
  readonly name = "plain";
  readonly clocked = true;
  readonly #store: RecordStore;
  readonly #maxValueBytes: () => number;

  /** `maxValueBytes` is read on every check (a live setting). */
  constructor(store: RecordStore, maxValueBytes: () => number) {
    this.#store = store;
    this.#maxValueBytes = maxValueBytes;
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
    return this.#store.merge(record);
  }
  read(key: string): Promise<DhtRecord | undefined> {
    return this.#store.get(key);
  }
}

export function plainRecords(store: RecordStore, maxValueBytes: () => number): RecordType {
  return new PlainRecords(store, maxValueBytes);
}
