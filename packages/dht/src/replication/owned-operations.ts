/**
 * Client operations on owned records (records/owned/): a put of an envelope its owner signed,
 * and a read by public key and salt. The write is ordered by seq, not by a clock: the record
 * type fixes the version from seq and signature, and these operations add what a client needs
 * on top of the replicas' last-writer-wins — a lower or reused seq refused with the current
 * seq, and compare-and-swap on seq.
 *
 * CAS is checked against a quorum read just before the write (as Rq + W > R, it sees every
 * acknowledged write). It is not atomic across concurrent writers: two writers that both read
 * seq n and write n + 1 with different values both pass, and the replicas converge on the one
 * whose signature hashes higher (see owned-records.ts); the other may already have been
 * acknowledged. A leaderless quorum store offers no stronger CAS without consensus.
 */
import { ConflictError, DhtError, OwnedConflictError, errorCode } from "../errors.js";
import type { DhtRecord } from "../types.js";
import { validateValueSize } from "../records/record-validation.js";
import { decodeOwnedEnvelope, encodeOwnedEnvelope, envelopeFieldProblem, MAX_SALT_BYTES, OWNED_PREFIX, OWNER_KEY_BYTES, ownedKey, type OwnedEnvelope } from "../records/owned/owned-envelope.js";
import { verifyOwned } from "../records/owned/owned-signature.js";
import { ownedRecord } from "../records/owned/owned-records.js";
import type { ReplicationCoordinator } from "./coordinator.js";
import type { OperationOptions, ReadOptions, ReadResult, WriteResult } from "./operation-types.js";

const OWNED_KEY = new RegExp(`^${OWNED_PREFIX}[0-9a-f]{64}$`);

export interface OwnedPutOptions extends OperationOptions {
  /** Compare-and-swap: write only when the current seq is exactly this (no record held fails it). */
  cas?: number;
}

export interface OwnedReadResult extends ReadResult {
  /** The newest record's envelope, its signature verified. */
  envelope: OwnedEnvelope;
}

export class OwnedOperations {
  readonly #coordinator: ReplicationCoordinator;

  constructor(coordinator: ReplicationCoordinator) {
    this.#coordinator = coordinator;
  }

  /**
   * Stores an owner-signed envelope on the R closest to its key. Errors: INVALID_ARGUMENT (a
   * field out of range, a signature that does not verify), RESOURCE_EXHAUSTED (value too
   * large), ABORTED as OwnedConflictError (seq not above the current one, or the CAS seq is
   * not the current one; it carries the current seq), and those of put.
   */
  async put(e: OwnedEnvelope, opts: OwnedPutOptions = {}): Promise<WriteResult> {
    const problem = envelopeFieldProblem(e);
    if (problem) throw DhtError.invalidArgument(problem);
    validateValueSize(e.value.byteLength, this.#coordinator.options.maxValueBytes, "value");
    if (!verifyOwned(e)) throw DhtError.invalidArgument("signature: does not verify with the public key over (salt, seq, value)");
    if (opts.cas !== undefined && (!Number.isSafeInteger(opts.cas) || opts.cas < 0)) throw DhtError.invalidArgument(`cas: must be an integer ≥ 0, got ${String(opts.cas)}`);
    const record = ownedRecord(e, encodeOwnedEnvelope(e));
    const current = await this.#current(record.key, opts);
    const held = current && decodeOwnedEnvelope(current.value);
    if (opts.cas !== undefined && held?.seq !== opts.cas) {
      const now = held ? `the current seq is ${held.seq}` : "no record is held";
      throw new OwnedConflictError(`cas: expected current seq ${opts.cas}, but ${now}`, current?.version);
    }
    if (held && e.seq < held.seq) {
      throw new OwnedConflictError(`seq: ${e.seq} is below the current seq ${held.seq}; sign seq ${held.seq + 1} or higher`, current.version);
    }
    if (held && e.seq === held.seq && !sameBytes(held.signature, e.signature)) {
      throw new OwnedConflictError(`seq: ${e.seq} is the current seq, held with another value; sign seq ${held.seq + 1} or higher`, current.version);
    }
    try {
      return await this.#coordinator.putRecord(record, opts);
    } catch (error) {
      if (!(error instanceof ConflictError) || !error.current) throw error;
      throw new OwnedConflictError(`seq: a replica holds seq ${error.current.wallMs}, above or replacing ${e.seq}; sign seq ${error.current.wallMs + 1} or higher`, error.current);
    }
  }

  /**
   * The newest owned record of `publicKey` and `salt` from a read quorum, its signature checked
   * by every peer it passed through. Errors: INVALID_ARGUMENT (public key or salt), and those of get.
   */
  async get(publicKey: Uint8Array, salt: Uint8Array, opts: ReadOptions = {}): Promise<OwnedReadResult> {
    if (publicKey.length !== OWNER_KEY_BYTES) throw DhtError.invalidArgument(`publicKey: must be ${OWNER_KEY_BYTES} bytes, got ${publicKey.length}`);
    if (salt.length > MAX_SALT_BYTES) throw DhtError.invalidArgument(`salt: at most ${MAX_SALT_BYTES} bytes, got ${salt.length}`);
    return this.getByKey(ownedKey(publicKey, salt), opts);
  }

  /** As `get`, by the record's key (`owned/<64 hex>`, as listings show it). */
  async getByKey(key: string, opts: ReadOptions = {}): Promise<OwnedReadResult> {
    if (!OWNED_KEY.test(key)) throw DhtError.invalidArgument(`key: must be ${OWNED_PREFIX}<64 lowercase hex>, got ${JSON.stringify(key.slice(0, 80))}`);
    const r = await this.#coordinator.get(key, opts);
    return { ...r, envelope: decodeOwnedEnvelope(r.record.value) };
  }

  async #current(key: string, opts: OperationOptions): Promise<DhtRecord | undefined> {
    try {
      return (await this.#coordinator.get(key, opts)).record;
    } catch (error) {
      if (errorCode(error) === "not_found") return undefined;
      throw error;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
