import type { Contact, DhtRecord, FindValueResult, RecordStore, Router, StoreResult } from "../types.js";
import type { HybridLogicalClock } from "./hlc.js";
import { sha256Hex } from "./position.js";
import { validateKey, validateRecord } from "./record-validation.js";
import type { RecordLimits } from "./record-validation.js";

export interface RecordHandlerComponents {
  router: Router;
  store: RecordStore;
  clock: HybridLogicalClock;
}

export interface RecordHandlerOptions extends RecordLimits {
  /** How many contacts a FindValue answer carries. Default 20 (Kademlia's K). */
  contacts: number;
}

/**
 * The incoming side of replication: what a peer answers to FindValue and Store from other
 * peers. The composition class wires these into its PeerRpcHandler. Errors are DhtErrors
 * (INVALID_ARGUMENT / RESOURCE_EXHAUSTED naming the field) for the transport to return as is.
 */
export class RecordHandlers {
  readonly #router: Router;
  readonly #store: RecordStore;
  readonly #clock: HybridLogicalClock;
  #options: RecordHandlerOptions;

  constructor(components: RecordHandlerComponents, options: Partial<RecordHandlerOptions> = {}) {
    this.#router = components.router;
    this.#store = components.store;
    this.#clock = components.clock;
    this.#options = { maxValueBytes: 1 << 20, contacts: 20, ...options };
  }

  /** Changes limits live (config hot reload); keep maxValueBytes equal to the coordinator's. */
  updateOptions(partial: Partial<RecordHandlerOptions>): void {
    this.#options = { ...this.#options, ...partial };
  }

  /** Our copy of `key` (tombstones included) and the contacts we know closest to its position. */
  async handleFindValue(from: Contact, key: string): Promise<FindValueResult> {
    validateKey(key);
    const record = await this.#store.get(key);
    // One extra so that leaving out the requester (it knows itself) still fills the answer.
    const contacts = this.#router
      .closestKnown(sha256Hex(key), this.#options.contacts + 1)
      .filter((c) => c.id !== from.id)
      .slice(0, this.#options.contacts);
    return record ? { record, contacts } : { contacts };
  }

  /**
   * Validates a record from another peer, merges its version into our clock (refusing one too
   * far in the future with INVALID_ARGUMENT) and stores it under last-writer-wins.
   */
  async handleStore(_from: Contact, record: DhtRecord): Promise<StoreResult> {
    validateRecord(record, this.#options);
    this.#clock.observe(record.version);
    return this.#store.merge(record);
  }
}
