/**
 * The record types a node was built with, looked up by key. Its `validate` is the one check
 * every record passes before it touches a clock or a store, wherever it came from.
 */
import { DhtError } from "../errors.js";
import type { DhtRecord } from "../types.js";
import type { RecordType } from "./record-type.js";
import { validateRecord } from "./record-validation.js";
import type { WriterProofs } from "./writer-proof.js";

export class RecordTypeRegistry {
  readonly types: readonly RecordType[];
  readonly #proofs: WriterProofs | undefined;

  /**
   * `types` in the order they are asked; the last must own every key (plain values do).
   * `proofs`: clocked records are signed by their writer and checked (writer-proof.ts).
   */
  constructor(types: readonly RecordType[], proofs?: WriterProofs) {
    if (types.length === 0) throw new TypeError("RecordTypeRegistry: at least one record type is required");
    this.types = [...types];
    this.#proofs = proofs;
  }

  /** `record`, written by this node, with its writer proof when its type is clocked and proofs are on. */
  signed(record: DhtRecord): DhtRecord {
    return this.#proofs && this.typeOf(record.key).clocked ? this.#proofs.sign(record) : record;
  }

  /** `records` (a batch's writes), the clocked ones under one signature (a batch proof each). */
  signedMany(records: readonly DhtRecord[]): DhtRecord[] {
    const proofs = this.#proofs;
    if (!proofs) return [...records];
    const clocked = records.filter((r) => this.typeOf(r.key).clocked);
    const signed = new Map(proofs.signMany(clocked).map((r, i) => [clocked[i]!, r]));
    return records.map((r) => signed.get(r) ?? r);
  }

  /** The type that owns `key`: the first that claims it, else the last. */
  typeOf(key: string): RecordType {
    for (const t of this.types) if (t.owns(key)) return t;
    return this.types[this.types.length - 1]!;
  }

  /**
   * Checks `record`'s shape, its value against its type's size limit, and its type's own rule.
   * Throws DhtError INVALID_ARGUMENT or RESOURCE_EXHAUSTED naming the field (`record.value: …`).
   */
  validate(record: unknown, field = "record"): asserts record is DhtRecord {
    const key = (record as { key?: unknown } | null)?.key;
    const type = typeof key === "string" ? this.typeOf(key) : this.types[this.types.length - 1]!;
    validateRecord(record, { maxValueBytes: type.maxValueBytes() }, field);
    this.checkRule(record, field);
    if (this.#proofs && type.clocked) {
      const problem = this.#proofs.problem(record);
      if (problem) throw DhtError.invalidArgument(`${field}.proof: ${problem}`);
    }
  }

  /** Only the rule of the record's type (for a record this peer built, whose shape is known good). */
  checkRule(record: DhtRecord, field = "record"): void {
    const problem = this.typeOf(record.key).problem(record);
    if (problem) throw DhtError.invalidArgument(`${field}: ${problem}`);
  }
}
