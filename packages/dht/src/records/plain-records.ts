/** Plain values: any key no other type owns, last writer wins on the hybrid-logical-clock version. */
import type { RecordStore } from "../types.js";
import type { RecordType } from "./record-type.js";

export function plainRecords(store: RecordStore, maxValueBytes: () => number): RecordType {
  return {
    name: "plain",
    owns: () => true,
    maxValueBytes,
    problem: () => undefined,
    clocked: true,
    keep: (record) => store.merge(record),
    read: (key) => store.get(key),
  };
}
