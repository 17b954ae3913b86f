/**
 * A history split by key. Every check works on one key at a time: under last-writer-wins
 * keys are independent registers, and splitting keeps each check's cost to its key's ops.
 */
import type { DeleteOperation, GetOperation, Operation, PutOperation } from "./history-types.js";
import type { Version } from "./version.js";

export interface KeyHistory {
  key: string;
  /** Every put attempt, whatever its outcome. */
  puts: PutOperation[];
  /** Every delete attempt, whatever its outcome. */
  deletes: DeleteOperation[];
  /** Every get, whatever its outcome. */
  reads: GetOperation[];
}

export function groupByKey(ops: readonly Operation[]): Map<string, KeyHistory> {
  const keys = new Map<string, KeyHistory>();
  for (const op of ops) {
    let k = keys.get(op.key);
    if (!k) {
      k = { key: op.key, puts: [], deletes: [], reads: [] };
      keys.set(op.key, k);
    }
    if (op.f === "put") k.puts.push(op);
    else if (op.f === "delete") k.deletes.push(op);
    else k.reads.push(op);
  }
  return keys;
}

/** An ok get that found something, narrowed so its result fields need no further checks. */
export type FoundRead = GetOperation & { result: { found: true; value: string; version: Version } };

export function isFoundRead(op: GetOperation): op is FoundRead {
  return op.outcome === "ok" && op.result?.found === true;
}
