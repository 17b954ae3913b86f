/**
 * The record type of owned records (owned-envelope.ts): a record under `owned/<hash>` is kept
 * or served only when its envelope belongs under that key, its version is the one its seq and
 * signature fix, and its owner's signature verifies. Every path that touches the store (client
 * writes, Store from a peer, FindValue answers, anti-entropy, hand-off) goes through this check
 * (local-records.ts), so a forged or altered record is refused by every replica and reader.
 *
 * Ordering: not clocked. The version is (wallMs = seq, logical = 0, writer = SHA-256 of the
 * signature), so last-writer-wins compares seq, never a clock, and two records with the same
 * seq but different values (hence different signatures) are still ordered, the same way on
 * every peer. BEP 44 keeps whichever a node already holds in that case; here anti-entropy
 * compares versions between replicas, so "keep the held one" would let two replicas disagree
 * forever, while a deterministic tie-break makes them converge on one value.
 */
import type { DhtRecord, Logger, RecordStore, StoreResult, Version } from "../../types.js";
import { sha256Hex } from "../../kademlia/node-id.js";
import type { RecordType } from "../record-type.js";
import type { RecordQuota } from "../record-quota.js";
import { compareVersions } from "../version.js";
import { decodeOwnedEnvelope, ENVELOPE_OVERHEAD, OWNED_PREFIX, ownedKey, type OwnedEnvelope } from "./owned-envelope.js";
import { verifyOwned } from "./owned-signature.js";

/** The version an owned record with this envelope must carry. */
export function ownedVersion(e: Pick<OwnedEnvelope, "seq" | "signature">): Version {
  return { wallMs: e.seq, logical: 0, writer: sha256Hex(e.signature) };
}

/** The record that stores `e` (key, value and version all fixed by the envelope). */
export function ownedRecord(e: OwnedEnvelope, encoded: Uint8Array): DhtRecord {
  return { key: ownedKey(e.publicKey, e.salt), value: encoded, version: ownedVersion(e), tombstone: false };
}

/** Why `record` is no valid owned record, naming the field at fault; undefined when it is one. */
export function ownedProblem(record: DhtRecord): string | undefined {
  // A delete would need its own signature to be safe; an owner overwrites with a higher seq instead.
  if (record.tombstone) return "tombstone: owned records are never deleted; publish a higher seq instead";
  let e: OwnedEnvelope;
  try {
    e = decodeOwnedEnvelope(record.value);
  } catch (err) {
    return `value: ${(err as Error).message}`;
  }
  if (ownedKey(e.publicKey, e.salt) !== record.key) return "key: is not owned/<sha256(public key || salt)> of the envelope's owner";
  if (compareVersions(record.version, ownedVersion(e)) !== 0) return "version: must be (wallMs = seq, logical = 0, writer = sha256(signature)) of the envelope";
  if (!verifyOwned(e)) return "signature: does not verify with the owner's public key over (salt, seq, value)";
  return undefined;
}

class OwnedRecords implements RecordType {
  readonly name = "owned";
  readonly clocked = false;
  readonly #store: RecordStore;
  readonly #maxValueBytes: () => number;
  readonly #log: Logger;
  readonly #quota: RecordQuota | undefined;

  constructor(store: RecordStore, maxValueBytes: () => number, log: Logger, quota?: RecordQuota) {
    this.#store = store;
    this.#maxValueBytes = maxValueBytes;
    this.#log = log;
    this.#quota = quota;
  }

  owns(key: string): boolean {
    return key.startsWith(OWNED_PREFIX);
  }
  /** The plain value limit applies to the owner's value; the envelope's header comes on top. */
  maxValueBytes(): number {
    return this.#maxValueBytes() + ENVELOPE_OVERHEAD;
  }
  problem(record: DhtRecord): string | undefined {
    return ownedProblem(record);
  }
  /** Owned records count against the record quota like plain ones: signing one costs nothing, so a flood of them must hit the same wall. */
  keep(record: DhtRecord): Promise<StoreResult> {
    return this.#quota ? this.#quota.keep(record, (r) => this.#store.merge(r)) : this.#store.merge(record);
  }
  removed(record: DhtRecord): void {
    this.#quota?.removed(record);
  }
  /** Checked again on the way out (a damaged disk must not serve a bad signature); ~60 µs per read. */
  async read(key: string): Promise<DhtRecord | undefined> {
    const record = await this.#store.get(key);
    if (!record) return undefined;
    const problem = ownedProblem(record);
    if (!problem) return record;
    await this.#store.remove(key);
    this.#quota?.removed(record);
    this.#log.warn({ key, problem }, "invalid owned record dropped");
    return undefined;
  }
}

/** Owned records over `store`; `maxValueBytes` (the plain value limit, a live setting) is read on every check; `quota`: the records' disk quota. */
export function ownedRecords(store: RecordStore, maxValueBytes: () => number, log: Logger, quota?: RecordQuota): RecordType {
  return new OwnedRecords(store, maxValueBytes, log, quota);
}
