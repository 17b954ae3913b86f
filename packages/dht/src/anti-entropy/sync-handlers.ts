/**
 * The incoming side of anti-entropy: what a peer answers to SyncDigest, SyncKeys and
 * FetchRecords. Everything is read from the cached replica view and the index, so answering
 * a digest at rest costs a hash comparison. Requests are validated (DhtError
 * INVALID_ARGUMENT naming the field) and answers are bounded in entries and bytes.
 */
import { DhtError } from "../errors.js";
import type { Contact, DhtRecord, RecordSummary, SyncDigestRequest, SyncDigestResult, SyncKeysRequest, SyncKeysResult } from "../types.js";
import type { LocalRecords } from "../records/local-records.js";
import { EMPTY_DIGEST, HASH_BYTES, LEAF_COUNT } from "./range-digest.js";
import type { ReplicaView } from "./replica-view.js";
import { MAX_KEY_BYTES, validateKey } from "../records/record-validation.js";

/** Most entries one SyncKeys answer carries (~100 bytes each). */
export const MAX_SYNC_KEYS_PAGE = 1000;
/** Most keys one FetchRecords request may name. */
export const MAX_FETCH_KEYS = 1000;

export interface SyncHandlerComponents {
  /** Entries come from the index; values through the record types (a corrupt content copy is dropped, never sent). */
  records: LocalRecords;
  /** The current replica view (cached by AntiEntropy) and the live limit of bytes answered to one FetchRecords. */
  source: { view(): ReplicaView; readonly options: { readonly maxFetchBytes: number } };
}

function invalid(message: string): DhtError {
  return new DhtError(message, "invalid_argument");
}

export class SyncHandlers {
  readonly #c: SyncHandlerComponents;

  constructor(components: SyncHandlerComponents) {
    this.#c = components;
  }

  handleSyncDigest(from: Contact, req: SyncDigestRequest): SyncDigestResult {
    if (!(req.root instanceof Uint8Array) || req.root.byteLength !== HASH_BYTES) {
      throw invalid(`root: must be ${HASH_BYTES} bytes, got ${req.root?.byteLength ?? "none"}`);
    }
    if (!Number.isSafeInteger(req.count) || req.count < 0) throw invalid(`count: must be an integer ≥ 0`);
    const digest = this.#c.source.view().digests.get(from.id) ?? EMPTY_DIGEST;
    if (digest.matches(req.root, req.count)) return { match: true, leaves: [], count: digest.count };
    return { match: false, leaves: digest.leaves.map((l) => new Uint8Array(l)), count: digest.count };
  }

  handleSyncKeys(from: Contact, req: SyncKeysRequest): SyncKeysResult {
    if (!Array.isArray(req.leaves) || req.leaves.length > LEAF_COUNT) throw invalid(`leaves: at most ${LEAF_COUNT} indices`);
    for (const [i, l] of req.leaves.entries()) {
      if (!Number.isInteger(l) || l < 0 || l >= LEAF_COUNT) throw invalid(`leaves[${i}]: must be an integer from 0 to ${LEAF_COUNT - 1}`);
    }
    if (typeof req.after !== "string" || Buffer.byteLength(req.after) > MAX_KEY_BYTES) throw invalid(`after: must be a key or empty`);
    if (!Number.isInteger(req.limit) || req.limit < 0) throw invalid(`limit: must be an integer ≥ 0`);
    const limit = Math.min(req.limit || MAX_SYNC_KEYS_PAGE, MAX_SYNC_KEYS_PAGE);
    const digest = this.#c.source.view().digests.get(from.id) ?? EMPTY_DIGEST;
    const keys = digest.keysOf(new Set(req.leaves)).filter((k) => k > req.after);
    const entries: RecordSummary[] = [];
    for (const key of keys) {
      if (entries.length === limit) break;
      const e = this.#c.records.store.entry(key);
      if (e) entries.push({ key, version: e.version, tombstone: e.tombstone });
    }
    return { entries, truncated: entries.length === limit && keys.length > limit };
  }

  async handleFetchRecords(_from: Contact, keys: string[]): Promise<DhtRecord[]> {
    if (!Array.isArray(keys) || keys.length > MAX_FETCH_KEYS) throw invalid(`keys: at most ${MAX_FETCH_KEYS}`);
    keys.forEach((k, i) => validateKey(k, `keys[${i}]`));
    const out: DhtRecord[] = [];
    let bytes = 0;
    const budget = this.#c.source.options.maxFetchBytes;
    for (const key of new Set(keys)) {
      const record = await this.#c.records.read(key);
      if (!record) continue;
      // Always at least one record, so a value near the size limit can still move.
      if (out.length > 0 && bytes + record.value.byteLength > budget) break;
      bytes += record.value.byteLength;
      out.push(record);
    }
    return out;
  }
}
